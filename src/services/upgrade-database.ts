// The `dbUpgrade` step: run the upgrade script of every mapped version between the database's
// version and the installed one, in releaseOrder, each in one transaction with its record. The
// mappings come from the newly installed lib/ (spring.properties, mosip-application.properties).
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { DatabaseError } from '../errors.js';
import { parseProperties } from '../formats/properties.js';
import { parseVersionMappings, VERSION_MAPPINGS_KEY, type VersionMappings } from '../formats/version.js';
import type { DbUpgradeOutput, UpgradeStepInput } from '../machines/station-services.js';
import { openClientDb } from './client-db/client-data-source.js';
import { readDbVersion } from './client-db/db-version.js';
import { planDbUpgrade } from './client-db/plan-db-upgrade.js';
import { applyDbUpgradeStep } from './client-db/run-db-upgrade.js';
import type { Logger } from './logger.js';

/** The version mappings of the installed lib/ (later properties file wins); undefined when none. */
export async function readInstalledMappings(libDir: string): Promise<VersionMappings | undefined> {
  let raw: string | undefined;
  for (const name of ['mosip-application.properties', 'spring.properties']) {
    const file = path.join(libDir, name);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      continue;
    }
    raw = parseProperties(text, file).get(VERSION_MAPPINGS_KEY) ?? raw;
  }
  return raw === undefined || raw.trim() === '' ? undefined : parseVersionMappings(raw, VERSION_MAPPINGS_KEY);
}

/**
 * The client database's version when it is behind the installed release — the scripts up to it have
 * not all run (the state of an interrupted upgrade was lost) — else undefined. Reads only: no
 * migration, no journal-mode change; anything unreadable counts as "not behind".
 */
export async function databaseBehind(deps: Omit<DbUpgradeDeps, 'logger'>, installedVersion: string): Promise<string | undefined> {
  if (!existsSync(deps.dbPath)) return undefined;
  const mappings = await readInstalledMappings(path.join(deps.clientDir, 'lib')).catch(() => undefined);
  if (mappings === undefined) return undefined;
  // Read-only and without migrations: a check must never change the client's database.
  const ds = new DataSource({ type: 'better-sqlite3', database: deps.dbPath, readonly: true, migrationsRun: false, synchronize: false, logging: false });
  try {
    await ds.initialize();
    const dbVersion = await readDbVersion(ds, installedVersion);
    return planDbUpgrade(mappings, dbVersion, installedVersion).length > 0 ? dbVersion : undefined;
  } catch {
    return undefined;
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}

/** What the DB step needs. */
export interface DbUpgradeDeps {
  clientDir: string;
  dbPath: string;
  logger: Logger;
}

/** Upgrades the client database; throws DB_UPGRADE_FAILED after the failed step was rolled back. */
export async function upgradeDatabase(deps: DbUpgradeDeps, input: UpgradeStepInput): Promise<DbUpgradeOutput> {
  const libDir = path.join(deps.clientDir, 'lib');
  if (!existsSync(deps.dbPath)) {
    deps.logger.warn(`no client database at ${deps.dbPath}: nothing to upgrade`);
    return { applied: [], dbVersion: input.targetVersion };
  }
  const mappings = await readInstalledMappings(libDir);
  if (mappings === undefined) {
    deps.logger.warn(`no ${VERSION_MAPPINGS_KEY} in ${libDir}: no database scripts to run`);
    return { applied: [], dbVersion: input.fromVersion };
  }
  const backupDbPath = input.backupDir === null ? undefined : path.join(input.backupDir, 'db', path.basename(deps.dbPath));
  const ds = await openClientDb(deps.dbPath, deps.logger);
  const applied: string[] = [];
  try {
    const dbVersion = await readDbVersion(ds, input.fromVersion);
    const steps = planDbUpgrade(mappings, dbVersion, input.targetVersion);
    deps.logger.info(`database at ${dbVersion}; scripts to run: ${steps.map((s) => s.version).join(', ') || 'none'}`);
    for (const step of steps) {
      const outcome = await applyDbUpgradeStep(ds, step, libDir, {
        dbPath: deps.dbPath,
        logger: deps.logger,
        ...(backupDbPath === undefined || !existsSync(backupDbPath) ? {} : { backupDbPath }),
      });
      if (outcome.outcome === 'failed') {
        throw new DatabaseError(
          'DB_UPGRADE_FAILED',
          `database upgrade to ${step.version} failed and was rolled back (${outcome.restored ?? 'transaction'}): ${outcome.error ?? 'unknown error'}; relaunch to retry`,
          { details: { version: step.version, restored: outcome.restored ?? 'none' } },
        );
      }
      applied.push(step.version);
      deps.logger.info(`database upgraded to ${step.version} (${outcome.outcome}, ${outcome.statements} statement(s))`);
    }
    const finalVersion = await readDbVersion(ds, dbVersion);
    return { applied, dbVersion: finalVersion };
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}
