// The backup taken before a version upgrade (DESIGN §5 backup): lib/, bin/, MANIFEST.MF and extra
// paths into BackUp/<version>_<UTC timestamp>Z/; the client database joins it at the restart.
// The completion marker is written last; a folder without it is never trusted, and a re-run of the
// same upgrade cycle reuses its own complete backup or redoes its own incomplete one.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BackupError, errorMessage, UpgradeError } from '../errors.js';
import type { BackupOutput, UpgradeStepInput } from '../machines/station-services.js';
import { fsyncDir, writeFileAtomic } from './atomic-file.js';
import { copyTree, treeSize } from './copy-tree.js';
import type { Logger } from './logger.js';
import { copySignature } from './manifest-signature.js';

/** Written last into a backup folder: what it holds and which upgrade took it. */
export interface BackupMarker {
  cycleId: string;
  version: string;
  createdAt: string;
  parts: string[];
  extraPaths: Array<{ source: string; stored: string }>;
  /** 1 + the highest sequence of the backups beside it: their order even when the clock jumped (absent before it existed). */
  sequence?: number;
}

/** Name of the completion marker. */
export const BACKUP_MARKER = 'backup-complete.json';
const IN_PROGRESS = 'backup-in-progress.json';

/** MOSIP's folder name: `1.1.4.4_2023-05-30 13-00-27.238Z`. */
export function backupFolderName(version: string, at: Date): string {
  const iso = at.toISOString(); // 2023-05-30T13:00:27.238Z
  return `${version}_${iso.slice(0, 10)} ${iso.slice(11, 19).replace(/:/g, '-')}${iso.slice(19)}`;
}

/** A backup folder found under the backup root. */
export interface FoundBackup {
  dir: string;
  marker: BackupMarker | null;
  inProgressCycle: string | null;
}

/** Every backup folder under root, newest first: by sequence, then (backups without one) by name timestamp. */
export async function listBackups(root: string): Promise<FoundBackup[]> {
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: FoundBackup[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    const marker = await readJson<BackupMarker>(path.join(dir, BACKUP_MARKER));
    const progress = await readJson<{ cycleId: string }>(path.join(dir, IN_PROGRESS));
    if (marker === null && progress === null) continue;
    found.push({ dir, marker, inProgressCycle: progress?.cycleId ?? null });
  }
  const stamp = (dir: string) => path.basename(dir).slice(path.basename(dir).indexOf('_') + 1);
  // Names come from the clock: one that was ahead and jumped back would make an old backup look newest.
  const sequence = (b: FoundBackup) => b.marker?.sequence ?? 0;
  return found.sort((a, b) => sequence(b) - sequence(a) || stamp(b.dir).localeCompare(stamp(a.dir)));
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** What the backup step needs. */
export interface BackupDeps {
  clientDir: string;
  backupRoot: string;
  /** The client database (file or folder): counted in the free space the upgrade needs. */
  dbPath: string;
  extraPaths: string[];
  logger: Logger;
  now?: () => Date;
  /** Free bytes on the filesystem holding a path (injectable for tests). */
  freeBytes?: (dir: string) => Promise<number>;
}

async function statfsFree(dir: string): Promise<number> {
  const stats = await fs.statfs(dir);
  return stats.bavail * stats.bsize;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Refuses to start when backup + staging would not fit, saying how much is missing. */
async function checkFreeSpace(deps: BackupDeps, need: number): Promise<void> {
  await fs.mkdir(deps.backupRoot, { recursive: true });
  const free = await (deps.freeBytes ?? statfsFree)(deps.backupRoot);
  if (free < need) {
    throw new BackupError(
      'DISK_FULL',
      `not enough free space on ${deps.backupRoot}: the backup and staging need ${mib(need)}, ${mib(free)} is free — free at least ${mib(need - free)} and run upgrade again`,
      { details: { path: deps.backupRoot, needBytes: need, freeBytes: free } },
    );
  }
}

/** Takes (or reuses) this cycle's backup; lib/ and the database are only read. */
export async function backupStation(deps: BackupDeps, input: UpgradeStepInput): Promise<BackupOutput> {
  const existing = await listBackups(deps.backupRoot);
  const mine = existing.find((b) => b.marker?.cycleId === input.cycleId);
  if (mine !== undefined) {
    deps.logger.info(`backup of this upgrade already complete: ${mine.dir}`);
    return { backupDir: mine.dir, bytes: await treeSize(mine.dir) };
  }
  for (const stale of existing.filter((b) => b.marker === null && b.inProgressCycle === input.cycleId)) {
    deps.logger.warn(`removing the incomplete backup ${stale.dir} left by an interrupted run`);
    await fs.rm(stale.dir, { recursive: true, force: true });
  }

  const libBytes = await treeSize(path.join(deps.clientDir, 'lib'));
  const otherBytes =
    (await treeSize(path.join(deps.clientDir, 'bin'))) +
    (await treeSize(deps.dbPath)) +
    (await Promise.all(deps.extraPaths.map((p) => treeSize(p)))).reduce((a, b) => a + b, 0);
  // Staging holds at most a whole new lib/: count one more lib/ on top of the backup.
  await checkFreeSpace(deps, 2 * libBytes + otherBytes + 1024 * 1024);

  const dir = path.join(deps.backupRoot, backupFolderName(input.fromVersion, (deps.now ?? (() => new Date()))()));
  await fs.mkdir(dir, { recursive: true });
  await writeFileAtomic(path.join(dir, IN_PROGRESS), JSON.stringify({ cycleId: input.cycleId }));
  try {
    const parts: string[] = [];
    for (const part of ['lib', 'bin']) {
      const source = path.join(deps.clientDir, part);
      if (await exists(source)) {
        await copyTree(source, path.join(dir, part));
        parts.push(part);
      }
    }
    await fs.copyFile(path.join(deps.clientDir, 'MANIFEST.MF'), path.join(dir, 'MANIFEST.MF'));
    await copySignature(path.join(deps.clientDir, 'MANIFEST.MF'), path.join(dir, 'MANIFEST.MF'));
    parts.push('MANIFEST.MF');
    // The database is snapshotted at the restart, right before its first change (upgrade-database.ts):
    // registrations written until then are in it.
    const extraPaths: BackupMarker['extraPaths'] = [];
    for (const [index, source] of deps.extraPaths.entries()) {
      if (!(await exists(source))) continue;
      const stored = `extra/${index}`;
      await copyTree(source, path.join(dir, stored));
      extraPaths.push({ source, stored });
    }
    await fsyncDir(dir);
    const marker: BackupMarker = {
      cycleId: input.cycleId,
      version: input.fromVersion,
      createdAt: (deps.now ?? (() => new Date()))().toISOString(),
      parts,
      extraPaths,
      sequence: 1 + Math.max(0, ...existing.map((b) => b.marker?.sequence ?? 0)),
    };
    await writeFileAtomic(path.join(dir, BACKUP_MARKER), JSON.stringify(marker, null, 2));
    await fs.rm(path.join(dir, IN_PROGRESS), { force: true });
    const bytes = await treeSize(dir);
    deps.logger.info(`backup of ${input.fromVersion} complete: ${dir} (${mib(bytes)})`);
    return { backupDir: dir, bytes };
  } catch (error) {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    if (error instanceof UpgradeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new BackupError('DISK_FULL', `the disk filled up while backing up to ${dir}; the partial backup was removed and lib/ is untouched`, {
        cause: error,
        details: { path: dir },
      });
    }
    throw new BackupError('BACKUP_FAILED', `backup to ${dir} failed: ${errorMessage(error)}; lib/ is untouched`, {
      cause: error,
      details: { path: dir },
    });
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}
