// The `rollback` step: undo what the failed (or looping) upgrade step left, or — for the operator's
// `rollback` command — restore the whole previous version (lib/, bin/, MANIFEST.MF, database) from
// the newest complete backup. File by file and idempotent, so a kill mid-restore is finished later.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { BackupError, errorMessage, UpgradeError } from '../errors.js';
import { parseManifest } from '../formats/manifest.js';
import type { RollbackInput, RollbackOutput } from '../machines/station-services.js';
import { applyJournalPath } from './apply-staged.js';
import { writeFileAtomic } from './atomic-file.js';
import { BACKUP_MARKER, listBackups, type BackupMarker } from './backup-station.js';
import type { ClientDbAdapter } from './client-db/client-db-port.js';
import { mirrorTree } from './copy-tree.js';
import type { Logger } from './logger.js';
import { copySignature } from './manifest-signature.js';
import { stagedReleaseDir } from './stage-release.js';
import { readDbSnapshotMarker } from './upgrade-database.js';

/** What rollback needs. */
export interface RollbackDeps {
  clientDir: string;
  upgradeDir: string;
  backupRoot: string;
  clientDb: ClientDbAdapter;
  logger: Logger;
  now?: () => Date;
}

/** The backup to restore: this upgrade's, else the newest complete one (or NO_BACKUP, exit 64). */
export async function chooseBackup(backupRoot: string, backupDir: string | null): Promise<{ dir: string; marker: BackupMarker }> {
  if (backupDir !== null) {
    try {
      const marker = JSON.parse(await fs.readFile(path.join(backupDir, BACKUP_MARKER), 'utf8')) as BackupMarker;
      return { dir: backupDir, marker };
    } catch {
      // fall through to the newest complete backup
    }
  }
  const newest = (await listBackups(backupRoot)).find((b) => b.marker !== null);
  if (newest?.marker == null) {
    throw new UpgradeError('NO_BACKUP', `no complete backup in ${backupRoot}: nothing to roll back to`, {
      details: { path: backupRoot },
    });
  }
  return { dir: newest.dir, marker: newest.marker };
}

/** What restoring a backup did. */
interface Restored {
  restored: string[];
  dbVersion?: string;
  warnings: string[];
}

/** Restores lib/, bin/, MANIFEST.MF, extra paths and (optionally) the database from a backup. */
async function restoreFromBackup(deps: RollbackDeps, dir: string, marker: BackupMarker, withDb: boolean): Promise<Restored> {
  // The database first: it is the one part that can refuse (the client holds it, 40), and then
  // nothing else may have moved.
  const db = withDb ? await restoreDatabase(deps, dir, marker) : { restored: [], warnings: [] };
  const restored: string[] = [...db.restored];
  for (const part of ['lib', 'bin']) {
    if (!marker.parts.includes(part)) continue;
    const changed = await mirrorTree(path.join(dir, part), path.join(deps.clientDir, part));
    restored.push(...changed.map((name) => `${part}/${name}`));
  }
  for (const extra of marker.extraPaths) {
    await mirrorTree(path.join(dir, extra.stored), extra.source);
    restored.push(extra.source);
  }
  // MANIFEST.MF last (its signature just before it): once it names the old version again, the rollback is committed.
  await copySignature(path.join(dir, 'MANIFEST.MF'), path.join(deps.clientDir, 'MANIFEST.MF'));
  await writeFileAtomic(path.join(deps.clientDir, 'MANIFEST.MF'), await fs.readFile(path.join(dir, 'MANIFEST.MF')));
  restored.push('MANIFEST.MF');
  return { ...db, restored };
}

/**
 * Puts the database back only when it must (DESIGN §12, no row lost): a database still at the
 * snapshot's version has every row the client wrote since and is kept as it is; one that a newer
 * release's scripts changed is replaced by the snapshot, and the replaced one is kept beside the backup.
 */
async function restoreDatabase(deps: RollbackDeps, dir: string, marker: BackupMarker): Promise<Omit<Restored, 'restored'> & { restored: string[] }> {
  const { clientDb, logger } = deps;
  const name = path.basename(clientDb.location);
  const snapshot = await readDbSnapshotMarker(dir);
  const snapshotPath = snapshot?.path ?? path.join(dir, 'db', name);
  if (!existsSync(snapshotPath)) {
    logger.info(`the backup ${dir} holds no database snapshot (the upgrade never reached the database): the client database is kept as it is`);
    return { restored: [], warnings: [] };
  }
  const snapshotVersion = snapshot?.dbVersion ?? marker.version;
  if (await clientDb.exists()) {
    const live = await clientDb.peekVersion(snapshotVersion, logger);
    if (live === snapshotVersion) {
      logger.info(`the client database is still at ${live}, as in the snapshot: kept as it is, with every row written since`);
      return { restored: [], dbVersion: live, warnings: [] };
    }
    logger.warn(`the client database is at ${live}; the ${marker.version} client needs it at ${snapshotVersion}: restoring the snapshot`);
  }
  const stamp = (deps.now ?? (() => new Date()))().toISOString().replace(/[:.]/g, '-');
  const keepAs = path.join(dir, `db-replaced-${stamp}`, name);
  await clientDb.restore(snapshotPath, keepAs, logger);
  const warning =
    `the client database was restored from the snapshot taken ${snapshot?.takenAt ?? 'at the upgrade'}; ` +
    `the database it replaced (with anything written after that) is kept at ${keepAs}`;
  logger.warn(warning);
  return { restored: [`db/${name}`], dbVersion: snapshotVersion, warnings: existsSync(keepAs) ? [warning] : [] };
}

/** Rolls back according to the phase that failed; returns the version installed afterwards. */
export async function rollbackStation(deps: RollbackDeps, input: RollbackInput): Promise<RollbackOutput> {
  const discardStaging = async () => {
    await fs.rm(stagedReleaseDir(deps.upgradeDir, input.targetVersion), { recursive: true, force: true });
    await fs.rm(applyJournalPath(deps.upgradeDir), { force: true });
  };
  const removeOwnBackup = async () => {
    for (const backup of await listBackups(deps.backupRoot)) {
      const own = backup.marker?.cycleId === input.cycleId || backup.inProgressCycle === input.cycleId;
      if (own) await fs.rm(backup.dir, { recursive: true, force: true });
    }
  };
  try {
    switch (input.phase) {
      case 'backup':
        await removeOwnBackup();
        return { installedVersion: input.fromVersion, restored: [] };
      case 'downloading':
        // Staged parts are kept: the next `upgrade` resumes them instead of starting over.
        await removeOwnBackup();
        return { installedVersion: input.fromVersion, restored: [] };
      case 'restarting': {
        const { dir, marker } = await chooseBackup(deps.backupRoot, input.backupDir);
        const { restored } = await restoreFromBackup(deps, dir, marker, false);
        await discardStaging();
        deps.logger.warn(`applying ${input.targetVersion} failed: ${input.fromVersion} restored from ${dir}`);
        return { installedVersion: marker.version, restored };
      }
      case 'dbUpgrade':
        // The failed script's transaction is already rolled back (or the database restored from
        // the backup by the DB step); lib/ stays at the new version and the next launch retries.
        return { installedVersion: input.targetVersion, restored: [] };
      case 'operator': {
        const { dir, marker } = await chooseBackup(deps.backupRoot, input.backupDir);
        const { restored, dbVersion, warnings } = await restoreFromBackup(deps, dir, marker, true);
        await fs.rm(path.join(deps.upgradeDir, 'staging'), { recursive: true, force: true });
        await fs.rm(applyJournalPath(deps.upgradeDir), { force: true });
        const version = parseManifest(await fs.readFile(path.join(deps.clientDir, 'MANIFEST.MF'))).version;
        deps.logger.warn(`rolled back to ${version} from ${dir}`);
        return { installedVersion: version, restored, warnings, ...(dbVersion === undefined ? {} : { dbVersion }) };
      }
    }
  } catch (error) {
    if (error instanceof UpgradeError) throw error;
    throw new BackupError('ROLLBACK_FAILED', `restoring from the backup failed: ${errorMessage(error)}`, { cause: error });
  }
}
