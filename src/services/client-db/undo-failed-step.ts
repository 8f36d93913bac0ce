// The rollback ladder of a failed DB step (DESIGN §5 rollback): SQLite's rollback first; if the schema
// still differs from before the step (or the script committed part of its work itself), the release's
// rollback_scripts.sql; if even that cannot bring the schema back, the backup taken before the upgrade.
import type { DataSource } from 'typeorm';
import { DatabaseError, UpgradeError } from '../../errors.js';
import type { Logger } from '../logger.js';
import { restoreClientDb } from './backup-db.js';
import { messageOf, openClientDb } from './client-data-source.js';
import { recordDbHistory } from './db-history.js';
import type { NewDbHistoryRow } from './db-history.js';
import { loadDbScript, runScriptStatements } from './db-script.js';
import type { DbScript } from './db-script.js';
import type { DbUpgradeStep } from './plan-db-upgrade.js';
import { readSchemaFingerprint, sameSchema } from './schema-fingerprint.js';
import { inStepTransaction } from './step-transaction.js';

/** How the database was brought back after a failed step. */
export type DbRestore = 'none' | 'rollback-script' | 'backup';

/** What the ladder needs to know about the failed step. */
export interface UndoFailedStepOptions {
  dbPath: string;
  backupDbPath?: string;
  logger: Logger;
  now: () => Date;
  /** Schema fingerprint taken before the step's transaction began. */
  before: string[];
  /** The script ended the transaction itself: what ran before that is committed. */
  mayHaveCommitted: boolean;
  /** The 'failed' history row to record. */
  failedRow: NewDbHistoryRow;
}

/**
 * Records the failure and brings the database back to its state before the step; returns how.
 * After 'backup' the DataSource is destroyed. Throws ROLLBACK_FAILED when nothing could restore it.
 */
export async function undoFailedStep(
  dataSource: DataSource,
  step: DbUpgradeStep,
  libDir: string,
  options: UndoFailedStepOptions,
): Promise<DbRestore> {
  try {
    return await climbLadder(dataSource, step, libDir, options);
  } catch (error) {
    if (error instanceof UpgradeError) throw error;
    throw new DatabaseError(
      'ROLLBACK_FAILED',
      `Rolling back DB upgrade ${step.version} of the client database ${options.dbPath} failed: ${messageOf(error)}. ` +
        `Restore the database from the version's backup (reg-client-upgrader rollback) before starting the client.`,
      { cause: error, details: { path: options.dbPath, version: step.version } },
    );
  }
}

async function climbLadder(
  dataSource: DataSource,
  step: DbUpgradeStep,
  libDir: string,
  options: UndoFailedStepOptions,
): Promise<DbRestore> {
  const { logger, before } = options;
  // Its own small transaction (a single insert), after the step's rollback.
  await recordDbHistory(dataSource.manager, options.failedRow);
  const schemaIsBack = sameSchema(before, await readSchemaFingerprint(dataSource.manager));
  if (schemaIsBack && !options.mayHaveCommitted) return 'none';
  logger.warn(
    schemaIsBack
      ? `${options.failedRow.script} committed part of its work before failing; running the rollback script of ${step.version}`
      : `the client schema still differs after rolling back ${step.version}; running its rollback script`,
    { version: step.version },
  );
  if (await runRollbackScript(dataSource, step, libDir, options)) return 'rollback-script';
  const { backupDbPath } = options;
  if (backupDbPath === undefined) {
    throw new DatabaseError(
      'ROLLBACK_FAILED',
      `The client database ${options.dbPath} is left changed by ${options.failedRow.script} and its rollback script ` +
        `could not undo it; no backup was given. Restore the database from the version's backup ` +
        '(reg-client-upgrader rollback) before starting the client.',
      { details: { path: options.dbPath, version: step.version } },
    );
  }
  return restoreFromBackup(dataSource, backupDbPath, options);
}

/** Runs rollback_scripts.sql in one transaction with its history row; true when the schema is back as before. */
async function runRollbackScript(
  dataSource: DataSource,
  step: DbUpgradeStep,
  libDir: string,
  options: UndoFailedStepOptions,
): Promise<boolean> {
  const { logger, now } = options;
  const startedAt = now().toISOString();
  let script: DbScript;
  try {
    script = await loadDbScript(libDir, step.dbVersion, 'rollback');
  } catch (error) {
    logger.error(`cannot use the rollback script of ${step.version}: ${messageOf(error)}`, { version: step.version });
    return false;
  }
  if (script.missing) logger.warn(`rollback script ${script.file} is missing`, { version: step.version });
  try {
    await inStepTransaction(dataSource, async (runner, connection) => {
      await runScriptStatements(runner, connection, script);
      if (!sameSchema(options.before, await readSchemaFingerprint(runner.manager))) {
        throw new Error(`${script.relative} ran but the client schema still differs from before ${step.version}`);
      }
      await recordDbHistory(runner.manager, {
        version: step.version,
        dbVersion: step.dbVersion,
        script: script.relative,
        scriptSha256: script.sha256,
        startedAt,
        finishedAt: now().toISOString(),
        outcome: 'rolled-back',
        error: null,
      });
    });
  } catch (error) {
    logger.error(`rollback script of ${step.version} did not restore the schema: ${messageOf(error)}`, { version: step.version });
    return false;
  }
  logger.info(`ran ${script.relative}: client schema is back as before ${step.version}`, { version: step.version });
  return true;
}

/** Closes the database, copies the backup over it, and records the failure and the restore in the restored file. */
async function restoreFromBackup(dataSource: DataSource, backupDbPath: string, options: UndoFailedStepOptions): Promise<'backup'> {
  const { logger, dbPath, now } = options;
  const startedAt = now().toISOString();
  logger.warn(`restoring the client database ${dbPath} from the backup ${backupDbPath}`, { backup: backupDbPath });
  if (dataSource.isInitialized) await dataSource.destroy();
  await restoreClientDb(backupDbPath, dbPath);
  // The restored file has the history of the backup's time: the failure is recorded again there.
  const restored = await openClientDb(dbPath, logger);
  try {
    await recordDbHistory(restored.manager, options.failedRow);
    await recordDbHistory(restored.manager, {
      version: options.failedRow.version,
      dbVersion: options.failedRow.dbVersion,
      script: backupDbPath,
      scriptSha256: null,
      startedAt,
      finishedAt: now().toISOString(),
      outcome: 'rolled-back',
      error: null,
    });
  } finally {
    await restored.destroy();
  }
  logger.warn(`client database ${dbPath} restored from ${backupDbPath}; steps applied after that backup are undone too`, {
    backup: backupDbPath,
  });
  return 'backup';
}
