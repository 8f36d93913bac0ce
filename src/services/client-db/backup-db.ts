// Copies of the client database that can be trusted: taken with SQLite's online backup API (a
// consistent snapshot even while the client writes), checked, and put in place by rename + fsync so a
// kill leaves either the old file or the whole new one.
import { access, copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BackupError } from '../../errors.js';
import { fsyncDir, fsyncFile } from '../atomic-file.js';
import { messageOf } from './client-data-source.js';

/** Options of `backupClientDb`. */
export interface BackupClientDbOptions {
  /** Pages copied per step while nobody writes; a busy database is then copied in one step. Default 1024. */
  pagesPerStep?: number;
  /** How long to wait for a writer's lock, in ms. Default 10000. */
  busyTimeoutMs?: number;
}

// SQLite's "all remaining pages" for one backup step (better-sqlite3 caps the rate at this).
const ALL_PAGES = 0x7fffffff;
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * Backs up the live database at `dbPath` to `destPath` with SQLite's online backup API (to
 * `destPath.tmp`, quick_check, fsync, rename); `{ absent: true }` when there is no database.
 */
export async function backupClientDb(
  dbPath: string,
  destPath: string,
  options: BackupClientDbOptions = {},
): Promise<{ bytes: number } | { absent: true }> {
  if (!(await exists(dbPath))) return { absent: true };
  const temp = `${destPath}.tmp`;
  try {
    await mkdir(path.dirname(destPath), { recursive: true });
    await removeWithSideFiles(temp);
    const source = new Database(dbPath, { fileMustExist: true, timeout: options.busyTimeoutMs ?? 10_000 });
    try {
      await copyOnline(source, temp, options.pagesPerStep ?? 1024);
    } finally {
      source.close();
    }
    checkDatabaseFile(temp);
    await fsyncFile(temp);
    await rename(temp, destPath);
    await fsyncDir(path.dirname(destPath));
    return { bytes: (await stat(destPath)).size };
  } catch (error) {
    await removeWithSideFiles(temp).catch(() => undefined);
    throw new BackupError(
      isDiskFull(error) ? 'DISK_FULL' : 'BACKUP_FAILED',
      `Could not back up the client database ${dbPath} to ${destPath}: ${messageOf(error)}`,
      { cause: error, details: { path: dbPath, destination: destPath } },
    );
  }
}

/**
 * Puts the backup at `backupPath` back as `dbPath` (nothing may have it open): copy beside, check,
 * fsync, drop the target's stale -wal/-shm/-journal, rename over. Throws BackupError ROLLBACK_FAILED.
 */
export async function restoreClientDb(backupPath: string, dbPath: string): Promise<void> {
  const temp = `${dbPath}.restore.tmp`;
  try {
    await removeWithSideFiles(temp);
    await mkdir(path.dirname(dbPath), { recursive: true });
    await copyFile(backupPath, temp);
    checkDatabaseFile(temp);
    await fsyncFile(temp);
    // Removed first: a journal left beside the restored file would be "replayed" into it.
    for (const suffix of SIDE_FILES) await rm(dbPath + suffix, { force: true });
    await fsyncDir(path.dirname(dbPath));
    await rename(temp, dbPath);
    await fsyncDir(path.dirname(dbPath));
  } catch (error) {
    await removeWithSideFiles(temp).catch(() => undefined);
    throw new BackupError(
      isDiskFull(error) ? 'DISK_FULL' : 'ROLLBACK_FAILED',
      `Could not restore the client database ${dbPath} from the backup ${backupPath}: ${messageOf(error)}. ` +
        `Copy ${backupPath} over ${dbPath} by hand while the client is stopped.`,
      { cause: error, details: { path: dbPath, backup: backupPath } },
    );
  }
}

/** Online backup in steps; when a writer restarts it, the rest is copied in one step under one read lock. */
async function copyOnline(source: Database.Database, destination: string, pagesPerStep: number): Promise<void> {
  let previousRemaining = Number.POSITIVE_INFINITY;
  let rate = Math.max(1, pagesPerStep);
  await source.backup(destination, {
    progress: ({ remainingPages }) => {
      // No progress means another connection's write made SQLite start over: stepping on could
      // restart forever, so the rest is copied in one step.
      if (remainingPages >= previousRemaining) rate = ALL_PAGES;
      previousRemaining = remainingPages;
      return rate;
    },
  });
}

/** Throws unless `file` starts like a SQLite database and passes quick_check. */
function checkDatabaseFile(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    const verdict: unknown = db.pragma('quick_check', { simple: true });
    if (verdict !== 'ok') throw new Error(`${file} fails quick_check: ${String(verdict)}`);
  } finally {
    db.close();
  }
}

async function removeWithSideFiles(file: string): Promise<void> {
  for (const suffix of ['', ...SIDE_FILES]) await rm(file + suffix, { force: true });
}

function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'SQLITE_FULL';
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
