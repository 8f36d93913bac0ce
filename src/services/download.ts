// Resumable, verified downloads into staging: part file + validator beside it, hash while
// streaming, Range/If-Range to resume, fsync + atomic rename only once the SHA-256 matches.
import { createHash, type Hash } from 'node:crypto';
import { once, setMaxListeners } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Got, PlainResponse } from 'got';
import { afterFailure, afterRound, startConcurrency, type ConcurrencyState, type LimitChange } from './adaptive-concurrency.js';
import { NetworkError, noteBytesFetched, UpgradeError, redactUrl } from '../errors.js';
import { downloadFailed, hashMismatch, localIoError } from './download-errors.js';
import { assertRoom, diskFull, fileDeadline, isDiskFull, SPACE_CHECK_EVERY, tooLarge, type DownloadLimits } from './download-limits.js';
import { commit, discardPart, fsyncFolders, hashIfSized, hashPrefix, readMeta, sizeOf, strongEtag, unlinkIfPresent, writeMeta } from './part-file.js';
import { isRetryable, retryDelay, type RetryPolicy } from './retry-delay.js';

/** One file to fetch into staging and verify. */
export interface DownloadJob {
  url: string;
  /** Where bytes accumulate, e.g. <clientDir>/.upgrade/staging/lib/<name>.part; `<partPath>.meta` holds its validator. */
  partPath: string;
  /** Where the verified file is renamed to (in staging, not lib/); same filesystem as partPath. */
  finalPath: string;
  /** SHA-256 of the file, hex (any case). */
  expectedSha256: string;
  expectedSize?: number;
  /** Manifest name, for messages and progress. */
  label: string;
}

/** Bytes of one file on disk so far, and its total size when the server said it. */
export interface DownloadProgress {
  label: string;
  bytes: number;
  total?: number;
  /** How many files the batch this file belongs to holds (set by downloadAll). */
  files?: number;
}

/** A verified file at its finalPath. */
export interface DownloadResult {
  label: string;
  finalPath: string;
  /** Body bytes received over the network for this file, all attempts together. */
  bytesFetched: number;
  /** Some attempt continued an existing part with a Range request. */
  resumed: boolean;
  /** finalPath was already there and right: nothing was fetched. */
  alreadyPresent: boolean;
  /** Bytes copied from files already on the station (differential downloads, DESIGN §13). */
  bytesReused?: number;
}

/** How one download retries, reports and stops. */
export interface DownloadOptions {
  /** `retries` counts consecutive failed attempts that added no bytes; progress resets it. */
  retry: RetryPolicy;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Size limit without a known size, free-space reserve, per-file deadline. */
  limits?: DownloadLimits;
  /** Counts every body byte received, as it arrives (so a failed step still knows what it fetched). */
  meter?: ByteMeter;
  /** An attempt failed and will be retried (downloadAll then fetches fewer files at once). */
  onAttemptFailed?: () => void;
}

/** A running count of body bytes received over the network, shared by the downloads of one step. */
export interface ByteMeter {
  fetched: number;
}

/** Options of downloadAll: those of downloadFile plus the pool size. */
export interface DownloadAllOptions extends DownloadOptions {
  /** Files at once: a fixed number, or `auto` (adapts to the link); default 4. */
  concurrency?: number | 'auto';
  /** The `auto` limit changed (for the log). */
  onConcurrency?: (limit: number, reason: 'grew' | 'link-full' | 'errors') => void;
  onFileDone?: (result: DownloadResult) => void;
  /** How one file is fetched; default downloadFile (differential downloads pass their own). */
  download?: (client: Got, job: DownloadJob, options: DownloadOptions) => Promise<DownloadResult>;
}


// The bytes are not the promised ones (size or hash): start over once, then give up.
class CorruptDownload extends Error {
  constructor(readonly actual: string, readonly actualSize: number) {
    super('downloaded bytes do not match the manifest');
  }
}

// The part and the server disagree (file changed, odd range, 416): drop the part and ask again, no retry counted.
class StalePart extends Error {}

// What the attempts of one download share.
interface Attempt {
  client: Got;
  job: DownloadJob;
  expected: string;
  options: DownloadOptions;
  fetched: number;
  resumed: boolean;
}

/** Downloads one file into partPath (resuming), verifies it and renames it to finalPath; safe to run twice. */
export async function downloadFile(client: Got, job: DownloadJob, options: DownloadOptions): Promise<DownloadResult> {
  const deadline = fileDeadline(job.label, job.url, options.limits?.deadlineMs, options.signal);
  const bounded = deadline.signal === undefined ? options : { ...options, signal: deadline.signal };
  const state: Attempt = { client, job, expected: job.expectedSha256.toUpperCase(), options: bounded, fetched: 0, resumed: false };
  const result = { label: job.label, finalPath: job.finalPath };
  try {
    if ((await hashIfSized(job.finalPath, job.expectedSize)) === state.expected) {
      await discardPart(job);
      return { ...result, bytesFetched: 0, resumed: false, alreadyPresent: true };
    }
    await unlinkIfPresent(job.finalPath); // never leave a wrong file where a verified one is expected
    await mkdir(dirname(job.partPath), { recursive: true });
    if (dirname(job.finalPath) !== dirname(job.partPath)) await mkdir(dirname(job.finalPath), { recursive: true });
    await assertRoom(dirname(job.partPath), (job.expectedSize ?? 0) - (await sizeOf(job.partPath)), options.limits?.freeSpaceReserve ?? 0, job.label);
    await fetchWithRetries(state);
    return { ...result, bytesFetched: state.fetched, resumed: state.resumed, alreadyPresent: false };
  } catch (error) {
    // A full disk must heal by itself: the part goes, so the next launch has room for its log and state.
    if (isDiskFull(error) || isRefused(error)) await discardPart(job).catch(() => undefined);
    if (isDiskFull(error)) throw diskFull(job.label, dirname(job.partPath), error);
    throw localIoError(job, error) ?? error;
  } finally {
    deadline.clear();
  }
}

// Refused by a limit (size, free space): retrying cannot help, and the part is not worth keeping.
function isRefused(error: unknown): boolean {
  return error instanceof UpgradeError && (error.code === 'DOWNLOAD_TOO_LARGE' || error.details['reason'] === 'free-space-reserve');
}

async function fetchWithRetries(state: Attempt): Promise<void> {
  const { job, options, expected } = state;
  const sleep = options.sleep ?? ((ms: number) => delay(ms, undefined, { signal: options.signal }));
  let failures = 0;
  let corruptions = 0;
  let highWater = await sizeOf(job.partPath);
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const { hash, size, written } = await attemptOnce(state);
      if (hash !== expected || (job.expectedSize !== undefined && size !== job.expectedSize)) throw new CorruptDownload(hash, size);
      return await commit(job, written);
    } catch (error) {
      options.signal?.throwIfAborted();
      if (isRefused(error) || isDiskFull(error)) throw error;
      if (error instanceof StalePart || error instanceof CorruptDownload) await discardPart(job);
      if (error instanceof StalePart) continue;
      if (error instanceof CorruptDownload) {
        if ((corruptions += 1) < 2) continue;
        throw hashMismatch(job, expected, error);
      }
      const size = await sizeOf(job.partPath);
      if (size > highWater) [highWater, failures] = [size, 0]; // progress: the link works, just badly
      failures += 1;
      if (!isRetryable(error) || failures > options.retry.retries) throw downloadFailed(job, error, failures);
      options.onAttemptFailed?.();
      await sleep(retryDelay(failures, options.retry, options.random ?? Math.random));
    }
  }
}

/**
 * Downloads every job, `concurrency` at once (`auto`: as many as the link rewards, see
 * adaptive-concurrency.ts); the first failure stops the rest and is thrown, noting the bytes all
 * of them had fetched (noteBytesFetched).
 */
export async function downloadAll(client: Got, jobs: DownloadJob[], options: DownloadAllOptions): Promise<DownloadResult[]> {
  const setting = options.concurrency ?? 4;
  if (setting !== 'auto' && (!Number.isInteger(setting) || setting < 1)) throw new RangeError(`concurrency must be an integer ≥ 1 or 'auto', got ${setting}`);
  const paths = jobs.flatMap((job) => [job.partPath, job.finalPath]);
  if (new Set(paths).size !== paths.length) throw new Error('downloadAll: two jobs share a part or final path');
  options.signal?.throwIfAborted();
  const controller = new AbortController();
  const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal]);
  setMaxListeners(0, signal); // one listener per file in flight, up to 32 at once: not a leak
  const meter = options.meter ?? { fetched: 0 };
  const results: DownloadResult[] = [];
  const report = options.onProgress;
  let policy = startConcurrency(setting);
  const adjust = ({ state, change }: { state: ConcurrencyState; change: LimitChange }): void => {
    policy = state;
    if (change !== undefined) options.onConcurrency?.(change.limit, change.reason);
  };
  const perFile: DownloadOptions = {
    ...options,
    signal,
    meter,
    onAttemptFailed: () => adjust(afterFailure(policy)),
    ...(report !== undefined && { onProgress: (progress: DownloadProgress) => report({ ...progress, files: jobs.length }) }),
  };
  // A round ends when as many files as the limit have arrived over the network (files already
  // present arrive instantly and say nothing about the link).
  let round = { at: performance.now(), bytes: meter.fetched, files: 0 };
  const arrived = (result: DownloadResult): void => {
    if (result.alreadyPresent || (round.files += 1) < policy.limit) return;
    const at = performance.now();
    adjust(afterRound(policy, { limit: policy.limit, bytes: meter.fetched - round.bytes, ms: at - round.at }));
    round = { at, bytes: meter.fetched, files: 0 };
  };
  let failure: { error: unknown } | undefined;
  const fetchOne = async (index: number): Promise<void> => {
    try {
      const result = await (options.download ?? downloadFile)(client, jobs[index] as DownloadJob, perFile);
      results[index] = result;
      arrived(result);
      options.onFileDone?.(result);
    } catch (error) {
      // Later rejections are the siblings we aborted: the first failure is the story.
      failure ??= { error };
      controller.abort(failure.error);
    }
  };
  // Start files while under the limit; wait for every one, so none is still being written when the caller moves on.
  await new Promise<void>((resolve) => {
    let next = 0;
    let active = 0;
    const pump = (): void => {
      while (failure === undefined && active < policy.limit && next < jobs.length) {
        active += 1;
        void fetchOne(next++).finally(() => {
          active -= 1;
          pump();
        });
      }
      if (active === 0) resolve();
    };
    pump();
  });
  if (failure !== undefined) throw noteBytesFetched(failure.error, meter.fetched);
  await fsyncFolders(results.filter((result) => !result.alreadyPresent).map((result) => result.finalPath));
  return results;
}

// One request: resume the part if it is ours, else start it; returns the SHA-256 and size on disk.
async function attemptOnce(state: Attempt): Promise<{ hash: string; size: number; written: 'synced' | 'unsynced' }> {
  const { job, options } = state;
  let offset = await sizeOf(job.partPath);
  // Without a part there is nothing to resume: a validator left alone is overwritten by the answer's.
  const meta = offset > 0 ? await readMeta(job) : undefined;
  if (offset > 0 && (meta?.url !== job.url || meta.expectedSha256 !== state.expected)) {
    await discardPart(job); // not ours, or no meta to say so
    offset = 0;
  }
  // Hash the part before asking, so the socket never waits on the disk.
  const prefix = offset > 0 ? await hashPrefix(job.partPath, offset) : undefined;
  if (prefix !== undefined && job.expectedSize !== undefined && offset >= job.expectedSize) {
    return wholePart(state, prefix, offset); // nothing left to ask for
  }
  const headers: Record<string, string> = {};
  if (prefix !== undefined) {
    headers['range'] = `bytes=${offset}-`;
    // Without a validator the range is still asked for: the final hash check catches a changed file.
    const validator = meta?.etag ?? meta?.lastModified;
    if (validator !== undefined) headers['if-range'] = validator;
  }
  const stream = state.client.stream(job.url, { headers, throwHttpErrors: false, signal: options.signal });
  const [response] = (await once(stream, 'response')) as [PlainResponse];
  stream.on('error', () => undefined); // an error before pipeline() is attached must not crash; pipeline() still sees it
  const { statusCode: status, headers: answer } = response;
  const etag = strongEtag(answer.etag);
  let total = count(answer['content-length']);
  let hash = createHash('sha256');
  if (status === 206 && prefix !== undefined) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(answer['content-range'] ?? '');
    const changed = meta?.etag !== undefined && etag !== undefined ? etag !== meta.etag : meta?.lastModified !== undefined && answer['last-modified'] !== undefined && answer['last-modified'] !== meta.lastModified;
    if (Number(range?.[1]) !== offset || changed) throw stop(stream, new StalePart());
    total = count(range?.[2]);
    hash = prefix;
    state.resumed = true;
  } else if (status === 200) {
    offset = 0;
    const lastModified = answer['last-modified'];
    await writeMeta(job, { url: job.url, expectedSha256: state.expected, ...(etag && { etag }), ...(lastModified && { lastModified }) });
  } else if (status === 416 && prefix !== undefined) {
    stream.destroy();
    return wholePart(state, prefix, offset); // nothing beyond our bytes
  } else {
    const url = redactUrl(job.url);
    throw stop(stream, new NetworkError('DOWNLOAD_FAILED', `GET ${url} answered HTTP ${status}`, { details: { file: job.label, url, status } }));
  }
  if (job.expectedSize !== undefined && total !== undefined && total !== job.expectedSize) {
    throw stop(stream, new CorruptDownload(`(not downloaded: the server announced ${total} bytes)`, total));
  }
  const limit = job.expectedSize === undefined ? options.limits?.maxFileSize : undefined;
  if (limit !== undefined && total !== undefined && total > limit) throw stop(stream, tooLarge(job.label, job.url, total, limit, true));
  const reserve = options.limits?.freeSpaceReserve ?? 0;
  // A size the manifest gives was checked before the first request (downloadFile); the streaming checks below cover the rest.
  if (total !== undefined && job.expectedSize === undefined) await assertRoom(dirname(job.partPath), total - offset, reserve, job.label).catch((error: Error) => Promise.reject(stop(stream, error)));
  // Hash and count as the bytes arrive. A dropped connection (or an abort) ends the body early but
  // gracefully, so every byte received still reaches the part; the error is thrown after.
  let size = offset;
  let checkedAt = offset;
  let dropped: { error: unknown } | undefined;
  async function* received(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stream) {
        const bytes = chunk as Buffer;
        hash.update(bytes);
        size += bytes.length;
        state.fetched += bytes.length;
        if (options.meter !== undefined) options.meter.fetched += bytes.length;
        // A server that sends more than promised is wrong: stop before filling the disk.
        if (job.expectedSize !== undefined && size > job.expectedSize) throw new CorruptDownload(hash.copy().digest('hex').toUpperCase(), size);
        if (limit !== undefined && size > limit) throw tooLarge(job.label, job.url, size, limit, false);
        if (reserve > 0 && size - checkedAt >= SPACE_CHECK_EVERY) {
          checkedAt = size;
          await assertRoom(dirname(job.partPath), 0, reserve, job.label);
        }
        options.onProgress?.({ label: job.label, bytes: size, ...(total !== undefined && { total }) });
        yield bytes;
      }
    } catch (error) {
      dropped = { error };
    }
  }
  // 1 MiB buffer: fewer, larger writes (a quarter less CPU on big files than the 16 KiB default).
  // flush: the stream fsyncs its own descriptor before closing, so commit need not open the file again.
  const file = createWriteStream(job.partPath, { flags: offset > 0 ? 'a' : 'w', highWaterMark: 1 << 20, flush: true });
  try {
    await pipeline(received, file);
  } finally {
    stream.destroy();
    if (!file.closed) await once(file, 'close'); // the next attempt measures the part: all writes must have landed
  }
  if (dropped !== undefined) throw dropped.error;
  if (total !== undefined && size < total) {
    throw Object.assign(new Error(`response ended after ${size} of ${total} bytes`), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  }
  return { hash: hash.digest('hex').toUpperCase(), size, written: 'synced' };
}

// The part already holds the whole file (a crash before the rename) — or it is stale.
function wholePart(state: Attempt, prefix: Hash, size: number): { hash: string; size: number; written: 'unsynced' } {
  const hash = prefix.digest('hex').toUpperCase();
  if (hash !== state.expected || (state.job.expectedSize ?? size) !== size) throw new StalePart();
  return { hash, size, written: 'unsynced' }; // written by an earlier process, perhaps never flushed
}

function stop(stream: { destroy(): void }, error: Error): Error {
  stream.destroy();
  return error;
}

// A byte count from a header, or undefined when absent or not a number.
function count(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
