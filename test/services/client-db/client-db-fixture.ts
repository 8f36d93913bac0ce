// A client database shaped like MOSIP's (global_param with the version row, registrations and their
// transactions linked by a cascading foreign key), DB scripts in lib/sql/, and raw readers that
// bypass the code under test.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_VERSION_CODE } from '../../../src/services/client-db/db-version.js';

/** Options of `createClientDb`. */
export interface ClientDbFixture {
  /** Value of the version row; null leaves the row out. Default 1.0.0. */
  version?: string | null;
  /** Rows in `registration` (each with one `registration_transaction`). Default 300. */
  registrations?: number;
  /** False creates no global_param table at all. */
  globalParam?: boolean;
}

/** Creates db/reg.sqlite-like database at `dbPath` (rollback-journal mode, as the client leaves it). */
export function createClientDb(dbPath: string, fixture: ClientDbFixture = {}): void {
  const { version = '1.0.0', registrations = 300, globalParam = true } = fixture;
  mkdirSync(path.dirname(dbPath), { recursive: true });
  const db = new Database(dbPath);
  try {
    db.exec(`
      CREATE TABLE registration (
        id TEXT PRIMARY KEY NOT NULL, reg_type TEXT NOT NULL, ref_id TEXT, status_code TEXT NOT NULL,
        lang_code TEXT, ack_filename TEXT, client_status_code TEXT, cr_by TEXT, cr_dtimes TEXT
      );
      CREATE TABLE registration_transaction (
        id TEXT PRIMARY KEY NOT NULL,
        reg_id TEXT NOT NULL REFERENCES registration (id) ON DELETE CASCADE,
        trn_type_code TEXT NOT NULL, status_code TEXT, cr_dtimes TEXT
      );
      CREATE INDEX idx_reg_trn_reg_id ON registration_transaction (reg_id);
    `);
    if (globalParam) {
      db.exec(`CREATE TABLE global_param (
        code TEXT PRIMARY KEY NOT NULL, name TEXT, val TEXT, typ TEXT,
        is_active INTEGER, cr_by TEXT, cr_dtimes TEXT, upd_by TEXT, upd_dtimes TEXT
      )`);
      const param = db.prepare('INSERT INTO global_param (code, name, val, typ, is_active, cr_by, cr_dtimes) VALUES (?, ?, ?, ?, 1, ?, ?)');
      param.run('mosip.registration.retry.count', 'retry', '3', 'CONFIGURATION', 'SYSTEM', '2024-01-01 00:00:00');
      if (version !== null) param.run(DB_VERSION_CODE, DB_VERSION_CODE, version, 'CONFIGURATION', 'SYSTEM', '2024-01-01 00:00:00');
    }
    const registration = db.prepare(
      `INSERT INTO registration VALUES (?, 'NEW', ?, 'APPROVED', 'eng', ?, 'SYNCED', 'officer1', '2024-05-01 10:00:00')`,
    );
    const transaction = db.prepare(`INSERT INTO registration_transaction VALUES (?, ?, 'CREATED', 'OK', '2024-05-01 10:00:00')`);
    db.transaction(() => {
      for (let n = 1; n <= registrations; n += 1) {
        const id = `10001100010000${String(n).padStart(6, '0')}`;
        registration.run(id, `ref-${n}`, `${id}_Ack.html`);
        transaction.run(`trn-${n}`, id);
      }
    })();
  } finally {
    db.close();
  }
}

/** Writes lib/sql/<dbVersion>/initial_db_scripts.sql and/or rollback_scripts.sql. */
export function writeDbScripts(libDir: string, dbVersion: string, scripts: { upgrade?: string; rollback?: string }): void {
  const dir = path.join(libDir, 'sql', dbVersion);
  mkdirSync(dir, { recursive: true });
  if (scripts.upgrade !== undefined) writeFileSync(path.join(dir, 'initial_db_scripts.sql'), scripts.upgrade);
  if (scripts.rollback !== undefined) writeFileSync(path.join(dir, 'rollback_scripts.sql'), scripts.rollback);
}

/** SHA-256 of a string's UTF-8 bytes, uppercase hex (as the history stores it). */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex').toUpperCase();
}

/** Runs a read-only query straight on the file. */
export function readRows<T>(dbPath: string, sql: string, ...parameters: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...parameters) as T[];
  } finally {
    db.close();
  }
}

/** One value of a read-only query straight on the file. */
export function readValue<T>(dbPath: string, sql: string, ...parameters: unknown[]): T {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).pluck().get(...parameters) as T;
  } finally {
    db.close();
  }
}

/** The client's schema (without the upgrader's tables and SQLite's bookkeeping), sorted, read straight from the file. */
export function clientSchema(dbPath: string): string[] {
  return readRows<{ line: string }>(
    dbPath,
    `SELECT type || '|' || name || '|' || tbl_name || '|' || coalesce(sql, '') AS line FROM sqlite_master
     WHERE tbl_name NOT LIKE 'upgrader\\_%' ESCAPE '\\' AND tbl_name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY line`,
  ).map((row) => row.line);
}

/** The version row of global_param, read straight from the file. */
export function dbVersionOf(dbPath: string): string | undefined {
  return readValue<string | undefined>(dbPath, 'SELECT val FROM global_param WHERE code = ?', DB_VERSION_CODE);
}

/** Every registration and transaction row, in id order, for before/after comparisons. */
export function clientRows(dbPath: string): { registration: unknown[]; transactions: unknown[] } {
  return {
    registration: readRows(dbPath, 'SELECT * FROM registration ORDER BY id'),
    transactions: readRows(dbPath, 'SELECT * FROM registration_transaction ORDER BY id'),
  };
}
