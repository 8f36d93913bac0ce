// The DB step on real SQLite files: scripts run once and in order, a failing script leaves nothing
// behind, and the rollback ladder (transaction, rollback script, backup) brings the schema back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../../src/errors.js';
import type { VersionMappings } from '../../../src/formats/version.js';
import { backupClientDb } from '../../../src/services/client-db/backup-db.js';
import { openClientDb } from '../../../src/services/client-db/client-data-source.js';
import { readDbHistory } from '../../../src/services/client-db/db-history.js';
import { planDbUpgrade } from '../../../src/services/client-db/plan-db-upgrade.js';
import type { DbUpgradeStep } from '../../../src/services/client-db/plan-db-upgrade.js';
import { applyDbUpgradeStep } from '../../../src/services/client-db/run-db-upgrade.js';
import type { DbStepOutcome } from '../../../src/services/client-db/run-db-upgrade.js';
import { createMemoryLogger } from '../../../src/services/logger.js';
import { clientRows, clientSchema, createClientDb, dbVersionOf, readValue, sha256, writeDbScripts } from './client-db-fixture.js';

const MAPPINGS: VersionMappings = {
  '1.0.0': { dbVersion: '1.0.0', releaseOrder: 1 },
  '1.1.0': { dbVersion: '1.1.0', releaseOrder: 2 },
  '1.2.0': { dbVersion: '1.2.0', releaseOrder: 3 },
  '1.3.0': { dbVersion: '1.3.0', releaseOrder: 4 },
};
const STEP_1_3_0: DbUpgradeStep = { version: '1.3.0', dbVersion: '1.3.0', releaseOrder: 4 };
const NOW = new Date('2025-11-27T08:00:00.000Z');

// `;` inside comments and strings must not end a statement.
const SCRIPT_1_1_0 = `-- 1.1.0: packet size; and a sync job table
/* header; with a ; inside
   a block comment */
ALTER TABLE registration ADD COLUMN packet_size INTEGER DEFAULT 0;
CREATE TABLE sync_job_def (id TEXT PRIMARY KEY, name TEXT, note TEXT);
INSERT INTO sync_job_def VALUES ('J1', 'master sync', 'runs daily; at 02:00 -- not a comment /* nor this */');
INSERT INTO global_param (code, name, val, typ, is_active, cr_by, cr_dtimes)
  VALUES ('mosip.registration.sync.note', 'note', 'a;b', 'CONFIGURATION', 1, 'script', '2025-01-01'); -- trailing; comment
`;

// SQLite's table rebuild: with foreign keys on, DROP TABLE would cascade into registration_transaction.
const SCRIPT_1_2_0 = `CREATE TABLE registration_new (
  id TEXT PRIMARY KEY NOT NULL, reg_type TEXT NOT NULL, ref_id TEXT, status_code TEXT NOT NULL,
  lang_code TEXT, ack_filename TEXT, client_status_code TEXT, cr_by TEXT, cr_dtimes TEXT,
  packet_size INTEGER DEFAULT 0, server_status TEXT
);
INSERT INTO registration_new (id, reg_type, ref_id, status_code, lang_code, ack_filename, client_status_code, cr_by, cr_dtimes, packet_size)
  SELECT id, reg_type, ref_id, status_code, lang_code, ack_filename, client_status_code, cr_by, cr_dtimes, packet_size FROM registration;
DROP TABLE registration;
ALTER TABLE registration_new RENAME TO registration;
CREATE INDEX idx_reg_status ON registration (status_code);
CREATE TRIGGER trg_sync_note AFTER INSERT ON sync_job_def BEGIN
  UPDATE sync_job_def SET note = 'created; by trigger' WHERE id = NEW.id AND note IS NULL;
END;
`;

let dir = '';
let dbPath = '';
let libDir = '';
let ds: DataSource | undefined;
const logger = createMemoryLogger();

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'client-db-'));
  dbPath = path.join(dir, 'db', 'reg.sqlite');
  libDir = path.join(dir, 'lib');
  logger.lines.length = 0;
});
afterEach(async () => {
  if (ds?.isInitialized === true) await ds.destroy();
  ds = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function open(): Promise<DataSource> {
  ds = await openClientDb(dbPath, logger);
  return ds;
}

async function apply(step: DbUpgradeStep, backupDbPath?: string): Promise<DbStepOutcome> {
  const dataSource = ds?.isInitialized === true ? ds : await open();
  return applyDbUpgradeStep(dataSource, step, libDir, {
    dbPath,
    logger,
    now: () => NOW,
    mappings: MAPPINGS,
    ...(backupDbPath === undefined ? {} : { backupDbPath }),
  });
}

/** A 1.0.0 database and the scripts of 1.1.0 and 1.2.0. */
function prepare100(): void {
  createClientDb(dbPath, { version: '1.0.0', registrations: 300 });
  writeDbScripts(libDir, '1.1.0', { upgrade: SCRIPT_1_1_0 });
  writeDbScripts(libDir, '1.2.0', { upgrade: SCRIPT_1_2_0 });
}

/** Upgrades 1.0.0 → 1.2.0 (the fixture every failure case starts from). */
async function upgradeTo120(prepared = false): Promise<DbStepOutcome[]> {
  if (!prepared) prepare100();
  const outcomes: DbStepOutcome[] = [];
  for (const step of planDbUpgrade(MAPPINGS, '1.0.0', '1.2.0')) outcomes.push(await apply(step));
  return outcomes;
}

function historyCount(): number {
  return readValue<number>(dbPath, 'SELECT count(*) FROM upgrader_db_history');
}

describe('applyDbUpgradeStep', () => {
  it('upgrades 1.0.0 to 1.2.0 (skipping 1.1.0 as a release): both scripts, in order, keeping every row', async () => {
    prepare100();
    const rowsBefore = clientRows(dbPath);
    const outcomes = await upgradeTo120(true);
    expect(outcomes).toEqual([
      { version: '1.1.0', outcome: 'applied', statements: 4 },
      { version: '1.2.0', outcome: 'applied', statements: 6 },
    ]);
    await ds?.destroy();
    expect(dbVersionOf(dbPath)).toBe('1.2.0');
    const after = clientRows(dbPath);
    expect(after.registration).toHaveLength(300);
    expect(after.registration).toEqual(rowsBefore.registration.map((row) => ({ ...(row as object), packet_size: 0, server_status: null })));
    // Foreign keys are off during a step: the rebuilt registration table did not cascade.
    expect(after.transactions).toEqual(rowsBefore.transactions);
    expect(readValue(dbPath, "SELECT note FROM sync_job_def WHERE id = 'J1'")).toBe('runs daily; at 02:00 -- not a comment /* nor this */');
    expect(readValue(dbPath, "SELECT val FROM global_param WHERE code = 'mosip.registration.sync.note'")).toBe('a;b');
    expect(readValue(dbPath, "SELECT count(*) FROM sqlite_master WHERE name IN ('idx_reg_status', 'trg_sync_note')")).toBe(2);
    expect(readValue(dbPath, 'PRAGMA integrity_check')).toBe('ok');
    const versionRow = readValue<string>(dbPath, "SELECT json_object('typ', typ, 'active', is_active, 'by', upd_by) FROM global_param WHERE code = 'mosip.reg.services.current.version'");
    expect(JSON.parse(versionRow)).toEqual({ typ: 'CONFIGURATION', active: 1, by: 'reg-client-upgrader' });
  });

  it('records each script in upgrader_db_history with its SHA-256, and never runs it twice', async () => {
    await upgradeTo120();
    const history = await readDbHistory(ds!);
    expect(history.map(({ id: _id, ...row }) => row)).toEqual([
      { version: '1.1.0', dbVersion: '1.1.0', script: 'sql/1.1.0/initial_db_scripts.sql', scriptSha256: sha256(SCRIPT_1_1_0), startedAt: NOW.toISOString(), finishedAt: NOW.toISOString(), outcome: 'applied', error: null },
      { version: '1.2.0', dbVersion: '1.2.0', script: 'sql/1.2.0/initial_db_scripts.sql', scriptSha256: sha256(SCRIPT_1_2_0), startedAt: NOW.toISOString(), finishedAt: NOW.toISOString(), outcome: 'applied', error: null },
    ]);
    // As after a kill right after the commit: the same steps again.
    const again = [await apply({ version: '1.1.0', dbVersion: '1.1.0', releaseOrder: 2 }), await apply({ version: '1.2.0', dbVersion: '1.2.0', releaseOrder: 3 })];
    expect(again.map((outcome) => outcome.outcome)).toEqual(['already-applied', 'already-applied']);
    await ds?.destroy();
    expect(historyCount()).toBe(2);
    expect(readValue(dbPath, 'SELECT count(*) FROM sync_job_def')).toBe(1);
    expect(planDbUpgrade(MAPPINGS, dbVersionOf(dbPath)!, '1.2.0')).toEqual([]);
  });

  it('fails a script whose 3rd statement is invalid with nothing of it left, and fails again the same way', async () => {
    await upgradeTo120();
    await ds?.destroy();
    const schemaBefore = clientSchema(dbPath);
    const rowsBefore = clientRows(dbPath);
    writeDbScripts(libDir, '1.3.0', {
      upgrade: `CREATE TABLE audit_log (id INTEGER PRIMARY KEY, msg TEXT);
INSERT INTO audit_log (msg) VALUES ('half-way');
UPDATE registration SET status_code = 'BROKEN';

INSERT INTO no_such_table VALUES (1);
`,
    });
    const first = await apply(STEP_1_3_0);
    const expected = {
      version: '1.3.0',
      outcome: 'failed',
      statements: 4,
      failedStatement: 4,
      line: 5,
      restored: 'none',
      error: 'sql/1.3.0/initial_db_scripts.sql: statement 4 (line 5) failed: no such table: no_such_table (SQLITE_ERROR)',
    };
    expect(first).toEqual(expected);
    expect(await apply(STEP_1_3_0)).toEqual(expected);
    await ds?.destroy();
    expect(clientSchema(dbPath)).toEqual(schemaBefore);
    expect(clientRows(dbPath)).toEqual(rowsBefore);
    expect(readValue(dbPath, "SELECT count(*) FROM sqlite_master WHERE name = 'audit_log'")).toBe(0);
    expect(dbVersionOf(dbPath)).toBe('1.2.0');
    const failedRows = readValue<number>(dbPath, "SELECT count(*) FROM upgrader_db_history WHERE version = '1.3.0' AND outcome = 'failed' AND error LIKE '%no such table%'");
    expect(failedRows).toBe(2);
    expect(logger.lines.some((line) => line.level === 'error' && line.message.includes('statement 4 (line 5)'))).toBe(true);
  });

  it('runs the rollback script when the failed script committed part of its work itself', async () => {
    await upgradeTo120();
    await ds?.destroy();
    const schemaBefore = clientSchema(dbPath);
    const rollback = 'DROP TABLE IF EXISTS audit_log;\n';
    const upgrade = 'CREATE TABLE audit_log (id INTEGER PRIMARY KEY, msg TEXT);\nCOMMIT;\nCREATE TABLE later (x INT);\n';
    writeDbScripts(libDir, '1.3.0', { upgrade, rollback });
    const outcome = await apply(STEP_1_3_0);
    expect(outcome).toMatchObject({ outcome: 'failed', failedStatement: 2, line: 2, restored: 'rollback-script' });
    expect(outcome.error).toContain('ended the step transaction');
    expect(ds?.isInitialized).toBe(true);
    const history = (await readDbHistory(ds!)).filter((row) => row.version === '1.3.0');
    expect(history.map((row) => [row.outcome, row.script, row.scriptSha256])).toEqual([
      ['failed', 'sql/1.3.0/initial_db_scripts.sql', sha256(upgrade)],
      ['rolled-back', 'sql/1.3.0/rollback_scripts.sql', sha256(rollback)],
    ]);
    await ds?.destroy();
    expect(clientSchema(dbPath)).toEqual(schemaBefore);
    expect(dbVersionOf(dbPath)).toBe('1.2.0');
  });

  it('restores the database from the backup when the rollback script cannot bring the schema back', async () => {
    await upgradeTo120();
    await ds?.destroy();
    const backupPath = path.join(dir, 'BackUp', '1.2.0_2025-11-27 08-00-00.000Z', 'db', 'reg.sqlite');
    expect(await backupClientDb(dbPath, backupPath)).not.toHaveProperty('absent');
    const backupSchema = clientSchema(backupPath);
    const backupRows = clientRows(backupPath);
    writeDbScripts(libDir, '1.3.0', {
      upgrade: "DELETE FROM registration WHERE rowid % 2 = 0;\nCREATE TABLE audit_log (id INTEGER PRIMARY KEY);\nEND;\nSELECT broken FROM nowhere;\n",
      rollback: "-- undoes nothing\nSELECT 1;\n",
    });
    await open();
    const outcome = await apply(STEP_1_3_0, backupPath);
    expect(outcome).toMatchObject({ outcome: 'failed', failedStatement: 3, restored: 'backup' });
    expect(ds?.isInitialized).toBe(false);
    expect(clientSchema(dbPath)).toEqual(backupSchema);
    expect(clientRows(dbPath)).toEqual(backupRows);
    expect(dbVersionOf(dbPath)).toBe('1.2.0');
    expect(readValue(dbPath, 'PRAGMA integrity_check')).toBe('ok');
    // The restored file tells what happened.
    const rows = await readDbHistory(await open());
    expect(rows.filter((row) => row.version === '1.3.0').map((row) => [row.outcome, row.script])).toEqual([
      ['failed', 'sql/1.3.0/initial_db_scripts.sql'],
      ['rolled-back', backupPath],
    ]);
  });

  it('throws ROLLBACK_FAILED naming the database when neither the rollback script nor a backup can restore it', async () => {
    await upgradeTo120();
    writeDbScripts(libDir, '1.3.0', { upgrade: 'CREATE TABLE audit_log (id INTEGER);\nCOMMIT;\n' });
    const error = await apply(STEP_1_3_0).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('ROLLBACK_FAILED');
    expect((error as DatabaseError).message).toContain(dbPath);
  });

  it('fails a step that leaves foreign key violations, rolling it back', async () => {
    await upgradeTo120();
    writeDbScripts(libDir, '1.3.0', {
      upgrade: "INSERT INTO registration_transaction VALUES ('trn-orphan', 'no-such-registration', 'CREATED', 'OK', '2025-01-01');\n",
    });
    const outcome = await apply(STEP_1_3_0);
    expect(outcome).toMatchObject({ outcome: 'failed', restored: 'none' });
    expect(outcome.error).toContain('foreign key violations');
    await ds?.destroy();
    expect(readValue(dbPath, "SELECT count(*) FROM registration_transaction WHERE id = 'trn-orphan'")).toBe(0);
  });

  it('records a version whose script is missing as applied with no statements, and says so in the log', async () => {
    createClientDb(dbPath, { version: '1.2.0', registrations: 5 });
    const outcome = await apply(STEP_1_3_0);
    expect(outcome).toEqual({ version: '1.3.0', outcome: 'applied', statements: 0 });
    expect(logger.lines.some((line) => line.level === 'warn' && line.message.includes('initial_db_scripts.sql is missing'))).toBe(true);
    await ds?.destroy();
    expect(dbVersionOf(dbPath)).toBe('1.3.0');
    expect(readValue(dbPath, 'SELECT script_sha256 FROM upgrader_db_history')).toBe(sha256(''));
  });

  it('fails a malformed script before running anything', async () => {
    createClientDb(dbPath, { version: '1.2.0', registrations: 5 });
    writeDbScripts(libDir, '1.3.0', { upgrade: "CREATE TABLE t (x INT);\nINSERT INTO t VALUES ('never closed);\n" });
    const outcome = await apply(STEP_1_3_0);
    expect(outcome).toMatchObject({ outcome: 'failed', statements: 0, restored: 'none' });
    expect(outcome.error).toContain('sql/1.3.0/initial_db_scripts.sql, line 2');
    await ds?.destroy();
    expect(readValue(dbPath, "SELECT count(*) FROM sqlite_master WHERE name = 't'")).toBe(0);
  });

  it('writes the version row, creating global_param, in a database that had none', async () => {
    createClientDb(dbPath, { globalParam: false, registrations: 5 });
    writeDbScripts(libDir, '1.3.0', { upgrade: 'CREATE TABLE audit_log (id INTEGER);' });
    expect(await apply(STEP_1_3_0)).toMatchObject({ outcome: 'applied', statements: 1 });
    await ds?.destroy();
    expect(dbVersionOf(dbPath)).toBe('1.3.0');
  });

  it('runs a script again when global_param is behind its applied history row', async () => {
    await upgradeTo120();
    writeDbScripts(libDir, '1.3.0', { upgrade: 'CREATE TABLE IF NOT EXISTS audit_log (id INTEGER);' });
    expect((await apply(STEP_1_3_0)).outcome).toBe('applied');
    await ds!.query("UPDATE global_param SET val = '1.2.0' WHERE code = 'mosip.reg.services.current.version'");
    expect((await apply(STEP_1_3_0)).outcome).toBe('applied');
    expect(logger.lines.some((line) => line.level === 'warn' && line.message.includes('running it again'))).toBe(true);
  });
});
