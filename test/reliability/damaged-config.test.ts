// Found by the torture run: a release's own lib/spring.properties damaged on disk (bytes that do not
// parse) made `start` stop with 64 before it could patch — the station could never repair itself.
// A damaged release file is now ignored (with a warning) and restored by the patch; a file as
// released, or a valid local edit, is still read and validated as before.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, installStation, runCli, tempDir } from '../helpers/station.js';
import { serveRoot } from '../helpers/serve-root.js';
import type { TestServer } from '../helpers/test-server.js';

const GOOD = 'mosip.registration.sw.file.download.read.timeout=30000\n';
const BROKEN = 'mosip.registration.sw.file.download.read.timeout=\\uZZZZ\n';

let root: string;
let server: TestServer;

beforeAll(async () => {
  root = await tempDir('rcu-cfg-root-');
  await publish(root, '1.0.0', { 'spring.properties': GOOD, 'a.jar': 'a' });
  await publish(root, '1.0.1', { 'spring.properties': BROKEN, 'a.jar': 'a' });
  server = await serveRoot(root);
});
afterAll(async () => server.close());

async function station(version: string): Promise<string> {
  const client = path.join(await tempDir('rcu-cfg-'), 'station');
  await installStation(root, version, client);
  return client;
}

const start = (client: string) => runCli(['start', '--client-dir', client, '--server-url', `${server.url}registration-client/`, '--json']);

describe('a damaged lib/ properties file', () => {
  it('is ignored with a warning and restored by the patch (exit 0)', async () => {
    const client = await station('1.0.0');
    await fs.writeFile(path.join(client, 'lib', 'spring.properties'), BROKEN);
    const run = await start(client);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.json).toMatchObject({ patched: ['spring.properties'] });
    expect(await fs.readFile(path.join(client, 'lib', 'spring.properties'), 'utf8')).toBe(GOOD);
    expect(await fs.readFile(path.join(client, 'registration.log'), 'utf8')).toMatch(/ignored .*spring\.properties.*patch restores it/);
  });

  it('as released (it matches MANIFEST.MF) is still a configuration error (64), nothing touched', async () => {
    const client = await station('1.0.1');
    const run = await start(client);
    expect(run.code).toBe(64);
    expect(run.json).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
  });

  it('not listed in MANIFEST.MF (a local file) and invalid is still a configuration error (64)', async () => {
    const client = await station('1.0.0');
    await fs.writeFile(path.join(client, 'lib', 'mosip-application.properties'), BROKEN);
    const run = await start(client);
    expect(run.code).toBe(64);
  });
});
