// A station that took a release which bricks it (published unchecked: mappings that are not JSON)
// heals when the release engineer republishes the same version fixed (a hotfix): the broken file
// in lib/ must not stop the patch that replaces it, and the launches in between stay bounded.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { createClientDb, readClientDb } from '../helpers/client-db.js';
import { bytesFor, installStation, publish, runCli, tempDir } from '../helpers/station.js';

const MAPPINGS = JSON.stringify({
  '1.2.0.1': { dbVersion: '1.2.0.1', releaseOrder: 1 },
  '1.3.0.0': { dbVersion: '1.3.0.0', releaseOrder: 2 },
});

function release(version: string, mappings = MAPPINGS): Record<string, Buffer | string> {
  return {
    [`registration-client-${version}.jar`]: bytesFor(`client-${version}`, 20_000),
    [`registration-services-${version}.jar`]: bytesFor(`services-${version}`, 20_000),
    'spring.properties': `mosip.registration.verion.upgrade.version-mappings=${mappings}\n`,
    'sql/1.3.0.0/initial_db_scripts.sql': version === '1.3.0.0' ? 'CREATE TABLE notes (id INTEGER PRIMARY KEY);\n' : '',
  };
}

let root: string;
let client: string;
let server: StaticServer | undefined;
let url: string;

beforeEach(async () => {
  root = await tempDir('rcu-heal-root-');
  client = path.join(await tempDir('rcu-heal-client-'), 'station');
  server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
  url = `${server.url}registration-client/`;
});

afterEach(async () => {
  await server?.close();
});

const run = (command: string, ...extra: string[]) => runCli([command, '--client-dir', client, '--server-url', url, '--json', ...extra]);

describe('a bricked station heals by a hotfix', () => {
  it('1.3.0.0 with mappings that are not JSON: exit 65 touching nothing, then the same version republished fixed heals it', async () => {
    await publish(root, '1.2.0.1', release('1.2.0.1'));
    await installStation(root, '1.2.0.1', client);
    const db = createClientDb(client, '1.2.0.1');
    await publish(root, '1.3.0.0', release('1.3.0.0', '{1.3.0.0: not json'));

    expect((await run('upgrade', '--yes')).code).toBe(10);
    for (let launch = 0; launch < 3; launch += 1) {
      const broken = await run('start');
      expect(broken.code).toBe(65);
      expect(broken.json).toMatchObject({ state: 'failed', installedVersion: '1.3.0.0', error: { code: 'MAPPINGS_INVALID' } });
    }
    expect(readClientDb(db)).toMatchObject({ version: '1.2.0.1', registrations: 200 });
    const status = await runCli(['status', '--client-dir', client]);
    expect(status.stdout).toMatch(/database was not touched/);
    expect(status.stdout).not.toMatch(/failed and was rolled back/);

    await publish(root, '1.3.0.0', release('1.3.0.0'));
    const healed = await run('start');
    expect(healed.code, healed.stdout).toBe(0);
    expect(healed.json).toMatchObject({ state: 'done', installedVersion: '1.3.0.0', patched: ['spring.properties'] });
    expect(readClientDb(db)).toMatchObject({ version: '1.3.0.0', registrations: 200 });
    expect((await run('start')).json).toMatchObject({ state: 'ready', exitCode: 0 });
  });

  it('without a hotfix the retries stop after the crash-loop limit: the previous version is restored and starts', async () => {
    await publish(root, '1.2.0.1', release('1.2.0.1'));
    await installStation(root, '1.2.0.1', client);
    const db = createClientDb(client, '1.2.0.1');
    await publish(root, '1.3.0.0', release('1.3.0.0', '{1.3.0.0: not json'));
    expect((await run('upgrade', '--yes')).code).toBe(10);
    const runs = [];
    for (let launch = 0; launch < 3; launch += 1) runs.push(await run('start', '--crash-loop-limit', '2'));
    expect(runs.map((r) => r.code)).toEqual([65, 65, 0]);
    expect(JSON.stringify(runs[2]?.json?.warnings)).toMatch(/gave up on it and rolled back to 1\.2\.0\.1/);
    const last = await run('status');
    expect(last.json).toMatchObject({ installedVersion: '1.2.0.1', state: 'ready', pending: null });
    expect(readClientDb(db)).toMatchObject({ version: '1.2.0.1', registrations: 200 });
    const next = await run('start');
    expect(next.json).toMatchObject({ state: 'upgradeAvailable', installedVersion: '1.2.0.1', exitCode: 0 });
  });
});
