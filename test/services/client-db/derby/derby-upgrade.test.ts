// The DB step on a genuine encrypted MOSIP 1.1.5.5 station database, with MOSIP's real 1.2.0.1
// scripts, through the Derby adapter: the result has exactly the schema a fresh 1.2.0.2 station gets,
// no registration is lost, a script failing on real data leaves nothing half-done and can run again,
// and a snapshot put back keeps the database it replaces.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VersionMappings } from '../../../../src/formats/version.js';
import { createDerbyClientDb } from '../../../../src/services/client-db/derby/index.js';
import { queryRows } from '../../../../src/services/client-db/derby/derby-query.js';
import type { DbUpgradeStep } from '../../../../src/services/client-db/plan-db-upgrade.js';
import { scriptsMosipWouldRun } from '../../../../src/services/client-db/version-key-value.js';
import { createMemoryLogger } from '../../../../src/services/logger.js';
import {
  BLOCKLISTED,
  cachedStation,
  hasDerby,
  makeDerbyStation,
  ORACLE_1_2_0_2,
  REGISTRATION_IDS,
  regSchema,
  STATION_SECRETS,
  withStationDb,
} from './derby-station-fixture.js';
import type { DerbyStation } from './derby-station-fixture.js';

// The mappings of MOSIP 1.2.0.2's spring.properties, keys with their qualifiers.
const MAPPINGS: VersionMappings = {
  '1.1.4': { dbVersion: '1.1.4', releaseOrder: 1 },
  '1.1.5': { dbVersion: '1.1.5', releaseOrder: 2 },
  '1.1.5.5-P1': { dbVersion: '1.1.5.5', releaseOrder: 3 },
  '1.2.0.1-SNAPSHOT': { dbVersion: '1.2.0.1', releaseOrder: 4, fullSyncEntities: 'DynamicFieldDto' },
};
const STEP: DbUpgradeStep = { version: '1.2.0.1-SNAPSHOT', dbVersion: '1.2.0.1', releaseOrder: 4 };
const NOW = new Date('2026-12-01T08:00:00.000Z');

describe.skipIf(!hasDerby())('Derby DB step with MOSIP 1.2.0.1 scripts', () => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'rcu-derby-step-'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const versionKey = (station: DerbyStation): Promise<string> =>
    withStationDb(station, async (bridge) => {
      const rows = await queryRows(bridge, `SELECT VAL FROM REG.GLOBAL_PARAM WHERE CODE = 'mosip.reg.services.current.version' AND LANG_CODE = 'eng'`);
      return String(rows[0]?.['VAL']);
    });

  it('gives the tables and columns of a fresh 1.2.0.2 station, keeps every registration and blocklisted word, and runs once', async () => {
    const station = await makeDerbyStation(path.join(work, 'client'));
    const oracle = await makeDerbyStation(path.join(work, 'oracle'), { credentials: 'file' });
    await rm(oracle.dbDir, { recursive: true });
    await makeOracleDb(oracle);
    const logger = createMemoryLogger();
    const db = createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir });

    const session = await db.open(logger);
    const countsBefore = await session.countRows();
    expect(await session.readVersion('1.1.5.5-P1')).toBe('1.1.5.5-P1'); // MOSIP's initial.sql says "0": unknown
    const outcome = await session.applyStep(STEP, station.libDir, { logger, mappings: MAPPINGS, now: () => NOW });
    const again = await session.applyStep(STEP, station.libDir, { logger, mappings: MAPPINGS, now: () => NOW });
    const countsAfter = await session.countRows();
    const history = await session.readHistory();
    await session.close();

    expect(outcome).toEqual({ version: '1.2.0.1-SNAPSHOT', outcome: 'applied', statements: 82 });
    expect(again).toEqual({ version: '1.2.0.1-SNAPSHOT', outcome: 'already-applied', statements: 0 });
    expect(history.map((row) => [row.version, row.outcome])).toEqual([['1.2.0.1-SNAPSHOT', 'applied']]);
    // Same tables, columns, types and nullability (column order and defaults are not compared).
    expect(await withStationDb(station, regSchema)).toEqual(await withStationDb(oracle, regSchema));
    expect(countsAfter['REGISTRATION']).toBe(countsBefore['REGISTRATION']);
    expect(countsAfter['BLOCKLISTED_WORDS']).toBe(BLOCKLISTED.length);
    expect(countsAfter['BLACKLISTED_WORDS']).toBeUndefined();

    await withStationDb(station, async (bridge) => {
      const registrations = await queryRows(bridge, 'SELECT ID, PACKET_ID, APP_ID FROM REG.REGISTRATION ORDER BY ID');
      expect(registrations).toEqual(REGISTRATION_IDS.map((id) => ({ ID: id, PACKET_ID: id, APP_ID: id })));
      const words = await queryRows(bridge, 'SELECT WORD FROM REG.BLOCKLISTED_WORDS ORDER BY WORD');
      expect(words.map((row) => row['WORD'])).toEqual([...BLOCKLISTED].sort());
      // History lives in the upgrader's own schema, never in REG.
      const regTables = await queryRows(bridge, `SELECT t.TABLENAME FROM SYS.SYSTABLES t JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID WHERE s.SCHEMANAME = 'REG' AND t.TABLENAME LIKE '%HISTORY%'`);
      expect(regTables).toEqual([]);
    });
    // The value MOSIP's own 1.2.0.x client reads at start-up: it runs no script again.
    const value = await versionKey(station);
    expect(value).toBe('1.2.0.1-SNAPSHOT');
    expect(scriptsMosipWouldRun(value, '1.2.0.2', MAPPINGS)).toEqual([]);
    expect(JSON.stringify(logger.lines)).not.toContain(STATION_SECRETS.bootPassword);
  }, 300_000);

  it('rolls back a script failing part-way on real data (two centres: SQLSTATE 21000), records it, and runs once the data is fixed', async () => {
    const station = await makeDerbyStation(path.join(work, 'client'), { variant: 'two-centres' });
    const schemaBefore = await withStationDb(station, regSchema);
    const logger = createMemoryLogger();
    const db = createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir });

    const session = await db.open(logger);
    const countsBefore = await session.countRows();
    const failed = await session.applyStep(STEP, station.libDir, { logger, mappings: MAPPINGS, now: () => NOW });
    const countsAfter = await session.countRows();
    const history = await session.readHistory();
    await session.close();

    expect(failed).toMatchObject({ version: '1.2.0.1-SNAPSHOT', outcome: 'failed', statements: 82, failedStatement: 47, line: 65, restored: 'none' });
    expect(failed.error).toContain('SQLSTATE 21000');
    expect(failed.error).toContain('sql/1.2.0.1/initial_db_scripts.sql: statement 47 (line 65)');
    // Nothing half-applied: the 20 dropped tables, the rename and the new columns are all back.
    expect(await withStationDb(station, regSchema)).toEqual(schemaBefore);
    expect(countsAfter).toEqual(countsBefore);
    expect(await versionKey(station)).toBe('0');
    expect(history.map((row) => [row.version, row.outcome])).toEqual([['1.2.0.1-SNAPSHOT', 'failed']]);

    // The operator removes the stale centre; the same step now runs.
    await withStationDb(station, (bridge) => bridge.request('execute', { sql: `DELETE FROM REG.REGISTRATION_CENTER WHERE ID = '10002'` }));
    const retry = await db.open(logger);
    const applied = await retry.applyStep(STEP, station.libDir, { logger, mappings: MAPPINGS, now: () => NOW });
    await retry.close();
    expect(applied.outcome).toBe('applied');
  }, 300_000);

  it('peeks at the version, snapshots the database in the step session and puts it back, keeping the replaced one', async () => {
    const station = await makeDerbyStation(path.join(work, 'client'));
    const logger = createMemoryLogger();
    const db = createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir });
    const schemaBefore = await withStationDb(station, regSchema);

    // The version a check reads without changing anything (no JVM left behind, no history table).
    expect(await db.peekVersion('none', logger)).toBe('none');
    // As at the restart: the snapshot in the same session as the step, right before it.
    const session = await db.open(logger);
    const snapshot = await session.snapshot(path.join(work, 'backup'));
    expect(snapshot.path).toBe(path.join(work, 'backup', 'reg'));
    expect(snapshot.bytes).toBeGreaterThan(1_000_000);
    // A second snapshot replaces the first whole.
    expect((await session.snapshot(path.join(work, 'backup'))).path).toBe(snapshot.path);
    expect((await session.applyStep(STEP, station.libDir, { logger, mappings: MAPPINGS })).outcome).toBe('applied');
    await session.close();

    const kept = path.join(work, 'backup', 'reg.replaced');
    await db.restore(path.join(work, 'backup', 'reg'), kept, logger);
    expect(await withStationDb(station, regSchema)).toEqual(schemaBefore);
    expect(existsSync(path.join(kept, 'service.properties'))).toBe(true);
    expect(existsSync(path.join(work, 'backup', 'reg', 'service.properties'))).toBe(true);
    expect((await readdir(path.join(work, 'backup'))).sort()).toEqual(['reg', 'reg.replaced']);
  }, 300_000);
});

/** Copies the cached fresh 1.2.0.2 database (MOSIP's initial.sql) into the oracle station. */
async function makeOracleDb(oracle: DerbyStation): Promise<void> {
  await cp(path.join(await cachedStation(ORACLE_1_2_0_2), 'db', 'reg'), oracle.dbDir, { recursive: true });
}
