// The operator's prompts in a real terminal: facts before the question (version, download size,
// backup folder, what to keep on), a "no" that changes nothing and exits 0, and "already up to date".
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { createClientDb } from '../helpers/client-db.js';
import { ptyAvailable, runInPty } from '../helpers/pty.js';
import { bytesFor, installStation, publish, runCli, tempDir } from '../helpers/station.js';

const MAPPINGS = JSON.stringify({ '1.0.0': { dbVersion: '1.0.0', releaseOrder: 1 }, '1.1.0': { dbVersion: '1.1.0', releaseOrder: 2 } });

function release(version: string): Record<string, Buffer | string> {
  return {
    [`registration-client-${version}.jar`]: bytesFor(`client-${version}`, 300_000),
    [`registration-services-${version}.jar`]: bytesFor(`services-${version}`, 200_000),
    'common.jar': bytesFor('common', 50_000),
    'spring.properties': `mosip.registration.verion.upgrade.version-mappings=${MAPPINGS}\n`,
    'sql/1.1.0/initial_db_scripts.sql': 'CREATE TABLE notes (id INTEGER);\n',
  };
}

let root: string;
let client: string;
let server: StaticServer | undefined;
let url: string;

beforeEach(async () => {
  root = await tempDir('rcu-pty-root-');
  client = path.join(await tempDir('rcu-pty-client-'), 'station');
  server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
  url = `${server.url}registration-client/`;
  for (const v of ['1.0.0', '1.1.0']) await publish(root, v, release(v));
  await installStation(root, '1.0.0', client);
  createClientDb(client, '1.0.0', 10);
});

afterEach(async () => {
  await server?.close();
});

describe.runIf(ptyAvailable)('prompts in a terminal', () => {
  it('upgrade states the version, the download size and the backup folder before asking; "n" changes nothing, exit 0', async () => {
    const run = await runInPty(['upgrade', '--client-dir', client, '--server-url', url], 'n\r', { waitFor: /\[y\/N\]/ });
    expect(run.output).toMatch(/from 1\.0\.0 to 1\.1\.0/);
    // Only the two core jars changed: 500 000 bytes, as the server's Content-Length says.
    expect(run.output).toMatch(/download: 488\.3 KiB in 2 file\(s\)/);
    expect(run.output).toContain(path.join(client, 'BackUp', '1.0.0_<date time>Z'));
    expect(run.output).toMatch(/Keep this computer on/);
    expect(run.output).toMatch(/Upgrade to 1\.1\.0 now\? \[y\/N\]/);
    expect(run.output).toMatch(/upgrade declined: nothing was changed/);
    expect(run.code).toBe(0);
    expect(existsSync(path.join(client, 'BackUp'))).toBe(false);
    const status = await runCli(['status', '--client-dir', client, '--json']);
    expect(status.json).toMatchObject({ pending: null });
    expect(status.json?.state).not.toBe('failed');
  });

  it('"y" upgrades (exit 10); rollback then names the version, the backup date and what happens to the data', async () => {
    const up = await runInPty(['upgrade', '--client-dir', client, '--server-url', url], 'y\r', { waitFor: /\[y\/N\]/ });
    expect(up.code, up.output).toBe(10);
    const back = await runInPty(['rollback', '--client-dir', client, '--server-url', url], 'n\r', { waitFor: /\[y\/N\]/ });
    expect(back.output).toMatch(/rolls 1\.0\.0 back to 1\.0\.0, from the backup taken /);
    expect(back.output).toMatch(/every registration stays/);
    expect(back.output).toMatch(/Roll back to 1\.0\.0 now\? \[y\/N\]/);
    expect(back.code).toBe(0);
    expect(await fs.readdir(path.join(client, 'BackUp'))).toHaveLength(1);
  });

  it('upgrade when already up to date: no question, ready, exit 0', async () => {
    expect((await runCli(['upgrade', '--client-dir', client, '--server-url', url, '--yes'])).code).toBe(10);
    expect((await runCli(['start', '--client-dir', client, '--server-url', url])).code).toBe(0);
    const run = await runInPty(['upgrade', '--client-dir', client, '--server-url', url], '', {});
    expect(run.output).toMatch(/already up to date: 1\.1\.0/);
    expect(run.output).not.toMatch(/\[y\/N\]/);
    expect(run.code).toBe(0);
    const status = await runCli(['status', '--client-dir', client, '--json']);
    expect(status.json).toMatchObject({ state: 'ready', pending: null, error: null });
  });
});
