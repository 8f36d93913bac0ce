// The upgrader's record of DB scripts in the client database (`upgrader_db_history`, created by
// migrations/1764288000000-CreateUpgraderDbHistory.ts): written in the same transaction as the
// script it describes, so "applied" is true exactly when the script's changes are committed.
import { EntitySchema } from 'typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** What happened to one attempt: committed, rolled back by SQLite, or undone by a rollback script or backup. */
export type DbHistoryOutcome = 'applied' | 'failed' | 'rolled-back';

/** A row of `upgrader_db_history`. */
export interface DbHistoryRow {
  id: number;
  /** Release version the step moves the database to (global_param's value once applied). */
  version: string;
  /** Folder lib/sql/<dbVersion>/ the script came from. */
  dbVersion: string;
  /** Script path relative to lib/ (or the backup file, for a restore). */
  script: string;
  /** SHA-256 of the script bytes, uppercase hex; null for a restore from a backup. */
  scriptSha256: string | null;
  startedAt: string;
  finishedAt: string;
  outcome: DbHistoryOutcome;
  error: string | null;
}

/** A history row before the database gives it an id. */
export type NewDbHistoryRow = Omit<DbHistoryRow, 'id'>;

/** Entity of `upgrader_db_history` (schema from its migration only). */
export const DbHistoryEntity = new EntitySchema<DbHistoryRow>({
  name: 'UpgraderDbHistory',
  tableName: 'upgrader_db_history',
  columns: {
    id: { type: 'integer', primary: true, generated: 'increment' },
    version: { type: 'text' },
    dbVersion: { type: 'text', name: 'db_version' },
    script: { type: 'text' },
    scriptSha256: { type: 'text', name: 'script_sha256', nullable: true },
    startedAt: { type: 'text', name: 'started_at' },
    finishedAt: { type: 'text', name: 'finished_at' },
    outcome: { type: 'text' },
    error: { type: 'text', nullable: true },
  },
  indices: [{ name: 'idx_upgrader_db_history_version', columns: ['version', 'outcome'] }],
});

/** Appends one history row through `manager` (inside the caller's transaction when it has one). */
export async function recordDbHistory(manager: EntityManager, row: NewDbHistoryRow): Promise<void> {
  await manager.insert(DbHistoryEntity, row);
}

/** True when a row says the script of `version` was applied and committed. */
export async function hasAppliedRow(manager: EntityManager, version: string): Promise<boolean> {
  return (await manager.countBy(DbHistoryEntity, { version, outcome: 'applied' })) > 0;
}

/** Every history row of the client database, oldest first (what `history` and the inspector show). */
export async function readDbHistory(dataSource: DataSource): Promise<DbHistoryRow[]> {
  return dataSource.getRepository(DbHistoryEntity).find({ order: { id: 'ASC' } });
}
