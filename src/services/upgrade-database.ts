// The `dbUpgrade` step: run the upgrade script of every mapped version between the database's
// version and the installed one, in releaseOrder, each in one transaction with its record. The
// mappings come from the newly installed lib/ (spring.properties, mosip-application.properties).
// The database is snapshotted here, right before its first change, while the client is not running
// (DESIGN §12): registrations written between `upgrade` and the restart are in the snapshot.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DatabaseError } from '../errors.js';
import { parseProperties } from '../formats/properties.js';
import { parseVersionMappings, VERSION_MAPPINGS_KEY, type VersionMappings } from '../formats/version.js';
import type { DbUpgradeOutput, UpgradeStepInput } from '../machines/station-services.js';
import { writeFileAtomic } from './atomic-file.js';
import type { ClientDbAdapter, ClientDbSession } from './client-db/client-db-port.js';
import { planDbUpgrade } from './client-db/plan-db-upgrade.js';
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

/** What the DB step needs. */
export interface DbUpgradeDeps {
  clientDir: string;
  /** Where snapshots go when the step runs without a backup folder (a catch-up after a lost state). */
  upgradeDir: string;
  clientDb: ClientDbAdapter;
  logger: Logger;
}

/** Written beside a database snapshot once it is complete: which cycle took it, at which database version. */
export interface DbSnapshotMarker {
  cycleId: string;
  dbVersion: string;
  path: string;
  takenAt: string;
}

/** Name of the snapshot marker in a backup folder. */
export const DB_SNAPSHOT_MARKER = 'db-snapshot.json';

/** The snapshot marker of a backup folder, or null. */
export async function readDbSnapshotMarker(dir: string): Promise<DbSnapshotMarker | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, DB_SNAPSHOT_MARKER), 'utf8')) as DbSnapshotMarker;
  } catch {
    return null;
  }
}

/**
 * Takes the snapshot unless this folder already holds one taken at another database version (an
 * earlier attempt applied steps since: that older copy is the one to go back to). Retaking at the same
 * version keeps every row written since the last attempt.
 */
async function snapshotBeforeChange(session: ClientDbSession, dir: string, input: UpgradeStepInput, dbVersion: string, logger: Logger): Promise<string> {
  const existing = await readDbSnapshotMarker(dir);
  if (existing !== null && existing.dbVersion !== dbVersion) {
    logger.info(`keeping the database snapshot ${existing.path} taken at ${existing.dbVersion}`);
    return existing.path;
  }
  const snapshot = await session.snapshot(path.join(dir, 'db'));
  const marker: DbSnapshotMarker = { cycleId: input.cycleId, dbVersion, path: snapshot.path, takenAt: new Date().toISOString() };
  await writeFileAtomic(path.join(dir, DB_SNAPSHOT_MARKER), JSON.stringify(marker, null, 2));
  logger.info(`database snapshot at ${dbVersion} taken before its first change: ${snapshot.path} (${snapshot.bytes} bytes)`);
  return snapshot.path;
}

/** Upgrades the client database; throws DB_UPGRADE_FAILED after the failed step was rolled back. */
export async function upgradeDatabase(deps: DbUpgradeDeps, input: UpgradeStepInput): Promise<DbUpgradeOutput> {
  const libDir = path.join(deps.clientDir, 'lib');
  const { clientDb, logger } = deps;
  if (!(await clientDb.exists())) {
    logger.warn(`no client database at ${clientDb.location}: nothing to upgrade`);
    return { applied: [], dbVersion: input.targetVersion };
  }
  const mappings = await readInstalledMappings(libDir);
  if (mappings === undefined) {
    logger.warn(`no ${VERSION_MAPPINGS_KEY} in ${libDir}: no database scripts to run`);
    return { applied: [], dbVersion: input.fromVersion };
  }
  const session = await clientDb.open(logger);
  const applied: string[] = [];
  try {
    const dbVersion = await session.readVersion(input.fromVersion);
    const steps = planDbUpgrade(mappings, dbVersion, input.targetVersion);
    logger.info(`${clientDb.kind} database at ${dbVersion}; scripts to run: ${steps.map((s) => s.version).join(', ') || 'none'}`);
    if (steps.length === 0) return { applied, dbVersion };
    const snapshotDir = input.backupDir ?? path.join(deps.upgradeDir, 'db-snapshot');
    const snapshotPath = await snapshotBeforeChange(session, snapshotDir, input, dbVersion, logger);
    for (const step of steps) {
      const outcome = await session.applyStep(step, libDir, { logger, mappings, snapshotPath });
      if (outcome.outcome === 'failed') {
        throw new DatabaseError(
          'DB_UPGRADE_FAILED',
          `database upgrade to ${step.version} failed and was rolled back (${outcome.restored ?? 'transaction'}): ${outcome.error ?? 'unknown error'}; relaunch to retry`,
          { details: { version: step.version, restored: outcome.restored ?? 'none' } },
        );
      }
      applied.push(step.version);
      logger.info(`database upgraded to ${step.version} (${outcome.outcome}, ${outcome.statements} statement(s))`);
    }
    return { applied, dbVersion: await session.readVersion(dbVersion) };
  } finally {
    await session.close();
  }
}

/**
 * The client database's version (`dbVersion`, when known) and, as `behind`, the same when the scripts up
 * to the installed release have not all run (the state of an interrupted upgrade was lost). `knownVersion` is the
 * version the state database recorded: with it nothing is opened (a no-op launch starts no JVM).
 * Anything unreadable counts as "not behind".
 */
export async function databaseBehind(
  deps: Pick<DbUpgradeDeps, 'clientDir' | 'clientDb' | 'logger'>,
  installedVersion: string,
  knownVersion: string | undefined,
): Promise<{ behind?: string; dbVersion?: string }> {
  const mappings = await readInstalledMappings(path.join(deps.clientDir, 'lib')).catch(() => undefined);
  if (mappings === undefined) return {};
  let dbVersion = knownVersion;
  if (dbVersion === undefined) {
    if (!(await deps.clientDb.exists())) return {};
    try {
      dbVersion = await deps.clientDb.peekVersion(installedVersion, deps.logger);
    } catch {
      return {};
    }
  }
  return planDbUpgrade(mappings, dbVersion, installedVersion).length > 0 ? { behind: dbVersion, dbVersion } : { dbVersion };
}
