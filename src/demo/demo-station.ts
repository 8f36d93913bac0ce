// The demo's station: installed from a published release as an installer would (lib/, MANIFEST.MF,
// bin/, db/reg.sqlite with registrations), damaged on purpose, and read back to check the outcome.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sha256File } from '../services/hash-file.js';

/** Registrations in the demo database: they must all survive the upgrade. */
export const DEMO_REGISTRATIONS = 1_000;

const VERSION_CODE = 'mosip.reg.services.current.version';

/** Creates db/reg.sqlite at `version`: MOSIP's global_param with the version row, and registrations. */
export function createDemoDatabase(file: string, version: string, rows = DEMO_REGISTRATIONS): void {
  const db = new Database(file);
  try {
    db.exec(`
      CREATE TABLE global_param (code TEXT PRIMARY KEY, name TEXT, val TEXT, typ TEXT, is_active INTEGER, cr_by TEXT, cr_dtimes TEXT);
      CREATE TABLE registration (
        id TEXT PRIMARY KEY, reg_type TEXT, status_code TEXT, client_status_code TEXT,
        server_status_code TEXT, cr_by TEXT, cr_dtimes TEXT
      );
    `);
    const now = new Date().toISOString();
    db.prepare('INSERT INTO global_param VALUES (?, ?, ?, ?, 1, ?, ?)').run(VERSION_CODE, VERSION_CODE, version, 'CONFIGURATION', 'installer', now);
    const insert = db.prepare('INSERT INTO registration VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < rows; i += 1) {
        const id = `10001${String(100_000 + i)}20241126`;
        insert.run(id, i % 10 === 0 ? 'UPDATE' : 'NEW', 'APPROVED', i % 3 === 0 ? 'SYNCED' : 'APPROVED', i % 3 === 0 ? 'PROCESSED' : null, 'operator-1', now);
      }
    })();
  } finally {
    db.close();
  }
}

/**
 * Installs a station from `<serverRoot>/registration-client/<version>/`: lib/, MANIFEST.MF, bin/ and the
 * database (db/reg.sqlite, or what `createDb` makes once lib/ is in place: the Derby demo's db/reg).
 */
export async function installDemoStation(
  serverRoot: string,
  version: string,
  clientDir: string,
  createDb: (clientDir: string, version: string) => Promise<void> = (dir, at) => Promise.resolve(createDemoDatabase(path.join(dir, 'db', 'reg.sqlite'), at)),
): Promise<void> {
  const release = path.join(serverRoot, 'registration-client', version);
  await fs.mkdir(path.join(clientDir, 'bin'), { recursive: true });
  await fs.mkdir(path.join(clientDir, 'db'), { recursive: true });
  await fs.cp(path.join(release, 'lib'), path.join(clientDir, 'lib'), { recursive: true });
  await fs.copyFile(path.join(release, 'MANIFEST.MF'), path.join(clientDir, 'MANIFEST.MF'));
  await fs.writeFile(path.join(clientDir, 'bin', 'run.sh'), '#!/bin/sh\n# launcher: upgrader first, then the client\nexec java -Dfile.encoding=UTF-8 -cp "lib/*" io.mosip.registration.controller.Initialization\n', {
    mode: 0o755,
  });
  await createDb(clientDir, version);
}

/** A file the demo breaks, and how. */
export interface Damage {
  name: string;
  how: string;
}

/** Breaks two lib/ files the way stations break: one cut short (power cut), one deleted (antivirus). */
export async function damageDemoStation(clientDir: string): Promise<Damage[]> {
  const lib = path.join(clientDir, 'lib');
  const truncated = 'javafx-graphics-11.0.2-linux.jar';
  const deleted = 'kernel-core-1.1.5.5.jar';
  const size = (await fs.stat(path.join(lib, truncated))).size;
  await fs.truncate(path.join(lib, truncated), Math.floor(size / 2));
  await fs.rm(path.join(lib, deleted));
  return [
    { name: truncated, how: `cut to ${Math.floor(size / 2)} of ${size} bytes (a power cut during a copy)` },
    { name: deleted, how: 'deleted (quarantined by an antivirus)' },
  ];
}

/** What the demo checks in the client database. */
export interface DemoDbState {
  version: string | null;
  registrations: number;
  /** Columns of the registration table. */
  columns: string[];
  tables: string[];
  /** Versions whose upgrade script the upgrader recorded as applied, in order. */
  applied: string[];
}

/** Reads the client database read-only. */
export function readDemoDatabase(file: string): DemoDbState {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT val FROM global_param WHERE code = ?').get(VERSION_CODE) as { val: string } | undefined;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
    const columns = (db.prepare('PRAGMA table_info(registration)').all() as Array<{ name: string }>).map((c) => c.name);
    const registrations = (db.prepare('SELECT count(*) AS n FROM registration').get() as { n: number }).n;
    const applied = tables.includes('upgrader_db_history')
      ? (db.prepare("SELECT version FROM upgrader_db_history WHERE outcome = 'applied' ORDER BY id").all() as Array<{ version: string }>).map((h) => h.version)
      : [];
    return { version: row?.val ?? null, registrations, columns, tables, applied };
  } finally {
    db.close();
  }
}

/** name ('/' separators) → uppercase SHA-256 of every file under a folder. */
export async function hashFolder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, file).split(path.sep).join('/'), await sha256File(file));
  }
  return out;
}

/** Names that differ between two hashed folders (missing, extra or changed), sorted. */
export function folderDifferences(actual: Map<string, string>, expected: Map<string, string>): string[] {
  const names = new Set([...actual.keys(), ...expected.keys()]);
  return [...names].filter((name) => actual.get(name) !== expected.get(name)).sort();
}
