// Opens .upgrade/state.db, and when it cannot be trusted (not SQLite, corrupt pages, a migration that
// fails) moves it aside and starts a fresh one: the state only speeds up and explains, it must never
// stop a station from starting.
import { access, mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import { PersistenceError } from '../errors.js';
import { createSqliteDataSource } from './data-source.js';
import { STATE_ENTITIES, STATE_MIGRATIONS } from './state-entities.js';

/** Receives the store's log lines (the runner forwards them to registration.log). */
export type StoreLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/** Options of `openStateDatabase`. */
export interface OpenStateDatabaseOptions {
  log: StoreLog;
  now: () => Date;
}

// Failures of the environment rather than of the file: moving the file aside would not help and
// would hide another process's live database.
const ENVIRONMENT_CODES = /^SQLITE_(BUSY|LOCKED|CANTOPEN|READONLY|PERM|FULL|IOERR|NOMEM|AUTH|INTERRUPT)/;

/** Opens (creating if needed) the state database, running pending migrations; replaces an untrustworthy file. */
export async function openStateDatabase(dbPath: string, options: OpenStateDatabaseOptions): Promise<DataSource> {
  await mkdir(dirname(dbPath), { recursive: true });
  const existed = await exists(dbPath);
  try {
    // Checked before SQLite touches the file: closing a connection to a non-database deletes its -wal.
    await checkHeader(dbPath);
    const dataSource = await initialize(dbPath);
    if (!existed) options.log('info', `created state database ${dbPath}`);
    return dataSource;
  } catch (error) {
    const code = sqliteCode(error);
    if (code === undefined || ENVIRONMENT_CODES.test(code)) throw openFailed(dbPath, error);
    const aside = await moveAside(dbPath, options.now());
    options.log(
      'warn',
      `state database ${dbPath} is unusable (${code}: ${messageOf(error)}); moved it aside to ${aside} ` +
        'and started a fresh one',
    );
    try {
      return await initialize(dbPath);
    } catch (retryError) {
      throw openFailed(dbPath, retryError);
    }
  }
}

/**
 * Opens an existing state database for reading only — no migration, no pragma writes, never moved
 * aside — for `status`, `history` and `inspect`, which run without the station lock and must not
 * race a run that is creating or migrating the file.
 */
export async function openStateDatabaseReadOnly(dbPath: string): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: dbPath,
    readonly: true,
    entities: STATE_ENTITIES,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    timeout: 5000,
  });
  try {
    return await dataSource.initialize();
  } catch (error) {
    throw openFailed(dbPath, error);
  }
}

async function initialize(dbPath: string): Promise<DataSource> {
  const dataSource = createSqliteDataSource({
    database: dbPath,
    entities: STATE_ENTITIES,
    migrations: STATE_MIGRATIONS,
    prepareDatabase: (db) => {
      // Garbage inside an otherwise valid file is found here, not on some later save.
      const verdict: unknown = db.pragma('quick_check', { simple: true });
      if (verdict !== 'ok') throw Object.assign(new Error(`quick_check: ${String(verdict)}`), { code: 'SQLITE_CORRUPT' });
    },
  });
  return dataSource.initialize();
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Throws SQLITE_NOTADB when a non-empty file does not start with SQLite's header (an empty file is a new database). */
async function checkHeader(dbPath: string): Promise<void> {
  const file = await open(dbPath, 'r').catch(() => undefined);
  if (file === undefined) return; // missing (created later) or unreadable (SQLite reports why)
  try {
    const { bytesRead, buffer } = await file.read(Buffer.alloc(SQLITE_HEADER.length), 0, SQLITE_HEADER.length, 0);
    if (bytesRead > 0 && !buffer.subarray(0, bytesRead).equals(SQLITE_HEADER)) {
      throw Object.assign(new Error('file is not a database (no SQLite header)'), { code: 'SQLITE_NOTADB' });
    }
  } finally {
    await file.close();
  }
}

/** Renames the database and its -wal/-shm/-journal files to `<db>.corrupt-<UTC timestamp>[-wal…]`. */
async function moveAside(dbPath: string, at: Date): Promise<string> {
  const stamp = at.toISOString().replace(/:/g, '-');
  let aside = `${dbPath}.corrupt-${stamp}`;
  for (let n = 2; await exists(aside); n += 1) aside = `${dbPath}.corrupt-${stamp}-${n}`;
  // The main file first: once it is gone, a stray -wal can no longer be applied to a fresh database.
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    if (await exists(dbPath + suffix)) await rename(dbPath + suffix, aside + suffix);
  }
  return aside;
}

/** The SQLite result code carried by an error or its causes (TypeORM keeps it in `driverError`). */
function sqliteCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Object && depth < 5; depth += 1) {
    const { code, driverError, cause } = current as { code?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
    current = driverError ?? cause;
  }
  return undefined;
}

function openFailed(dbPath: string, error: unknown): PersistenceError {
  return new PersistenceError(
    'STATE_DB_FAILED',
    `Could not open the state database ${dbPath}: ${messageOf(error)}. ` +
      `Check that ${dirname(dbPath)} is writable, has free space and is not locked by another process.`,
    { cause: error, details: { path: dbPath } },
  );
}

// One line: quick_check reports one problem per line, and the log is read line by line.
function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
