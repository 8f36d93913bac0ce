// One DB step = one SQLite transaction through TypeORM's query runner. Foreign keys are off for the
// step, as SQLite prescribes for schema changes (a table rebuilt by DROP + CREATE must not cascade
// deletes into the client's data), and checked before commit instead.
import type Database from 'better-sqlite3';
import type { DataSource, QueryRunner } from 'typeorm';

/** The runner's better-sqlite3 connection (TypeORM types it as `any`). */
export async function rawConnection(runner: QueryRunner): Promise<Database.Database> {
  return (await runner.connect()) as Database.Database;
}

/**
 * Runs `work` in one transaction with foreign keys off, fails on foreign key violations it adds, and
 * commits; on any failure rolls back and rethrows what failed.
 */
export async function inStepTransaction(
  dataSource: DataSource,
  work: (runner: QueryRunner, connection: Database.Database) => Promise<void>,
): Promise<void> {
  // better-sqlite3 has one connection and TypeORM one shared runner for it.
  const runner = dataSource.createQueryRunner();
  const connection = await rawConnection(runner);
  // Only takes effect outside a transaction.
  connection.pragma('foreign_keys = OFF');
  try {
    await runner.startTransaction();
    try {
      const before = foreignKeyViolations(connection);
      await work(runner, connection);
      const added = [...foreignKeyViolations(connection)].filter((violation) => !before.has(violation));
      if (added.length > 0) {
        throw new Error(`the step leaves foreign key violations (table, rowid, parent): ${added.slice(0, 5).join('; ')}`);
      }
      await runner.commitTransaction();
    } catch (error) {
      // The script (COMMIT) or SQLite (after a disk-full or I/O error) may have ended the transaction
      // while TypeORM still counts it open: open one so its ROLLBACK has something to end.
      if (!connection.inTransaction) connection.exec('BEGIN');
      await runner.rollbackTransaction();
      throw error;
    }
  } finally {
    connection.pragma('foreign_keys = ON');
  }
}

function foreignKeyViolations(connection: Database.Database): Set<string> {
  const rows = connection.pragma('foreign_key_check') as Array<{ table: string; rowid: number | null; parent: string }>;
  return new Set(rows.map((row) => `${row.table}, ${String(row.rowid)}, ${row.parent}`));
}
