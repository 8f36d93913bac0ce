// The second TypeORM data source of a station (DESIGN §6): the client's own database db/reg.sqlite.
// The upgrader only adds its history table there, by migration, under names that cannot clash with
// the client's tables; the client's journal mode is left as the client set it.
import { access } from 'node:fs/promises';
import type { DataSource } from 'typeorm';
import { CreateUpgraderDbHistory1764288000000 } from '../../../migrations/1764288000000-CreateUpgraderDbHistory.js';
import { DatabaseError } from '../../errors.js';
import { createSqliteDataSource } from '../../persistence/data-source.js';
import type { MigrationClass } from '../../persistence/data-source.js';
import type { Logger } from '../logger.js';
import { DbHistoryEntity } from './db-history.js';

/** Table where TypeORM records the upgrader's migrations in the client database. */
export const CLIENT_MIGRATIONS_TABLE = 'upgrader_migrations';

/** Every migration the upgrader runs on the client database, oldest first. */
export const CLIENT_DB_MIGRATIONS: MigrationClass[] = [CreateUpgraderDbHistory1764288000000];

/** Options of `openClientDb`. */
export interface OpenClientDbOptions {
  /** How long a statement waits for the client's lock, in ms. Default 10000. */
  busyTimeoutMs?: number;
}

/**
 * Opens the existing client database (never creates one) and runs the upgrader's pending migrations;
 * throws DatabaseError DB_UPGRADE_FAILED naming the file.
 */
export async function openClientDb(dbPath: string, logger?: Logger, options: OpenClientDbOptions = {}): Promise<DataSource> {
  const missing = await access(dbPath).then(
    () => false,
    () => true,
  );
  if (missing) {
    throw new DatabaseError('DB_UPGRADE_FAILED', `The client database ${dbPath} does not exist; nothing to upgrade there.`, {
      details: { path: dbPath, reason: 'missing' },
    });
  }
  const dataSource = createSqliteDataSource({
    database: dbPath,
    entities: [DbHistoryEntity],
    migrations: CLIENT_DB_MIGRATIONS,
    wal: false,
    busyTimeoutMs: options.busyTimeoutMs ?? 10_000,
    log: (level, message) => logger?.[level](`client database ${dbPath}: ${message}`),
  });
  dataSource.setOptions({ migrationsTableName: CLIENT_MIGRATIONS_TABLE });
  try {
    return await dataSource.initialize();
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    throw new DatabaseError(
      'DB_UPGRADE_FAILED',
      `Could not open the client database ${dbPath}: ${messageOf(error)}. ` +
        'Check that the client is not running, that the file is a SQLite database and that the disk has free space.',
      { cause: error, details: { path: dbPath } },
    );
  }
}

/** One-line message of anything thrown. */
export function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ');
}
