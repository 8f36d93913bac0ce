// The inspector's command-line edges: `--inspect` never disturbs `--json`, the run never waits for
// a viewer, ports and hosts are validated (exit 64), and `inspect` stops cleanly on SIGTERM.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INSPECT_PORT, parseInspectHost, parseInspectPort } from '../../src/cli/commands/inspect.js';
import { runCli, tempDir } from '../helpers/station.js';
import { damagedStation, spawnCli } from './inspector-fixtures.js';

describe('--inspect on start', () => {
  it('prints the URL on stderr, keeps stdout one JSON object, and exits without a viewer', async () => {
    const { client } = await damagedStation();
    const run = await runCli(['start', '--client-dir', client, '--offline', '--json', '--inspect', '0'], { killAfterMs: 30_000 });
    expect(run.signal).toBeNull();
    expect(run.code).toBe(21);
    expect(run.stderr).toMatch(/^inspector: http:\/\/127\.0\.0\.1:\d+\/$/m);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.json).toMatchObject({ state: 'failed', error: { code: 'OFFLINE_FILES_BAD' } });
  });

  it('rejects a bad port with exit 64 before touching the station', async () => {
    const { client } = await damagedStation();
    const run = await runCli(['start', '--client-dir', client, '--offline', '--json', '--inspect=70000']);
    expect(run.code).toBe(64);
    expect(run.json).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
    expect(String((run.json?.error as { message: string }).message)).toContain('--inspect');
  });

  it('reports a port in use with exit 64', async () => {
    const { client } = await damagedStation();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const run = await runCli(['start', '--client-dir', client, '--offline', '--json', '--inspect', String(port)]);
      expect(run.code).toBe(64);
      expect(String((run.json?.error as { message: string }).message)).toContain(`127.0.0.1:${port}`);
    } finally {
      blocker.close();
    }
  });

  it('parses the port: bare flag → 5940, 0 → ephemeral, absent → no inspector', () => {
    expect(parseInspectPort(true)).toBe(DEFAULT_INSPECT_PORT);
    expect(DEFAULT_INSPECT_PORT).toBe(5940);
    expect(parseInspectPort('0')).toBe(0);
    expect(parseInspectPort('8123')).toBe(8123);
    expect(parseInspectPort(undefined)).toBeUndefined();
    expect(() => parseInspectPort('12ab')).toThrow(/not a port number/);
    expect(() => parseInspectPort('-1')).toThrow(/not a port number/);
  });
});

describe('inspect command', () => {
  it('serves until SIGTERM, and with --json prints one object with the URL', async () => {
    const { client } = await damagedStation();
    const cli = spawnCli(['inspect', '--port', '0', '--client-dir', client, '--json']);
    const url = await cli.inspectorUrl;
    const response = await fetch(`${url}api/session`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ mode: 'replay', title: client, entries: [], current: null });
    cli.child.kill('SIGTERM');
    const exit = await cli.exited;
    expect(exit.code).toBe(0);
    expect(JSON.parse(cli.stdout())).toEqual({ schemaVersion: 1, command: 'inspect', url, host: '127.0.0.1', port: Number(new URL(url).port), clientDir: client });
  });

  it('listens where --host says (127.0.0.2 is loopback too on Linux), and only there', async () => {
    const { client } = await damagedStation();
    const cli = spawnCli(['inspect', '--host', '127.0.0.2', '--port', '0', '--client-dir', client, '--json']);
    const url = await cli.inspectorUrl;
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/$/);
      const port = new URL(url).port;
      expect((await fetch(`${url}api/session`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${port}/api/session`)).rejects.toThrow();
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect((await cli.exited).code).toBe(0);
    expect(JSON.parse(cli.stdout())).toMatchObject({ command: 'inspect', url, host: '127.0.0.2' });
  });

  it('on 0.0.0.0 answers to this machine\'s addresses and refuses a foreign Host header (421)', async () => {
    const { client } = await damagedStation();
    const cli = spawnCli(['inspect', '--host', '0.0.0.0', '--port', '0', '--client-dir', client]);
    const url = await cli.inspectorUrl;
    try {
      expect(cli.stderr()).toContain('inspector: listening on 0.0.0.0: anyone who reaches this machine');
      const port = Number(new URL(url).port);
      const address = Object.values(os.networkInterfaces()).flatMap((list) => list ?? []).find((info) => info.family === 'IPv4' && !info.internal)?.address;
      const statusWith = (host: string) =>
        new Promise<number>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port, path: '/api/session', headers: { host } }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          }).on('error', reject);
        });
      expect(await statusWith(`127.0.0.1:${port}`)).toBe(200);
      if (address !== undefined) expect(await statusWith(`${address}:${port}`)).toBe(200);
      expect(await statusWith(`${os.hostname()}:${port}`)).toBe(200);
      expect(await statusWith(`rebind.attacker.example:${port}`)).toBe(421);
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect((await cli.exited).code).toBe(0);
  });

  it.each([
    [['--host', 'not a host!'], "--host: 'not a host!'"],
    [['--host', 'http://127.0.0.1/'], '--host'],
    [['--host', '192.0.2.1'], '--host: cannot listen on 192.0.2.1'],
    [['--port', '70000'], "--port: '70000'"],
    [['--port', '-1'], "--port: '-1'"],
  ])('rejects %j with exit 64 naming the flag, serving nothing', async (flags, message) => {
    const { client } = await damagedStation();
    const run = await runCli(['inspect', ...flags, '--client-dir', client, '--json']);
    expect(run.code).toBe(64);
    expect(run.json).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
    expect(String((run.json?.error as { message: string }).message)).toContain(message);
    expect(run.stderr).not.toContain('inspector: http');
  });

  it('parses --host: IP addresses (brackets allowed) and host names', () => {
    expect(parseInspectHost('0.0.0.0')).toBe('0.0.0.0');
    expect(parseInspectHost('[::1]')).toBe('::1');
    expect(parseInspectHost('station-42.example.org')).toBe('station-42.example.org');
    expect(() => parseInspectHost('')).toThrow(/--host/);
    expect(() => parseInspectHost('a..b')).toThrow(/--host/);
    expect(() => parseInspectHost('127.0.0.1:80')).toThrow(/--host/);
  });

  it('rejects a bad --port with exit 64', async () => {
    const { client } = await damagedStation();
    const run = await runCli(['inspect', '--port', 'http', '--client-dir', client, '--json']);
    expect(run.code).toBe(64);
    expect(String((run.json?.error as { message: string }).message)).toContain("--port: 'http'");
  });

  it('refuses a folder that does not exist (exit 64)', async () => {
    const missing = path.join(await tempDir('rcu-insp-'), 'nowhere');
    const run = await runCli(['inspect', '--port', '0', '--client-dir', missing, '--json']);
    expect(run.code).toBe(64);
    expect(run.json).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
  });
});
