// The whole dbUpgrade state in one call: open the client database, read its version, plan, apply each
// step in order and stop at the first failure, then close. Safe to run again from the start: the plan
// is made from global_param, so steps already committed are not in it.
import { access } from 'node:fs/promises';
import type { DataSource } from 'typeorm';
import type { VersionMappings } from '../../formats/version.js';
import type { Logger } from '../logger.js';
import { openClientDb } from './client-data-source.js';
import { readDbVersion } from './db-version.js';
import { planDbUpgrade } from './plan-db-upgrade.js';
import { applyDbUpgradeStep } from './run-db-upgrade.js';
import type { DbStepOutcome } from './run-db-upgrade.js';

/** Options of `upgradeClientDb`. */
export interface UpgradeClientDbOptions {
  /** The client database, db/reg.sqlite. */
  dbPath: string;
  /** The newly installed lib/ holding sql/<dbVersion>/…. */
  libDir: string;
  /** Version mappings from the newly installed lib/. */
  mappings: VersionMappings;
  /** The version the upgrade started from: the database's version when global_param does not say. */
  fromVersion: string;
  /** The version now installed: the last step's target. */
  installedVersion: string;
  /** Backup of the database taken before the upgrade (the last resort of a rollback). */
  backupDbPath?: string;
  logger: Logger;
  /** Clock for history rows. Default: the system clock. */
  now?: () => Date;
}

/** What the DB upgrade did; plain JSON. */
export interface ClientDbUpgradeResult {
  /** 'no-database': there is no client database yet (the client creates it at the new version). */
  outcome: 'no-database' | 'up-to-date' | 'upgraded' | 'failed';
  /** The database's version before and after (after a backup restore: the backup's version). */
  dbVersionBefore?: string;
  dbVersionAfter?: string;
  /** Every step tried, in order; the last one is the failure when outcome is 'failed'. */
  steps: DbStepOutcome[];
}

/**
 * Runs the DB scripts from the database's version up to the installed one; 'failed' leaves the
 * database as before the failed step (or as the backup). Throws ROLLBACK_FAILED when it cannot.
 */
export async function upgradeClientDb(options: UpgradeClientDbOptions): Promise<ClientDbUpgradeResult> {
  const { dbPath, logger } = options;
  const present = await access(dbPath).then(
    () => true,
    () => false,
  );
  if (!present) {
    logger.warn(`no client database at ${dbPath}: no DB scripts to run`, { path: dbPath });
    return { outcome: 'no-database', steps: [] };
  }
  let dataSource: DataSource = await openClientDb(dbPath, logger);
  try {
    const dbVersionBefore = await readDbVersion(dataSource, options.fromVersion);
    const plan = planDbUpgrade(options.mappings, dbVersionBefore, options.installedVersion);
    logger.info(
      plan.length === 0
        ? `client database is at ${dbVersionBefore}: no DB scripts to run for ${options.installedVersion}`
        : `client database is at ${dbVersionBefore}: running DB scripts of ${plan.map((step) => step.version).join(', ')}`,
      { dbVersion: dbVersionBefore },
    );
    const steps: DbStepOutcome[] = [];
    for (const step of plan) {
      const outcome = await applyDbUpgradeStep(dataSource, step, options.libDir, {
        dbPath,
        logger,
        mappings: options.mappings,
        ...(options.backupDbPath === undefined ? {} : { backupDbPath: options.backupDbPath }),
        ...(options.now === undefined ? {} : { now: options.now }),
      });
      steps.push(outcome);
      if (outcome.outcome === 'failed') break;
    }
    // After a restore from the backup the old DataSource is closed; the version is read from the restored file.
    if (!dataSource.isInitialized) dataSource = await openClientDb(dbPath, logger);
    const dbVersionAfter = await readDbVersion(dataSource, options.fromVersion);
    const failed = steps.some((step) => step.outcome === 'failed');
    return { outcome: failed ? 'failed' : plan.length === 0 ? 'up-to-date' : 'upgraded', dbVersionBefore, dbVersionAfter, steps };
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}
