// The client database's data source: the upgrader's table comes from its own migration (recorded in
// upgrader_migrations, never `synchronize`), the client's journal mode is left alone, and the
// database's version is read from global_param with the right fallbacks.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../../src/errors.js';
import { CLIENT_MIGRATIONS_TABLE, openClientDb } from '../../../src/services/client-db/client-data-source.js';
import { DB_VERSION_CODE, readDbVersion } from '../../../src/services/client-db/db-version.js';
import { clientRows, clientSchema, createClientDb, readRows, readValue } from './client-db-fixture.js';

let dir = '';
let dbPath = '';
const open: DataSource[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'client-db-ds-'));
  dbPath = path.join(dir, 'db', 'reg.sqlite');
});
afterEach(async () => {
  for (const ds of open.splice(0)) if (ds.isInitialized) await ds.destroy();
  await rm(dir, { recursive: true, force: true });
});

async function openDb(): Promise<DataSource> {
  const ds = await openClientDb(dbPath);
  open.push(ds);
  return ds;
}

describe('openClientDb', () => {
  it('creates upgrader_db_history by migration, recorded in upgrader_migrations, and touches nothing of the client', async () => {
    createClientDb(dbPath, { registrations: 50 });
    const schema = clientSchema(dbPath);
    const rows = clientRows(dbPath);
    const ds = await openDb();
    expect(ds.options.synchronize).toBe(false);
    expect(ds.options.migrationsTableName).toBe(CLIENT_MIGRATIONS_TABLE);
    await ds.destroy();
    expect(readRows(dbPath, `SELECT name FROM ${CLIENT_MIGRATIONS_TABLE}`)).toEqual([{ name: 'CreateUpgraderDbHistory1764288000000' }]);
    const columns = readRows<{ name: string }>(dbPath, 'PRAGMA table_info(upgrader_db_history)').map((column) => column.name);
    expect(columns).toEqual(['id', 'version', 'db_version', 'script', 'script_sha256', 'started_at', 'finished_at', 'outcome', 'error']);
    // No generic names a client table could clash with.
    expect(readValue(dbPath, "SELECT count(*) FROM sqlite_master WHERE name IN ('migrations', 'typeorm_metadata')")).toBe(0);
    expect(clientSchema(dbPath)).toEqual(schema);
    expect(clientRows(dbPath)).toEqual(rows);
    expect(readValue(dbPath, 'PRAGMA journal_mode')).toBe('delete');
  });

  it('runs the migration once however often the database is opened', async () => {
    createClientDb(dbPath, { registrations: 1 });
    await (await openDb()).destroy();
    await (await openDb()).destroy();
    expect(readValue(dbPath, `SELECT count(*) FROM ${CLIENT_MIGRATIONS_TABLE}`)).toBe(1);
  });

  it('only allows the outcomes the history knows', async () => {
    createClientDb(dbPath, { registrations: 1 });
    const ds = await openDb();
    await expect(
      ds.query(`INSERT INTO upgrader_db_history (version, db_version, script, started_at, finished_at, outcome)
        VALUES ('1', '1', 's', 'a', 'b', 'maybe')`),
    ).rejects.toThrow(/CHECK constraint failed/);
  });

  it('refuses a missing database with DB_UPGRADE_FAILED and does not create one', async () => {
    const error = await openClientDb(dbPath).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('DB_UPGRADE_FAILED');
    expect((error as DatabaseError).message).toContain(dbPath);
    expect(existsSync(dbPath)).toBe(false);
  });

  it('reports a file that is not a database with DB_UPGRADE_FAILED naming it', async () => {
    createClientDb(dbPath, { registrations: 1 });
    await writeFile(dbPath, 'not a database, although the name says so; long enough for a header');
    const error = await openClientDb(dbPath).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect((error as DatabaseError).code).toBe('DB_UPGRADE_FAILED');
    expect((error as DatabaseError).message).toContain(dbPath);
  });
});

describe('readDbVersion', () => {
  it('reads global_param.val of the version code', async () => {
    createClientDb(dbPath, { version: '1.1.5.5' });
    expect(await readDbVersion(await openDb(), '1.0.0')).toBe('1.1.5.5');
  });

  it('falls back when the row is missing', async () => {
    createClientDb(dbPath, { version: null });
    expect(await readDbVersion(await openDb(), '1.1.4')).toBe('1.1.4');
  });

  it('falls back when the row is empty', async () => {
    createClientDb(dbPath, { version: '1.2.0' });
    const db = new Database(dbPath);
    db.prepare('UPDATE global_param SET val = NULL WHERE code = ?').run(DB_VERSION_CODE);
    db.close();
    expect(await readDbVersion(await openDb(), '1.1.4')).toBe('1.1.4');
  });

  it('falls back when there is no global_param table', async () => {
    createClientDb(dbPath, { globalParam: false });
    expect(await readDbVersion(await openDb(), '1.1.4')).toBe('1.1.4');
  });
});
