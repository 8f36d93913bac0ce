// The version upgrade of a real MOSIP station end to end: the built CLI, a real HTTP server, an
// encrypted Derby 1.1.5.5 database built from MOSIP's initial.sql, MOSIP's own 1.2.0.1 scripts,
// credentials from .mosipkeys/db.conf. `upgrade` → (client writes) → `start` → MOSIP 1.2.0.2's schema.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { queryRows } from '../../src/services/client-db/derby/derby-query.js';
import { createDerbyStationDb, derbyReleaseFiles, hasDerby, readDerbyStationDb, REGISTRATION_IDS, STATION_SECRETS } from '../helpers/derby-station.js';
import { bytesFor, hashTree, installStation, publish, runCli, tempDir } from '../helpers/station.js';
import { cachedStation, ORACLE_1_2_0_2, regSchema, withStationDb } from '../services/client-db/derby/derby-station-fixture.js';
import type { DerbyStation } from '../services/client-db/derby/derby-station-fixture.js';

const OLD = '1.1.5.5-P1';
const NEW = '1.2.0.1-SNAPSHOT';
// MOSIP 1.2.0.2's mappings, keys with their qualifiers.
const MAPPINGS = JSON.stringify({
  '1.1.4': { dbVersion: '1.1.4', releaseOrder: 1 },
  '1.1.5': { dbVersion: '1.1.5', releaseOrder: 2 },
  '1.1.5.5-P1': { dbVersion: '1.1.5.5', releaseOrder: 3 },
  '1.2.0.1-SNAPSHOT': { dbVersion: '1.2.0.1', releaseOrder: 4 },
});

function release(version: string): Record<string, Buffer | string> {
  return {
    [`registration-client-${version}.jar`]: bytesFor(`client-${version}`, 60_000),
    [`registration-services-${version}.jar`]: bytesFor(`services-${version}`, 50_000),
    'spring.properties': `mosip.registration.verion.upgrade.version-mappings=${MAPPINGS}\n`,
    ...derbyReleaseFiles(version === NEW ? ['1.2.0.1'] : []),
  };
}

/** Writes a registration the way the running client would (its own JVM, while the upgrader is not running). */
async function enrol(station: DerbyStation, id: string): Promise<void> {
  await withStationDb(station, async (bridge) => {
    await bridge.request('execute', {
      sql: `INSERT INTO "REG"."REGISTRATION" ("ID", "REG_TYPE", "STATUS_CODE", "LANG_CODE", "REG_USR_ID", "REGCNTR_ID", "APPROVER_USR_ID", "CLIENT_STATUS_CODE", "IS_ACTIVE", "CR_BY", "CR_DTIMES", "ADDITIONAL_INFO") VALUES (?, 'NEW', 'REGISTERED', 'eng', '110011', '10001', '110012', 'APPROVED', true, '110011', current timestamp, CAST(X'7b7d' AS BLOB))`,
      params: [id],
    });
    await bridge.request('commit', {});
  });
}

describe.skipIf(!hasDerby())('upgrade of a MOSIP Derby station through the CLI', () => {
  let root: string;
  let client: string;
  let server: StaticServer | undefined;
  let url: string;
  let station: DerbyStation;

  beforeEach(async () => {
    root = await tempDir('rcu-derby-root-');
    client = path.join(await tempDir('rcu-derby-client-'), 'station');
    server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
    url = `${server.url}registration-client/`;
  });
  afterEach(async () => {
    await server?.close();
  });

  const run = (command: string, extra: string[] = [], env: Record<string, string> = {}) =>
    runCli([command, '--client-dir', client, '--server-url', url, '--json', ...extra], { env });

  it('1.1.5.5 → 1.2.0.1 with MOSIP’s scripts: MOSIP 1.2.0.2’s schema, every registration kept (one written after staging), no secret anywhere, a no-op launch needs no Java', async () => {
    for (const v of [OLD, NEW]) await publish(root, v, release(v));
    await installStation(root, OLD, client);
    station = await createDerbyStationDb(client);

    expect((await run('start')).json).toMatchObject({ state: 'upgradeAvailable', latestVersion: NEW, exitCode: 0 });
    const staged = await run('upgrade', ['--yes']);
    expect(staged.code, staged.stdout + staged.stderr).toBe(10);
    await enrol(station, 'written-between-staging-and-restart');

    const applied = await run('start');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.json).toMatchObject({ state: 'done', installedVersion: NEW });
    const after = await readDerbyStationDb(station);
    expect(after.version).toBe(NEW);
    const oracle = await withStationDb(
      { clientDir: client, dbDir: path.join(await cachedStation(ORACLE_1_2_0_2), 'db', 'reg'), libDir: '', credentialsFile: await credentialsOf(ORACLE_1_2_0_2) },
      regSchema,
    );
    expect(await withStationDb(station, regSchema)).toEqual(oracle);
    const ids = after.registrations.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([...REGISTRATION_IDS, 'written-between-staging-and-restart']));
    for (const registration of after.registrations) expect(registration.packetId).toBe(registration.id);
    expect(await withStationDb(station, (bridge) => queryRows(bridge, 'SELECT COUNT(*) AS N FROM REG.BLOCKLISTED_WORDS'))).toEqual([{ N: 3 }]);
    expect(after.history.filter((h) => h.outcome === 'applied').map((h) => h.version)).toEqual([NEW]);

    // Nothing to do: the version the database reached is in the state database; no JVM is needed.
    const noJava = { PATH: '/nonexistent', JAVA_HOME: '' };
    const noop = await run('start', ['--offline'], noJava);
    expect(noop.code, noop.stdout + noop.stderr).toBe(0);
    const status = await runCli(['status', '--client-dir', client, '--json'], { env: noJava });
    expect(status.json).toMatchObject({ installedVersion: NEW, dbVersion: NEW });

    const outputs = [staged, applied, noop, status].map((r) => r.stdout + r.stderr).join('\n');
    const log = await fs.readFile(path.join(client, 'registration.log'), 'utf8');
    const history = await runCli(['history', '--client-dir', client, '--json']);
    for (const secret of Object.values(STATION_SECRETS)) {
      expect(outputs).not.toContain(secret);
      expect(log).not.toContain(secret);
      expect(history.stdout).not.toContain(secret);
    }
  }, 300_000);

  it('a MOSIP script failing on real data (two centres, SQLSTATE 21000): exit 30 with nothing half-applied, retried, then rollback keeps every registration', async () => {
    for (const v of [OLD, NEW]) await publish(root, v, release(v));
    await installStation(root, OLD, client);
    station = await createDerbyStationDb(client, { variant: 'two-centres' });
    const schemaBefore = await withStationDb(station, regSchema);

    expect((await run('upgrade', ['--yes'])).code).toBe(10);
    const failed = await run('start');
    expect(failed.code, failed.stdout + failed.stderr).toBe(30);
    expect(failed.json).toMatchObject({ state: 'failed', error: { code: 'DB_UPGRADE_FAILED' } });
    expect(JSON.stringify(failed.json)).toContain('21000');
    expect(await withStationDb(station, regSchema)).toEqual(schemaBefore);
    await enrol(station, 'written-after-the-failure');
    expect((await run('start')).code).toBe(30);

    const rolledBack = await run('rollback', ['--yes']);
    expect(rolledBack.code, rolledBack.stdout + rolledBack.stderr).toBe(0);
    expect(rolledBack.json).toMatchObject({ state: 'ready', installedVersion: OLD });
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client', OLD, 'lib')));
    expect(await withStationDb(station, regSchema)).toEqual(schemaBefore);
    const ids = (await readDerbyStationDb(station)).registrations.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([...REGISTRATION_IDS, 'written-after-the-failure']));
  }, 300_000);

  it('preflight at upgrade: wrong credentials → 64, no Java → 64, the client holding the database → 40; nothing backed up, no secret shown', async () => {
    for (const v of [OLD, NEW]) await publish(root, v, release(v));
    await installStation(root, OLD, client);
    station = await createDerbyStationDb(client);

    const wrong = path.join(client, '..', 'wrong-credentials.txt');
    await fs.writeFile(wrong, `${STATION_SECRETS.bootPassword}x-BREAK-${STATION_SECRETS.user}-BREAK-nope\n`);
    const badCredentials = await run('upgrade', ['--yes', '--db-credentials-file', wrong]);
    expect(badCredentials.code, await fs.readFile(path.join(client, 'registration.log'), 'utf8')).toBe(64);
    expect(badCredentials.json).toMatchObject({ error: { code: 'DB_CREDENTIALS_INVALID' } });

    const noJava = await run('upgrade', ['--yes'], { PATH: '/nonexistent', JAVA_HOME: '' });
    expect(noJava.code, noJava.stdout + noJava.stderr).toBe(64);
    expect(noJava.json).toMatchObject({ error: { code: 'JAVA_NOT_FOUND' } });

    const held = await withStationDb(station, () => run('upgrade', ['--yes']));
    expect(held.code, held.stdout + held.stderr).toBe(40);
    expect(held.json).toMatchObject({ error: { code: 'CLIENT_DB_IN_USE' } });

    expect(existsSync(path.join(client, 'BackUp')) ? await fs.readdir(path.join(client, 'BackUp')) : []).toEqual([]);
    const shown = [badCredentials, noJava, held].map((r) => r.stdout + r.stderr).join('\n') + (await fs.readFile(path.join(client, 'registration.log'), 'utf8'));
    for (const secret of Object.values(STATION_SECRETS)) expect(shown).not.toContain(secret);

    // The client closed: the same upgrade goes through.
    expect((await run('upgrade', ['--yes'])).code).toBe(10);
  }, 300_000);

  it('the client holding the database at the restart: 40, and the launch after it closed finishes', async () => {
    for (const v of [OLD, NEW]) await publish(root, v, release(v));
    await installStation(root, OLD, client);
    station = await createDerbyStationDb(client);
    expect((await run('upgrade', ['--yes'])).code).toBe(10);
    const held = await withStationDb(station, () => run('start'));
    expect(held.code, held.stdout + held.stderr).toBe(40);
    expect(held.json).toMatchObject({ error: { code: 'CLIENT_DB_IN_USE' } });
    const finished = await run('start');
    expect(finished.code, finished.stdout + finished.stderr).toBe(0);
    expect(finished.json).toMatchObject({ state: 'done', installedVersion: NEW });
    expect((await readDerbyStationDb(station)).version).toBe(NEW);
  }, 300_000);
});

/** A credentials file for a cached oracle database (same secrets as every fixture station). */
async function credentialsOf(variant: typeof ORACLE_1_2_0_2): Promise<string> {
  const file = path.join(await tempDir('rcu-derby-oracle-'), `${variant}.txt`);
  const { CREDENTIALS_TEXT } = await import('../helpers/derby-station.js');
  await fs.writeFile(file, `${CREDENTIALS_TEXT}\n`);
  return file;
}
