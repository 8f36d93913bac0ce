// Usage errors as an operator meets them: an unknown option is exit 64 with a pointer to --help,
// a mistyped --client-dir creates nothing, and Ctrl-C / SIGTERM end a run with 130 / 143.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliPath, installStation, publish, runCli, tempDir, bytesFor } from '../helpers/station.js';

describe('usage errors', () => {
  it.each([['start'], ['status'], ['history'], ['upgrade'], ['publish', '1.0', 'lib', '--out', 'x'], ['serve', 'x']])(
    '%s --no-such-option: exit 64, the message names the option and the command’s --help',
    async (...args) => {
      const run = await runCli([...args, '--no-such-option']);
      expect(run.code).toBe(64);
      expect(run.stderr).toMatch(/unknown option '--no-such-option'/);
      expect(run.stderr).toContain(`reg-client-upgrader ${args[0]} --help`);
    },
  );

  it('a --client-dir that does not exist is not created, and no registration.log is written', async () => {
    const missing = path.join(await tempDir('rcu-usage-'), 'no-such-station');
    for (const command of ['start', 'upgrade']) {
      const run = await runCli([command, '--client-dir', missing, '--offline', '--yes', '--json']);
      expect(run.code).toBe(64);
      expect(run.json).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
      expect(existsSync(missing)).toBe(false);
    }
  });
});

describe('signals', () => {
  let silent: net.Server;
  let url: string;
  let client: string;

  beforeEach(async () => {
    // A server that accepts and never answers: the run waits in its probe until the signal comes.
    silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/registration-client/`;
    const root = await tempDir('rcu-sig-root-');
    await publish(root, '1.0.0', { 'registration-client-1.0.0.jar': bytesFor('c', 1000) });
    client = path.join(await tempDir('rcu-sig-client-'), 'station');
    await installStation(root, '1.0.0', client);
  });

  afterEach(() => {
    silent.close();
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during start: exit %i, saying the next run resumes', async (signal, code) => {
    const child = spawn(process.execPath, [cliPath, 'start', '--client-dir', client, '--server-url', url, '--probe-timeout', '60000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Wait until the run holds its log (it is past start-up), then signal it.
    const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const log = path.join(client, 'registration.log');
    let exited = false;
    void closed.then(() => (exited = true));
    while (!exited && !(existsSync(log) && /server|probe|start:/.test(await fs.readFile(log, 'utf8')))) await new Promise((resolve) => setTimeout(resolve, 50));
    child.kill(signal);
    const exit = await closed;
    expect(exit, stderr).toBe(code);
    expect(stderr).toMatch(new RegExp(`interrupted by ${signal} \\(exit ${code}\\)`));
  });
});
