// The part file of a resumable download and the validator beside it: what lets another process
// resume a download safely, and how a verified part is committed into place.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DownloadJob } from './download.js';

/** Written beside the part (`<partPath>.meta`) so another process can resume it safely. */
export interface PartMeta { url: string; expectedSha256: string; etag?: string; lastModified?: string }

/**
 * fsyncs the part (unless the writer already did), renames it into place, then forgets the
 * validator. The folder is fsynced once per batch by `fsyncFolders` (a rename lost to a power cut
 * only means the file is fetched again).
 */
export async function commit(job: DownloadJob, written: 'synced' | 'unsynced'): Promise<void> {
  if (written === 'unsynced') await fsync(job.partPath, 'r+');
  await rename(job.partPath, job.finalPath);
  await unlinkIfPresent(metaPath(job));
}

/** Deletes a file; absent is fine (one system call, where fs.rm first looks at what is there). */
export async function unlinkIfPresent(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** fsyncs each distinct folder once, so the renames into them survive power loss. */
export async function fsyncFolders(files: string[]): Promise<void> {
  for (const folder of new Set(files.map((file) => dirname(file)))) {
    await fsync(folder, 'r').catch((error: NodeJS.ErrnoException) => {
      // Windows cannot open or fsync a folder; the rename is atomic there all the same.
      if (!['EISDIR', 'EPERM', 'EINVAL', 'EACCES', 'ENOENT'].includes(error.code ?? '')) throw error;
    });
  }
}

/** fsyncs a file or folder. */
export async function fsync(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Path of a part's validator file. */
export const metaPath = (job: DownloadJob): string => `${job.partPath}.meta`;

/** Removes a part and its validator. */
export async function discardPart(job: DownloadJob): Promise<void> {
  await unlinkIfPresent(job.partPath);
  await unlinkIfPresent(metaPath(job));
}

/** The validator beside a part, or undefined when missing or torn. */
export async function readMeta(job: DownloadJob): Promise<PartMeta | undefined> {
  const text = await readFile(metaPath(job), 'utf8').catch(() => '');
  try {
    const { url, expectedSha256, etag, lastModified } = JSON.parse(text) as Partial<Record<keyof PartMeta, unknown>>;
    if (typeof url !== 'string' || typeof expectedSha256 !== 'string') return undefined;
    return { url, expectedSha256, ...(typeof etag === 'string' && { etag }), ...(typeof lastModified === 'string' && { lastModified }) };
  } catch {
    return undefined; // missing or torn: the part cannot be trusted
  }
}

/**
 * Writes the validator beside a part. In place, no temp file: a torn write is not JSON, and
 * readMeta then refuses the part (it is fetched again), which is all a temp file would buy.
 */
export async function writeMeta(job: DownloadJob, meta: PartMeta): Promise<void> {
  await writeFile(metaPath(job), JSON.stringify(meta));
}

/** Size of a regular file, 0 when absent. */
export async function sizeOf(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() === true ? info.size : 0;
}

/** SHA-256 state over the first `length` bytes of a file (streamed). */
export async function hashPrefix(path: string, length: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1 })) hash.update(chunk as Buffer);
  return hash;
}

/** SHA-256 of a file (uppercase hex), or undefined when it is absent or has the wrong size. */
export async function hashIfSized(path: string, expectedSize: number | undefined): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile() !== true || (expectedSize !== undefined && info.size !== expectedSize)) return undefined;
  return (await hashPrefix(path, info.size)).digest('hex').toUpperCase();
}

/** The ETag if it is strong, else undefined: If-Range needs a strong validator (RFC 9110 §13.1.5). */
export function strongEtag(etag: string | undefined): string | undefined {
  return etag?.startsWith('"') === true ? etag : undefined;
}
