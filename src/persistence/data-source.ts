// One way to open a SQLite database through TypeORM: better-sqlite3 driver, schema only by migrations
// (never `synchronize`), and the pragmas that make a committed row survive power loss.
import type Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import type { EntitySchema, Logger, MigrationInterface } from 'typeorm';

/** A TypeORM migration class (listed explicitly: no globs, so bundling and tests see the same list). */
export type MigrationClass = new () => MigrationInterface;

/** Options of `createSqliteDataSource`. */
export interface SqliteDataSourceOptions {
  /** Path of the database file (its directory is created on open). */
  database: string;
  /** Entities, as EntitySchema (decorators are off in this project). */
  entities: EntitySchema[];
  /** Migrations, run on `initialize()` when pending. */
  migrations: MigrationClass[];
  /** How long a statement waits for another connection's lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /** Switch the file to WAL mode (persistent in the file). Default true; false leaves the client's own journal mode alone. */
  wal?: boolean;
  /** Receives TypeORM's migration failures; nothing reaches the console (stdout may be `--json`). Default: dropped. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Runs on the raw connection first, before the pragmas write anything (e.g. an integrity check). */
  prepareDatabase?: (db: Database.Database) => void;
}

/** Makes (does not initialize) a better-sqlite3 DataSource with `synchronous=FULL`, WAL and a busy timeout. */
export function createSqliteDataSource(options: SqliteDataSourceOptions): DataSource {
  const { database, entities, migrations, busyTimeoutMs = 5000, wal = true } = options;
  return new DataSource({
    type: 'better-sqlite3',
    database,
    entities,
    migrations,
    // With no migrations to run, TypeORM would still create its `migrations` table: in a client's
    // database that is a write the client never asked for.
    migrationsRun: migrations.length > 0,
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
    // TypeORM prints migration messages to the console even with `logging: false`.
    logger: quietLogger(options.log ?? (() => undefined)),
    // better-sqlite3 turns this into sqlite3_busy_timeout (PRAGMA busy_timeout).
    timeout: busyTimeoutMs,
    prepareDatabase: (db: Database.Database) => {
      try {
        options.prepareDatabase?.(db);
        if (wal) {
          const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
          if (mode !== 'wal') throw new Error(`could not switch ${database} to WAL (journal_mode is ${String(mode)})`);
        }
        // FULL: the WAL is synced on every commit, so a saved snapshot survives power loss.
        db.pragma('synchronous = FULL');
      } catch (error) {
        // TypeORM does not close a connection whose preparation failed; the file must be released
        // before anyone can move it aside.
        db.close();
        throw error;
      }
    },
  });
}

function quietLogger(log: NonNullable<SqliteDataSourceOptions['log']>): Logger {
  const ignore = (): void => undefined;
  return {
    logQuery: ignore,
    logQueryError: ignore, // the error is thrown to the caller, who reports it once
    logQuerySlow: ignore,
    logSchemaBuild: ignore,
    logMigration: (message: string) => log('warn', message),
    log: (level: 'log' | 'info' | 'warn', message: unknown) => log(level === 'warn' ? 'warn' : 'info', String(message)),
  };
}
