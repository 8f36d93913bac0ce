// What keeps one download from filling the disk or running forever: a size limit when the manifest
// gives no size, a free-space reserve checked before and while writing, and an overall deadline.
import { statfs } from 'node:fs/promises';
import { NetworkError, UpgradeError, redactUrl } from '../errors.js';

/** Limits of every download of a run (settings reg.upgrader.download.*). */
export interface DownloadLimits {
  /** Largest file written when the manifest gives no size for it. */
  maxFileSize?: number;
  /** Free bytes a download always leaves on the disk of its part file. */
  freeSpaceReserve?: number;
  /** Longest time one file may take, all attempts together, in ms (0 or absent = none). */
  deadlineMs?: number;
}

/** How many bytes may be written between two free-space checks while streaming. */
export const SPACE_CHECK_EVERY = 8 * 1024 * 1024;

const MIB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

/** The file is larger than the manifest's size or the max-file-size setting allows. */
export function tooLarge(label: string, url: string, size: number, limit: number, announced: boolean): UpgradeError {
  const shown = redactUrl(url);
  const what = announced ? `the server announced ${size} bytes` : `the server sent more than ${limit} bytes`;
  return new NetworkError(
    'DOWNLOAD_TOO_LARGE',
    `${label} from ${shown} is too large: ${what}, over the limit of ${limit} bytes (reg.upgrader.download.max-file-size, or the size in MANIFEST.MF); nothing was kept — check the server, or raise the setting`,
    { details: { file: label, url: shown, size, limit } },
  );
}

/** Refuses a write that would leave less than `reserve` bytes free on the disk holding `dir`. */
export async function assertRoom(dir: string, needed: number, reserve: number, label: string): Promise<void> {
  if (reserve <= 0 && needed <= 0) return;
  const info = await statfs(dir).catch(() => undefined);
  if (info === undefined) return; // a filesystem that cannot say: the write itself will tell
  const free = info.bavail * info.bsize;
  if (free - Math.max(0, needed) >= reserve) return;
  throw new UpgradeError(
    'IO_FAILED',
    `Not enough free space for ${label} in ${dir}: ${mib(free)} free, ${mib(Math.max(0, needed))} still to write and ${mib(reserve)} kept free (reg.upgrader.download.free-space-reserve); the partial download was deleted — free some space and launch again`,
    { details: { file: label, path: dir, free, needed: Math.max(0, needed), reserve, reason: 'free-space-reserve' } },
  );
}

/** A write failed because the disk (or quota) is full. */
export function isDiskFull(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}

/** The disk filled up while writing a download: its part was deleted. */
export function diskFull(label: string, dir: string, error: unknown): UpgradeError {
  return new UpgradeError(
    'IO_FAILED',
    `The disk is full (no space left) while writing ${label} in ${dir}; the partial download was deleted so the station can start — free some space and launch again`,
    { cause: error, details: { file: label, path: dir, reason: 'ENOSPC' } },
  );
}

/** An abort signal that fires when the file's deadline passes (or the parent aborts); clear() when done. */
export function fileDeadline(label: string, url: string, ms: number | undefined, parent: AbortSignal | undefined): { signal: AbortSignal | undefined; clear(): void } {
  if (ms === undefined || ms <= 0) return { signal: parent, clear: () => undefined };
  const controller = new AbortController();
  const shown = redactUrl(url);
  const timer = setTimeout(() => {
    controller.abort(
      new NetworkError(
        'DOWNLOAD_FAILED',
        `${label} from ${shown} did not finish within ${ms} ms (reg.upgrader.download.file-deadline): the link is too slow or the server trickles; the bytes so far are kept and the next run resumes`,
        { details: { file: label, url: shown, deadlineMs: ms } },
      ),
    );
  }, ms);
  timer.unref();
  const signal = parent === undefined ? controller.signal : AbortSignal.any([parent, controller.signal]);
  return { signal, clear: () => clearTimeout(timer) };
}
