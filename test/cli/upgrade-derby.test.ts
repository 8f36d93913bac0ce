// A real MOSIP station end to end: the built CLI, a real HTTP server, an encrypted 1.1.5.5 Derby
// database opened through the station's derby jar and db.conf, upgraded by MOSIP's own 1.2.0.1 scripts.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import {
  addDerbyRegistration,
  createDerbyStationDb,
  derbyReleaseFiles,
  hasDerby,
  readDerbyStationDb,
  REGISTRATION_IDS,
  STATION_SECRETS,
  whileClientRuns,
  type DerbyStation,
} from '../helpers/derby-station.js';
import { bytesFor, hashTree, installStation, publish, runCli, tempDir, type CliRun } from '../helpers/station.js';

// MOSIP's own mappings (1.2.0.2's spring.properties), keys with their qualifiers.
const MAPPINGS = JSON.stringify({
  '1.1.5': { dbVersion: '1.1.5', releaseOrder: 1 },
  '1.1.5.5-P1': { dbVersion: '1.1.5.5', releaseOrder: 2 },
  '1.2.0.1': { dbVersion: '1.2.0.1', releaseOrder: 3 },
});

function release(version: string): Record<string, Buffer | string> {
  return {
    [`registration-client-${version}.jar`]: bytesFor(`client-${version}`, 60_000),
    [`registration-services-${version}.jar`]: bytesFor(`services-${version}`, 40_000),
    'spring.properties': `mosip.registration.verion.upgrade.version-mappings=${MAPPINGS}\n`,
    ...derbyReleaseFiles(version === '1.2.0.1' ? ['1.1.5', '1.1.5.5', '1.2.0.1'] : ['1.1.5', '1.1.5.5']),
  };
}

let root: string;
let client: string;
let server: StaticServer | undefined;
let url: string;

beforeEach(async () => {
  root = await tempDir('rcu-derby-root-');
  client = path.join(await tempDir('rcu-derby-client-'), 'station');
  server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
  url = `${server.url}registration-client/`;
  for (const v of ['1.1.5.5-P1', '1.2.0.1']) await publish(root, v, release(v));
  await installStation(root, '1.1.5.5-P1', client);
});

afterEach(async () => {
  await server?.close();
});

const run = (command: string, ...extra: string[]): Promise<CliRun> => runCli([command, '--client-dir', client, '--server-url', url, '--json', ...extra]);

/** No secret in what the runs printed, in the station's log or in the state database. */
async function expectNoSecret(runs: CliRun[]): Promise<void> {
  const files = [path.join(client, 'registration.log'), path.join(client, '.upgrade', 'state.db')].filter((file) => existsSync(file));
  const seen = [...runs.map((r) => r.stdout + r.stderr), ...(await Promise.all(files.map((file) => fs.readFile(file, 'latin1'))))].join('\n');
  for (const secret of Object.values(STATION_SECRETS)) expect(seen).not.toContain(secret);
}

describe.skipIf(!hasDerby())('upgrade of a Derby station', () => {
  it('1.1.5.5-P1 → 1.2.0.1: MOSIP’s script once, in one transaction; every registration kept, one written after staging too', async () => {
    const station: DerbyStation = await createDerbyStationDb(client);
    const staged = await run('upgrade', '--yes');
    expect(staged.code, staged.stdout + staged.stderr).toBe(10);
    await addDerbyRegistration(station, 'written-after-staging');
    const started = await run('start');
    expect(started.code, started.stdout + started.stderr).toBe(0);
    expect(started.json).toMatchObject({ state: 'done', installedVersion: '1.2.0.1' });

    const db = await readDerbyStationDb(station);
    expect(db.version).toBe('1.2.0.1');
    expect(db.history).toEqual([{ version: '1.2.0.1', outcome: 'applied' }]);
    expect(db.tables).toContain('BLOCKLISTED_WORDS');
    expect(db.registrations).toEqual([...REGISTRATION_IDS, 'written-after-staging'].sort().map((id) => ({ id, packetId: id })));
    const again = await run('start');
    expect(again.code).toBe(0);
    expect((await readDerbyStationDb(station)).history).toHaveLength(1);
    await expectNoSecret([staged, started, again]);
  }, 600_000);

  it('a script failing on real data (two centres): exit 30, nothing half-applied; rollback restores lib and keeps every registration', async () => {
    const station = await createDerbyStationDb(client, { variant: 'two-centres' });
    const before = await readDerbyStationDb(station);
    expect((await run('upgrade', '--yes')).code).toBe(10);
    const failed = await run('start');
    expect(failed.code, failed.stdout + failed.stderr).toBe(30);
    expect(failed.json).toMatchObject({ error: { code: 'DB_UPGRADE_FAILED' } });
    expect(JSON.stringify(failed.json)).toContain('21000');
    const afterFail = await readDerbyStationDb(station);
    expect({ ...afterFail, history: [] }).toEqual({ ...before, history: [] });
    expect(afterFail.history).toEqual([{ version: '1.2.0.1', outcome: 'failed' }]);

    await addDerbyRegistration(station, 'written-after-failure');
    const rolledBack = await run('rollback', '--yes');
    expect(rolledBack.code, rolledBack.stdout + rolledBack.stderr).toBe(0);
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client/1.1.5.5-P1/lib')));
    const restored = await readDerbyStationDb(station);
    expect(restored.tables).toEqual(before.tables);
    expect(restored.registrations.map((r) => r.id)).toContain('written-after-failure');
    await expectNoSecret([failed, rolledBack]);
  }, 600_000);

  it('preflight at upgrade: wrong credentials exit 64, a running client exit 40, nothing backed up', async () => {
    const station = await createDerbyStationDb(client);
    const wrong = path.join(client, 'wrong-credentials.txt');
    await fs.writeFile(wrong, `${STATION_SECRETS.bootPassword}-BREAK-${STATION_SECRETS.user}-BREAK-NotThePassword99`);
    const refused = await run('upgrade', '--yes', '--db-credentials-file', wrong);
    expect(refused.code, refused.stdout + refused.stderr).toBe(64);
    expect(refused.json).toMatchObject({ error: { code: 'DB_CREDENTIALS_INVALID' } });
    const held = await whileClientRuns(station, () => run('upgrade', '--yes'));
    expect(held.code, held.stdout + held.stderr).toBe(40);
    expect(held.json).toMatchObject({ error: { code: 'CLIENT_DB_IN_USE' } });
    expect(existsSync(path.join(client, 'BackUp'))).toBe(false);
    await expectNoSecret([refused, held]);
  }, 600_000);
});
