// A station killed in the middle of a DB step: the files on disk at that instant (database and its
// hot rollback journal) are copied from inside the step by a SQL function the script calls, exactly as
// a SIGKILL would leave them. Opening the copy must show nothing of the step, and the step then runs once.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openClientDb } from '../../../src/services/client-db/client-data-source.js';
import { applyDbUpgradeStep } from '../../../src/services/client-db/run-db-upgrade.js';
import { silentLogger } from '../../../src/services/logger.js';
import { clientRows, clientSchema, createClientDb, dbVersionOf, readValue, writeDbScripts } from './client-db-fixture.js';

const STEP = { version: '1.3.0', dbVersion: '1.3.0', releaseOrder: 4 };
// Enough rows to spill changed pages into the database file before the commit (cache_size is tiny).
const SCRIPT = `CREATE TABLE audit_log (id INTEGER PRIMARY KEY, msg TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
  INSERT INTO audit_log (msg) SELECT printf('entry %d; padded %s', i, hex(randomblob(40))) FROM n;
UPDATE registration SET status_code = 'REPROCESS';
SELECT crash_snapshot();
DELETE FROM registration_transaction;
`;

let dir = '';
const open: DataSource[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'client-db-crash-'));
});
afterEach(async () => {
  for (const ds of open.splice(0)) if (ds.isInitialized) await ds.destroy();
  await rm(dir, { recursive: true, force: true });
});

it('leaves nothing of a step killed mid-transaction, and the step then runs exactly once', async () => {
  const dbPath = path.join(dir, 'station', 'db', 'reg.sqlite');
  const crashedPath = path.join(dir, 'crashed', 'db', 'reg.sqlite');
  const libDir = path.join(dir, 'station', 'lib');
  createClientDb(dbPath, { version: '1.2.0', registrations: 400 });
  writeDbScripts(libDir, '1.3.0', { upgrade: SCRIPT });
  const schemaBefore = clientSchema(dbPath);
  const rowsBefore = clientRows(dbPath);

  const ds = await openClientDb(dbPath, silentLogger);
  open.push(ds);
  const bytesBefore = readFileSync(dbPath);
  const connection = (await ds.createQueryRunner().connect()) as Database.Database;
  connection.pragma('cache_size = 8');
  connection.function('crash_snapshot', () => {
    mkdirSync(path.dirname(crashedPath), { recursive: true });
    for (const suffix of ['', '-journal']) copyFileSync(dbPath + suffix, crashedPath + suffix);
    throw new Error('killed here');
  });
  expect((await applyDbUpgradeStep(ds, STEP, libDir, { dbPath, logger: silentLogger })).outcome).toBe('failed');
  await ds.destroy();

  // What the kill left: a hot journal beside a database file that already holds some changed pages.
  expect(statSync(`${crashedPath}-journal`).size).toBeGreaterThan(0);
  expect(readFileSync(crashedPath).equals(bytesBefore)).toBe(false);
  const crashed = await openClientDb(crashedPath, silentLogger);
  open.push(crashed);
  expect(existsSync(`${crashedPath}-journal`)).toBe(false);
  await crashed.destroy();
  expect(readValue(crashedPath, 'PRAGMA integrity_check')).toBe('ok');
  expect(clientSchema(crashedPath)).toEqual(schemaBefore);
  expect(clientRows(crashedPath)).toEqual(rowsBefore);
  expect(dbVersionOf(crashedPath)).toBe('1.2.0');
  expect(readValue(crashedPath, 'SELECT count(*) FROM upgrader_db_history')).toBe(0);

  // The next launch runs the step again from the start; a kill after its commit would find it applied.
  writeDbScripts(libDir, '1.3.0', { upgrade: SCRIPT.replace('SELECT crash_snapshot();\n', '') });
  const retry = await openClientDb(crashedPath, silentLogger);
  open.push(retry);
  const options = { dbPath: crashedPath, logger: silentLogger };
  expect(await applyDbUpgradeStep(retry, STEP, libDir, options)).toEqual({ version: '1.3.0', outcome: 'applied', statements: 4 });
  expect((await applyDbUpgradeStep(retry, STEP, libDir, options)).outcome).toBe('already-applied');
  await retry.destroy();
  expect(dbVersionOf(crashedPath)).toBe('1.3.0');
  expect(readValue(crashedPath, 'SELECT count(*) FROM audit_log')).toBe(20000);
  expect(readValue(crashedPath, 'SELECT count(*) FROM registration_transaction')).toBe(0);
  expect(readValue(crashedPath, "SELECT count(*) FROM upgrader_db_history WHERE outcome = 'applied'")).toBe(1);
});
