// The `rollback` step: undo what the failed (or looping) upgrade step left, or — for the operator's
// `rollback` command — restore the whole previous version (lib/, bin/, MANIFEST.MF, database) from
// the newest complete backup. File by file and idempotent, so a kill mid-restore is finished later.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { BackupError, UpgradeError } from '../errors.js';
import { parseManifest } from '../formats/manifest.js';
import type { RollbackInput, RollbackOutput } from '../machines/station-services.js';
import { applyJournalPath } from './apply-staged.js';
import { writeFileAtomic } from './atomic-file.js';
import { BACKUP_MARKER, listBackups, type BackupMarker } from './backup-station.js';
import { restoreClientDb } from './client-db/backup-db.js';
import { mirrorTree } from './copy-tree.js';
import type { Logger } from './logger.js';
import { copySignature } from './manifest-signature.js';
import { stagedReleaseDir } from './stage-release.js';

/** What rollback needs. */
export interface RollbackDeps {
  clientDir: string;
  upgradeDir: string;
  backupRoot: string;
  dbPath: string;
  logger: Logger;
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

/** Restores lib/, bin/, MANIFEST.MF, extra paths and (optionally) the database from a backup. */
async function restoreFromBackup(deps: RollbackDeps, dir: string, marker: BackupMarker, withDb: boolean): Promise<string[]> {
  const restored: string[] = [];
  for (const part of ['lib', 'bin']) {
    if (!marker.parts.includes(part)) continue;
    const changed = await mirrorTree(path.join(dir, part), path.join(deps.clientDir, part));
    restored.push(...changed.map((name) => `${part}/${name}`));
  }
  for (const extra of marker.extraPaths) {
    await mirrorTree(path.join(dir, extra.stored), extra.source);
    restored.push(extra.source);
  }
  const dbBackup = path.join(dir, 'db', path.basename(deps.dbPath));
  if (withDb && existsSync(dbBackup)) {
    await restoreClientDb(dbBackup, deps.dbPath);
    restored.push(`db/${path.basename(deps.dbPath)}`);
  }
  // MANIFEST.MF last (its signature just before it): once it names the old version again, the rollback is committed.
  await copySignature(path.join(dir, 'MANIFEST.MF'), path.join(deps.clientDir, 'MANIFEST.MF'));
  await writeFileAtomic(path.join(deps.clientDir, 'MANIFEST.MF'), await fs.readFile(path.join(dir, 'MANIFEST.MF')));
  restored.push('MANIFEST.MF');
  return restored;
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
        const restored = await restoreFromBackup(deps, dir, marker, false);
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
        const restored = await restoreFromBackup(deps, dir, marker, true);
        await fs.rm(path.join(deps.upgradeDir, 'staging'), { recursive: true, force: true });
        await fs.rm(applyJournalPath(deps.upgradeDir), { force: true });
        const version = parseManifest(await fs.readFile(path.join(deps.clientDir, 'MANIFEST.MF'))).version;
        deps.logger.warn(`rolled back to ${version} from ${dir}`);
        return { installedVersion: version, restored };
      }
    }
  } catch (error) {
    if (error instanceof UpgradeError) throw error;
    throw new BackupError('ROLLBACK_FAILED', `restoring from the backup failed: ${(error as Error).message}`, { cause: error });
  }
}
