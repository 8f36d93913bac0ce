// The inspector's command-line edges: `--inspect` never disturbs `--json`, the run never waits for
// a viewer, ports are validated (exit 64), and `inspect` stops cleanly on SIGTERM.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INSPECT_PORT, parseInspectPort } from '../../src/cli/commands/inspect.js';
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
    expect(JSON.parse(cli.stdout())).toEqual({ schemaVersion: 1, command: 'inspect', url, port: Number(new URL(url).port), clientDir: client });
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
