// The connection the state store works on. A state database that is already current (every launch
// after the first) is opened straight through better-sqlite3 with the pragmas TypeORM's driver sets;
// creating, migrating, replacing an untrustworthy file and the read-only opens of status/history go
// through TypeORM (open-state-database.ts), loaded only then: loading TypeORM costs more CPU than the
// whole rest of a launch with nothing to do.
import { open } from 'node:fs/promises';
import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import type { StoreLog } from './open-state-database.js';
import { STATE_MIGRATIONS } from './state-migrations.js';

/** An open state database: the raw connection, and how to release it. */
export interface StateConnection {
  db: Database.Database;
  close(): Promise<void>;
}

/** Options of `openStateConnection`. */
export interface OpenStateConnectionOptions {
  log: StoreLog;
  now: () => Date;
}

// The busy timeout createSqliteDataSource gives TypeORM's connections.
const BUSY_TIMEOUT_MS = 5000;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Opens the state database for reading and writing: directly when it is current, else through TypeORM (create, migrate, move aside). */
export async function openStateConnection(dbPath: string, options: OpenStateConnectionOptions): Promise<StateConnection> {
  const db = await openCurrent(dbPath);
  if (db !== undefined) {
    return {
      db,
      close: () => {
        db.close();
        return Promise.resolve();
      },
    };
  }
  const { openStateDatabase } = await import('./open-state-database.js');
  return fromDataSource(await openStateDatabase(dbPath, options));
}

/** Opens an existing state database for reading only, through TypeORM (no migration, never moved aside). */
export async function openStateConnectionReadOnly(dbPath: string): Promise<StateConnection> {
  const { openStateDatabaseReadOnly } = await import('./open-state-database.js');
  return fromDataSource(await openStateDatabaseReadOnly(dbPath));
}

/** The better-sqlite3 connection under a TypeORM DataSource; closing destroys the DataSource. */
function fromDataSource(dataSource: DataSource): StateConnection {
  const { databaseConnection } = dataSource.driver as unknown as { databaseConnection?: Database.Database };
  if (databaseConnection === undefined) throw new Error('TypeORM gave no better-sqlite3 connection');
  return { db: databaseConnection, close: () => dataSource.destroy() };
}

/**
 * The database opened directly, or undefined when it is not plainly current — missing, empty, not
 * SQLite, failing quick_check, with a migration not applied, or any error at all: the TypeORM path
 * then decides, exactly as it did before this shortcut existed.
 */
async function openCurrent(dbPath: string): Promise<Database.Database | undefined> {
  // Checked before SQLite touches the file: closing a connection to a non-database deletes its -wal.
  if (!(await startsWithSqliteHeader(dbPath))) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(dbPath, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    if (db.pragma('quick_check', { simple: true }) !== 'ok') throw new Error('quick_check failed');
    // TypeORM's own record of the migrations it ran; read before any pragma writes to the file.
    const applied = new Set(db.prepare('SELECT "name" FROM "migrations"').pluck().all());
    if (!STATE_MIGRATIONS.every((Migration) => applied.has(new Migration().name ?? Migration.name))) throw new Error('a migration is pending');
    // The pragmas of createSqliteDataSource and TypeORM's better-sqlite3 driver.
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new Error('not in WAL mode');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch {
    db?.close();
    return undefined;
  }
}

async function startsWithSqliteHeader(dbPath: string): Promise<boolean> {
  const file = await open(dbPath, 'r').catch(() => undefined);
  if (file === undefined) return false;
  try {
    const { bytesRead, buffer } = await file.read(Buffer.alloc(SQLITE_HEADER.length), 0, SQLITE_HEADER.length, 0);
    return bytesRead === SQLITE_HEADER.length && buffer.equals(SQLITE_HEADER);
  } catch {
    return false; // a directory in its place, an I/O error: the TypeORM path reports it
  } finally {
    await file.close();
  }
}
