// Opens the fleet service's database: an embedded SQLite file (one machine, the demo) or
// PostgreSQL (`postgres://…`, production). Same entities, same migration, schema only by migrations.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { CreateFleetTables1764633600001 } from '../../migrations/fleet/1764633600001-CreateFleetTables.js';
import { AddReuseAndRolloutIgnored1764720000001 } from '../../migrations/fleet/1764720000001-AddReuseAndRolloutIgnored.js';
import { CreateRolloutCountStart1764806400001 } from '../../migrations/fleet/1764806400001-CreateRolloutCountStart.js';
import { ConfigError, redactUrl } from '../errors.js';
import { createSqliteDataSource, type MigrationClass } from '../persistence/data-source.js';

/** Every migration of the fleet database, oldest first. */
export const FLEET_MIGRATIONS: MigrationClass[] = [CreateFleetTables1764633600001, AddReuseAndRolloutIgnored1764720000001, CreateRolloutCountStart1764806400001];

/** Where the fleet database is. */
export type FleetDatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** `--database URL` or `--data-dir DIR` → a target; an unknown scheme is a configuration error. */
export function fleetDatabaseTarget(database: string | undefined, dataDir: string): FleetDatabaseTarget {
  if (database === undefined || database === '') return { kind: 'sqlite', file: path.resolve(dataDir, 'fleet.db') };
  if (/^postgres(ql)?:\/\//i.test(database)) return { kind: 'postgres', url: database };
  if (/^sqlite:/i.test(database)) return { kind: 'sqlite', file: path.resolve(database.replace(/^sqlite:(\/\/)?/i, '')) };
  throw new ConfigError('CONFIG_INVALID', `fleet serve: --database '${redactUrl(database)}' is not a postgres:// URL or sqlite:<file>`, {
    details: { key: '--database', value: redactUrl(database), expected: 'postgres://user@host/db or sqlite:<file>' },
  });
}

/** Opens and migrates the fleet database. */
export async function openFleetDatabase(target: FleetDatabaseTarget): Promise<DataSource> {
  if (target.kind === 'sqlite') {
    await mkdir(path.dirname(target.file), { recursive: true });
    return createSqliteDataSource({ database: target.file, entities: [], migrations: FLEET_MIGRATIONS }).initialize();
  }
  const dataSource = new DataSource({
    type: 'postgres',
    url: target.url,
    migrations: FLEET_MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
    // TypeORM prints migration messages to the console even with `logging: false`.
    logger: { logQuery() {}, logQueryError() {}, logQuerySlow() {}, logSchemaBuild() {}, logMigration() {}, log() {} },
    poolSize: 8,
  });
  try {
    return await dataSource.initialize();
  } catch (error) {
    throw new ConfigError('CONFIG_INVALID', `fleet serve: cannot open PostgreSQL at ${redactUrl(target.url)}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
      details: { database: redactUrl(target.url) },
    });
  }
}
