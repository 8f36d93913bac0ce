// A realistic client database for upgrade tests: MOSIP's global_param with the version row and a
// registration table with rows that must survive every upgrade and rollback.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Creates db/reg.sqlite under clientDir at `version` with `rows` registrations. */
export function createClientDb(clientDir: string, version: string, rows = 200): string {
  const file = path.join(clientDir, 'db', 'reg.sqlite');
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.exec(`
    CREATE TABLE global_param (code TEXT PRIMARY KEY, name TEXT, val TEXT, typ TEXT, is_active INTEGER, cr_by TEXT, cr_dtimes TEXT);
    CREATE TABLE registration (id TEXT PRIMARY KEY, status TEXT, cr_dtimes TEXT);
  `);
  db.prepare('INSERT INTO global_param VALUES (?, ?, ?, ?, 1, ?, ?)').run(
    'mosip.reg.services.current.version',
    'mosip.reg.services.current.version',
    version,
    'CONFIGURATION',
    'installer',
    new Date().toISOString(),
  );
  const insert = db.prepare('INSERT INTO registration VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i += 1) insert.run(`reg-${i}`, 'APPROVED', new Date(0).toISOString());
  })();
  db.close();
  return file;
}

/** Reads what upgrade tests assert on: version, tables, registration count, history rows. */
export function readClientDb(file: string): { version: string | undefined; tables: string[]; registrations: number; history: Array<{ version: string; outcome: string }> } {
  // Read-write: after a kill mid-transaction SQLite must roll the hot journal back on open.
  const db = new Database(file);
  try {
    const version = (db.prepare("SELECT val FROM global_param WHERE code = 'mosip.reg.services.current.version'").get() as { val: string } | undefined)?.val;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    const registrations = (db.prepare('SELECT count(*) AS n FROM registration').get() as { n: number }).n;
    const history = tables.includes('upgrader_db_history')
      ? (db.prepare('SELECT version, outcome FROM upgrader_db_history ORDER BY id').all() as Array<{ version: string; outcome: string }>)
      : [];
    return { version, tables, registrations, history };
  } finally {
    db.close();
  }
}

/** Writes one registration, as the client does while it runs. */
export function addRegistration(file: string, id: string): void {
  const db = new Database(file);
  try {
    db.prepare('INSERT INTO registration (id, status, cr_dtimes) VALUES (?, ?, ?)').run(id, 'NEW', new Date().toISOString());
  } finally {
    db.close();
  }
}

/** The ids of every registration. */
export function registrationIds(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT id FROM registration ORDER BY id').all() as Array<{ id: string }>).map((row) => row.id);
  } finally {
    db.close();
  }
}

/** The client's own tables (not SQLite's, not the upgrader's). */
export const clientTables = (tables: string[]): string[] => tables.filter((t) => !t.startsWith('sqlite_') && !t.startsWith('upgrader_'));
