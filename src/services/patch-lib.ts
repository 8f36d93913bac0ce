// Repairs lib/ from the server: downloads every missing or changed file into staging, verified,
// then moves each into lib/ by atomic rename, then removes files the manifest does not list.
// Safe to run twice: a file already right in lib/ is skipped, a verified staged file is reused.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Got } from 'got';
import { noteBytesFetched, UpgradeError } from '../errors.js';
import type { Manifest } from '../formats/manifest.js';
import type { PatchOutput } from '../machines/station-services.js';
import { describeLimit } from './adaptive-concurrency.js';
import { deltaDownload } from './delta/local-sources.js';
import { downloadAll, type ByteMeter, type DownloadJob, type DownloadProgress } from './download.js';
import type { DownloadLimits } from './download-limits.js';
import { fsyncFolders } from './part-file.js';
import { eachLimited } from './each-limited.js';
import type { HashPool } from './hash-pool.js';
import { assertNoSymlinkedFolders, coreFamily, pruneEmptyFolders, removeSymlinkedFolders, resolveInLib, symlinkedFolderOn } from './lib-paths.js';
import type { Logger } from './logger.js';
import type { RetryPolicy } from './retry-delay.js';

/** Renames into lib/ at once: each is a few system calls, and the thread pool has 4 threads. */
const MOVES_AT_ONCE = 16;

/** What the patcher needs from the run. */
export interface PatchDeps {
  client: Got;
  /** Base URL ending at …/registration-client/. */
  serverUrl: string;
  libDir: string;
  /** Folder for this step's downloads (inside the client folder, so rename stays on one filesystem). */
  stagingDir: string;
  pool: HashPool;
  /** Files at once: a number, or `auto` (adapts to the link). */
  concurrency: number | 'auto';
  retry: RetryPolicy;
  logger: Logger;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Never assemble files from local copies and ranges (DESIGN §13); default false. */
  wholeFiles?: boolean;
  /** Size limit, free-space reserve and per-file deadline of every download. */
  limits?: DownloadLimits;
}

/** URL of a release file: each path segment percent-encoded. */
export function releaseFileUrl(serverUrl: string, version: string, name: string): string {
  const segments = [version, 'lib', ...name.split('/')].map((segment) => encodeURIComponent(segment));
  return new URL(segments.join('/'), serverUrl).toString();
}

/** The download jobs for the files that are not already right in lib/ (pure but for the hash check). */
async function planDownloads(
  names: string[],
  manifest: Manifest,
  deps: PatchDeps,
): Promise<{ jobs: DownloadJob[]; alreadyRight: string[] }> {
  const hashes = new Map(manifest.entries.map((entry) => [entry.name, entry.hash.toUpperCase()]));
  const sizes = new Map(manifest.entries.map((entry) => [entry.name, entry.size]));
  const jobs: DownloadJob[] = [];
  const alreadyRight: string[] = [];
  for (const name of names) {
    const expected = hashes.get(name);
    if (expected === undefined) continue;
    const target = resolveInLib(deps.libDir, name);
    // Behind a symlinked folder the file is elsewhere: never "already right", always fetched.
    const trusted = (await symlinkedFolderOn(deps.libDir, target)) === undefined;
    const current = trusted ? await fs.lstat(target).catch(() => undefined) : undefined;
    if (current?.isFile() === true && (await deps.pool.hashFile(target)).hash === expected) {
      alreadyRight.push(name);
      continue;
    }
    const staged = resolveInLib(deps.stagingDir, name);
    await assertNoSymlinkedFolders(deps.stagingDir, staged); // staging, too, never leads out of the client folder
    jobs.push({
      url: releaseFileUrl(deps.serverUrl, manifest.version, name),
      partPath: `${staged}.part`,
      finalPath: staged,
      expectedSha256: expected,
      ...withSize(sizes.get(name)),
      label: name,
    });
  }
  return { jobs, alreadyRight };
}

/** `{ expectedSize }` when the manifest gives the file's size, else nothing. */
export function withSize(size: number | undefined): { expectedSize?: number } {
  return size === undefined ? {} : { expectedSize: size };
}

/** Downloads, verifies and applies the patch; returns what changed in lib/. A failure notes the bytes it had fetched. */
export async function patchLib(
  input: { missing: string[]; mismatched: string[]; unknown: string[] },
  manifest: Manifest,
  deps: PatchDeps,
): Promise<PatchOutput> {
  const meter: ByteMeter = { fetched: 0 };
  try {
    return await patchWith(meter, input, manifest, deps);
  } catch (error) {
    throw noteBytesFetched(error, meter.fetched);
  }
}

async function patchWith(
  meter: ByteMeter,
  input: { missing: string[]; mismatched: string[]; unknown: string[] },
  manifest: Manifest,
  deps: PatchDeps,
): Promise<PatchOutput> {
  // Validate every name before touching anything: one bad name and nothing is written.
  for (const name of [...input.missing, ...input.mismatched]) resolveInLib(deps.libDir, name);

  const { jobs, alreadyRight } = await planDownloads([...input.missing, ...input.mismatched], manifest, deps);
  deps.logger.info(`patch: ${jobs.length} file(s) to download, ${alreadyRight.length} already right`, {
    files: jobs.map((job) => job.label),
  });
  const results = await downloadAll(deps.client, jobs, {
    meter,
    concurrency: deps.concurrency,
    onConcurrency: (limit, reason) => deps.logger.info(`patch: ${describeLimit(limit, reason)}`, { concurrency: limit, reason }),
    retry: deps.retry,
    onProgress: deps.onProgress,
    signal: deps.signal,
    ...(deps.limits === undefined ? {} : { limits: deps.limits }),
    onFileDone: (result) => deps.logger.info(`downloaded and verified ${result.label}`, { bytes: result.bytesFetched, reused: result.bytesReused ?? 0 }),
    // Sources are read from lib/ before anything in it is replaced: every rename comes after all downloads.
    download: deltaDownload({ serverUrl: deps.serverUrl, manifest, libDir: deps.libDir, wholeFiles: deps.wholeFiles ?? false, logger: deps.logger }),
  });
  // Folders first, one at a time (a symlink on the way is removed once, a folder made once), then the renames, many at once.
  const folders = new Map(jobs.map((job) => resolveInLib(deps.libDir, job.label)).map((target) => [path.dirname(target), target]));
  for (const target of folders.values()) {
    // A symlinked folder on the way is unlinked (its target untouched) and becomes a real folder below.
    for (const link of await removeSymlinkedFolders(deps.libDir, target)) deps.logger.warn(`removed ${link}: a symlink where lib/ needs a real folder`);
    await assertNoSymlinkedFolders(deps.libDir, target);
    await fs.mkdir(path.dirname(target), { recursive: true });
  }
  await eachLimited(jobs, MOVES_AT_ONCE, async (job) => {
    const target = resolveInLib(deps.libDir, job.label);
    // A symlink or folder in the way is removed first: rename would otherwise fail or land inside it.
    const current = await fs.lstat(target).catch(() => undefined);
    if (current !== undefined && !current.isFile()) await fs.rm(target, { recursive: true, force: true });
    await fs.rename(job.finalPath, target);
    deps.logger.info(`patched ${job.label}`);
  });
  // One fsync per folder, not per file: a rename lost to a power cut is only patched again.
  await fsyncFolders(jobs.map((job) => resolveInLib(deps.libDir, job.label)));

  const removed = await removeUnknown(input.unknown, manifest, deps);
  await assertAllPresent(manifest, deps.libDir);
  await fs.rm(deps.stagingDir, { recursive: true, force: true });
  return {
    patched: [...jobs.map((job) => job.label), ...alreadyRight].sort(),
    removed,
    bytesFetched: results.reduce((sum, result) => sum + result.bytesFetched, 0),
    bytesReused: results.reduce((sum, result) => sum + (result.bytesReused ?? 0), 0),
  };
}

/** The patch's promise: every file the manifest lists is a real file in a real folder of lib/ (never exit 0 with one missing). */
async function assertAllPresent(manifest: Manifest, libDir: string): Promise<void> {
  for (const entry of manifest.entries) {
    const file = resolveInLib(libDir, entry.name);
    const stat = (await symlinkedFolderOn(libDir, file)) === undefined ? await fs.lstat(file).catch(() => undefined) : undefined;
    if (stat?.isFile() !== true) {
      throw new UpgradeError('IO_FAILED', `after the patch, lib/${entry.name} is not a file in lib/ (something changed lib/ while the upgrader ran); launch again`, {
        details: { file: entry.name },
      });
    }
  }
}

/** Deletes files the manifest does not list; a core jar only when its family has a verified jar in the manifest. */
async function removeUnknown(unknown: string[], manifest: Manifest, deps: PatchDeps): Promise<string[]> {
  const coveredFamilies = new Set(
    manifest.entries.map((entry) => coreFamily(entry.name)).filter((family): family is string => family !== undefined),
  );
  const removed: string[] = [];
  for (const name of unknown) {
    const family = coreFamily(name);
    if (family !== undefined && !coveredFamilies.has(family)) {
      deps.logger.warn(`keeping ${name}: a core jar is never removed without a verified replacement`);
      continue;
    }
    const file = path.join(path.resolve(deps.libDir), ...name.split('/'));
    // A symlink listed as unknown may have been replaced by a real folder of patched files meanwhile.
    if ((await fs.lstat(file).catch(() => undefined))?.isDirectory() !== false) continue;
    await fs.rm(file, { force: true });
    removed.push(name);
    deps.logger.info(`removed ${name}: not in the manifest`);
  }
  if (removed.length > 0) await pruneEmptyFolders(deps.libDir);
  return removed;
}
