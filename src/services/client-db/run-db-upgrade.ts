// Executes one step of a DB upgrade plan (DESIGN §5 dbUpgrade): the release's script, the new
// global_param version and the history row commit together or not at all; a failure is rolled back
// and, when SQLite's rollback cannot be enough, undone by the rollback script or the backup.
import type { DataSource } from 'typeorm';
import { DatabaseError, FormatError, UpgradeError } from '../../errors.js';
import { compareVersions } from '../../formats/version.js';
import type { VersionMappings } from '../../formats/version.js';
import type { Logger } from '../logger.js';
import { messageOf } from './client-data-source.js';
import { hasAppliedRow, recordDbHistory } from './db-history.js';
import { loadDbScript, runScriptStatements, sqliteMessage, StatementFailure } from './db-script.js';
import type { DbScript } from './db-script.js';
import { readDbVersion, writeDbVersion } from './db-version.js';
import type { DbUpgradeStep } from './plan-db-upgrade.js';
import { readSchemaFingerprint } from './schema-fingerprint.js';
import { inStepTransaction } from './step-transaction.js';
import { undoFailedStep } from './undo-failed-step.js';
import type { DbRestore } from './undo-failed-step.js';

export type { DbRestore } from './undo-failed-step.js';

/** What one step did; plain JSON, fit for machine context and `--json`. */
export interface DbStepOutcome {
  version: string;
  outcome: 'applied' | 'already-applied' | 'failed';
  /** Statements in the upgrade script (0 when already applied or the script is missing). */
  statements: number;
  /** Why it failed: the script, the statement number and line, and SQLite's message. */
  error?: string;
  /** 1-based number and first line of the statement that failed, when one did. */
  failedStatement?: number;
  line?: number;
  /**
   * How a failure was undone: 'none' (the transaction's rollback was enough), 'rollback-script', or
   * 'backup' — then the database file was replaced and the DataSource passed in is destroyed: open a
   * new one with openClientDb.
   */
  restored?: DbRestore;
}

/** Options of `applyDbUpgradeStep`. */
export interface ApplyDbUpgradeStepOptions {
  /** The client database file the DataSource is open on (needed to restore a backup over it). */
  dbPath: string;
  /** A backup of the database taken before the upgrade: the last resort when the rollback script cannot restore the schema. */
  backupDbPath?: string;
  logger: Logger;
  /** Clock for history rows and global_param. Default: the system clock. */
  now?: () => Date;
  /** Orders global_param's version against the step (releaseOrder); numeric comparison without. */
  mappings?: VersionMappings;
}

/**
 * Runs `step`'s upgrade script in one transaction with its global_param version and history row; safe
 * to run again (already-applied). Returns 'failed' with the database as it was before the step;
 * throws DatabaseError/BackupError ROLLBACK_FAILED when it cannot be brought back.
 */
export async function applyDbUpgradeStep(
  dataSource: DataSource,
  step: DbUpgradeStep,
  libDir: string,
  options: ApplyDbUpgradeStepOptions,
): Promise<DbStepOutcome> {
  try {
    return await runStep(dataSource, step, libDir, options);
  } catch (error) {
    if (error instanceof UpgradeError) throw error;
    // The database itself failed around the script (busy, I/O, disk full): nothing was committed.
    throw new DatabaseError(
      'DB_UPGRADE_FAILED',
      `DB upgrade ${step.version} of the client database ${options.dbPath} could not run: ${messageOf(error)}`,
      { cause: error, details: { path: options.dbPath, version: step.version } },
    );
  }
}

async function runStep(
  dataSource: DataSource,
  step: DbUpgradeStep,
  libDir: string,
  options: ApplyDbUpgradeStepOptions,
): Promise<DbStepOutcome> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  if (await isAlreadyApplied(dataSource, step, options)) {
    logger.info(`DB upgrade ${step.version} is already applied; not running its script again`, { version: step.version });
    return { version: step.version, outcome: 'already-applied', statements: 0 };
  }
  const startedAt = now().toISOString();
  let script: DbScript;
  try {
    script = await loadDbScript(libDir, step.dbVersion, 'upgrade');
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    // A script that cannot even be split ran nothing: record it, nothing to undo.
    await recordDbHistory(dataSource.manager, {
      ...historyIdentity(step),
      script: `sql/${step.dbVersion}/initial_db_scripts.sql`,
      scriptSha256: null,
      startedAt,
      finishedAt: now().toISOString(),
      outcome: 'failed',
      error: error.message,
    });
    logger.error(`DB upgrade ${step.version} failed: ${error.message}`, { version: step.version });
    return { version: step.version, outcome: 'failed', statements: 0, error: error.message, restored: 'none' };
  }
  if (script.missing) {
    logger.warn(`DB script ${script.file} is missing: recording ${step.version} without running any statement`, {
      version: step.version,
    });
  }
  const before = await readSchemaFingerprint(dataSource.manager);
  logger.info(`running ${script.relative} (${script.statements.length} statements) for ${step.version}`, {
    version: step.version,
    sha256: script.sha256,
  });
  try {
    await inStepTransaction(dataSource, async (runner, connection) => {
      await runScriptStatements(runner, connection, script);
      await writeDbVersion(runner.manager, step.version, now());
      await recordDbHistory(runner.manager, {
        ...historyIdentity(step),
        script: script.relative,
        scriptSha256: script.sha256,
        startedAt,
        finishedAt: now().toISOString(),
        outcome: 'applied',
        error: null,
      });
    });
  } catch (error) {
    const failure = error instanceof StatementFailure ? error : undefined;
    const message = failure?.message ?? `${script.relative}: ${sqliteMessage(error)}`;
    logger.error(`DB upgrade ${step.version} failed and was rolled back: ${message}`, { version: step.version });
    const restored = await undoFailedStep(dataSource, step, libDir, {
      dbPath: options.dbPath,
      ...(options.backupDbPath === undefined ? {} : { backupDbPath: options.backupDbPath }),
      logger,
      now,
      before,
      mayHaveCommitted: failure?.endedTransaction ?? false,
      failedRow: {
        ...historyIdentity(step),
        script: script.relative,
        scriptSha256: script.sha256,
        startedAt,
        finishedAt: now().toISOString(),
        outcome: 'failed',
        error: message,
      },
    });
    const outcome: DbStepOutcome = { version: step.version, outcome: 'failed', statements: script.statements.length, error: message };
    if (failure !== undefined) Object.assign(outcome, { failedStatement: failure.statement, line: failure.line });
    return { ...outcome, restored };
  }
  logger.info(`applied ${script.relative}: client database now at ${step.version}`, { version: step.version });
  return { version: step.version, outcome: 'applied', statements: script.statements.length };
}

/** An 'applied' history row for the version, with global_param at or past it (a restored backup may be behind). */
async function isAlreadyApplied(dataSource: DataSource, step: DbUpgradeStep, options: ApplyDbUpgradeStepOptions): Promise<boolean> {
  if (!(await hasAppliedRow(dataSource.manager, step.version))) return false;
  const current = await readDbVersion(dataSource, '');
  if (current !== '' && compareVersions(current, step.version, options.mappings) >= 0) return true;
  options.logger.warn(
    `history says ${step.version} was applied but global_param says ${current === '' ? 'nothing' : current}; running it again`,
    { version: step.version },
  );
  return false;
}

function historyIdentity(step: DbUpgradeStep): { version: string; dbVersion: string } {
  return { version: step.version, dbVersion: step.dbVersion };
}
