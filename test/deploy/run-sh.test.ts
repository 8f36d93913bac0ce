// The launcher template acts on the exit codes: applies a staged upgrade then starts the client,
// refuses to start a damaged offline station.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/formats/manifest.js';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { bytesFor, cliPath, installStation, publish, repoRoot, runCli, tempDir } from '../helpers/station.js';

const run = promisify(execFile);
let server: StaticServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function launcherEnv(client: string, serverUrl: string) {
  const wrapper = path.join(await tempDir('rcu-wrap-'), 'rcu');
  await fs.writeFile(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@" --server-url "${serverUrl}"\n`, { mode: 0o755 });
  return { ...process.env, CLIENT_DIR: client, UPGRADER: wrapper, CLIENT_CMD: 'echo client-started', NO_COLOR: '1' };
}

describe('deploy/run.sh launcher template', () => {
  it('applies a staged upgrade on launch, then starts the client', async () => {
    const root = await tempDir('rcu-runsh-root-');
    const client = path.join(await tempDir('rcu-runsh-'), 'station');
    await publish(root, '1.0.0', { 'a.jar': bytesFor('a1', 1000) });
    await publish(root, '1.1.0', { 'a.jar': bytesFor('a2', 1000) });
    await installStation(root, '1.0.0', client);
    server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
    const url = `${server.url}registration-client/`;
    expect((await runCli(['upgrade', '--yes', '--client-dir', client, '--server-url', url])).code).toBe(10);

    const { stdout } = await run('sh', [path.join(repoRoot, 'deploy/run.sh')], { env: await launcherEnv(client, url) });
    expect(stdout).toContain('client-started');
    expect(parseManifest(await fs.readFile(path.join(client, 'MANIFEST.MF'))).version).toBe('1.1.0');
  });

  it('does not start the client when files are damaged and the server is unreachable (21)', async () => {
    const root = await tempDir('rcu-runsh-root-');
    const client = path.join(await tempDir('rcu-runsh-'), 'station');
    await publish(root, '1.0.0', { 'a.jar': bytesFor('a1', 1000) });
    await installStation(root, '1.0.0', client);
    await fs.rm(path.join(client, 'lib', 'a.jar'));
    const env = await launcherEnv(client, 'http://127.0.0.1:9/registration-client/');
    const result = await run('sh', [path.join(repoRoot, 'deploy/run.sh')], { env }).then(
      () => ({ code: 0, stdout: '', stderr: '' }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result.code).toBe(21);
    expect(result.stdout).not.toContain('client-started');
    expect(result.stderr).toContain('missing or damaged');
  });
});
