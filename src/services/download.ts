// Resumable, verified downloads into staging: part file + validator beside it, hash while
// streaming, Range/If-Range to resume, fsync + atomic rename only once the SHA-256 matches.
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { Got, PlainResponse } from 'got';
import { IntegrityError, NetworkError, UpgradeError, redactUrl } from '../errors.js';
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
}

/** How one download retries, reports and stops. */
export interface DownloadOptions {
  /** `retries` counts consecutive failed attempts that added no bytes; progress resets it. */
  retry: RetryPolicy;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** Options of downloadAll: those of downloadFile plus the pool size. */
export interface DownloadAllOptions extends DownloadOptions {
  /** Parallel downloads, default 4. */
  concurrency?: number;
  onFileDone?: (result: DownloadResult) => void;
}

interface PartMeta {
  url: string;
  expectedSha256: string;
  etag?: string;
  lastModified?: string;
}

// The bytes are not the promised ones (size or hash): start over once, then give up.
class CorruptDownload extends Error {
  constructor(readonly actual: string, readonly actualSize: number) {
    super('downloaded bytes do not match the manifest');
  }
}

// The part and the server disagree (changed file, bad range): drop the part and ask again, no retry counted.
class StalePart extends Error {}

interface Attempt {
  job: DownloadJob;
  expected: string;
  client: Got;
  options: DownloadOptions;
  fetched: number;
  resumed: boolean;
}

/** Downloads one file into partPath (resuming), verifies it and renames it to finalPath; safe to run twice. */
export async function downloadFile(client: Got, job: DownloadJob, options: DownloadOptions): Promise<DownloadResult> {
  try {
    return await fetchAndVerify(client, job, options);
  } catch (error) {
    throw localIoError(job, error) ?? error;
  }
}

async function fetchAndVerify(client: Got, job: DownloadJob, options: DownloadOptions): Promise<DownloadResult> {
  const expected = job.expectedSha256.toUpperCase();
  const url = redactUrl(job.url);
  const done = (fetched: number, resumed: boolean, alreadyPresent: boolean): DownloadResult => ({
    label: job.label,
    finalPath: job.finalPath,
    bytesFetched: fetched,
    resumed,
    alreadyPresent,
  });
  if ((await hashIfSized(job.finalPath, job.expectedSize)) === expected) {
    await rm(job.partPath, { force: true });
    await rm(metaPath(job), { force: true });
    return done(0, false, true);
  }
  // Never leave a wrong file where a verified one is expected.
  await rm(job.finalPath, { force: true });
  await mkdir(dirname(job.partPath), { recursive: true });
  await mkdir(dirname(job.finalPath), { recursive: true });

  const state: Attempt = { job, expected, client, options, fetched: 0, resumed: false };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => delay(ms, undefined, { signal: options.signal }));
  let failures = 0;
  let corruptions = 0;
  let highWater = await sizeOf(job.partPath);
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const outcome = await attemptOnce(state);
      if (outcome.hash !== expected || (job.expectedSize !== undefined && outcome.size !== job.expectedSize)) {
        throw new CorruptDownload(outcome.hash, outcome.size);
      }
      await commit(job);
      return done(state.fetched, state.resumed, false);
    } catch (error) {
      options.signal?.throwIfAborted();
      if (error instanceof StalePart) {
        await discardPart(job);
        continue;
      }
      if (error instanceof CorruptDownload) {
        await discardPart(job);
        corruptions += 1;
        if (corruptions < 2) continue;
        throw new IntegrityError(
          'HASH_MISMATCH',
          `${job.label} downloaded from ${url} twice and both times it did not match the manifest (expected SHA-256 ${expected}${job.expectedSize === undefined ? '' : `, ${job.expectedSize} bytes`}; got ${error.actual}, ${error.actualSize} bytes). The server's copy or the manifest is wrong; nothing was kept.`,
          { details: { file: job.label, url, expected, actual: error.actual, actualSize: error.actualSize } },
        );
      }
      const size = await sizeOf(job.partPath);
      if (size > highWater) {
        highWater = size;
        failures = 0;
      }
      failures += 1;
      if (!isRetryable(error) || failures > options.retry.retries) throw downloadFailed(job, error, failures);
      await sleep(retryDelay(failures, options.retry, random));
    }
  }
}

/** Downloads every job with at most `concurrency` at once; the first failure stops the rest and is thrown. */
export async function downloadAll(client: Got, jobs: DownloadJob[], options: DownloadAllOptions): Promise<DownloadResult[]> {
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer ≥ 1, got ${concurrency}`);
  const paths = jobs.flatMap((job) => [job.partPath, job.finalPath]);
  if (new Set(paths).size !== paths.length) throw new Error('downloadAll: two jobs share a part or final path');
  options.signal?.throwIfAborted();
  const controller = new AbortController();
  const forwardAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forwardAbort, { once: true });
  const results: DownloadResult[] = [];
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < jobs.length && failure === undefined; index = next++) {
      const job = jobs[index] as DownloadJob;
      try {
        const result = await downloadFile(client, job, { ...options, signal: controller.signal });
        results[index] = result;
        options.onFileDone?.(result);
      } catch (error) {
        // Later rejections are the siblings we aborted: the first failure is the story.
        if (failure === undefined) {
          failure = { error };
          controller.abort(error);
        }
      }
    }
  };
  try {
    // Wait for every worker, so no file is still being written when the caller moves on.
    await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', forwardAbort);
  }
  if (failure !== undefined) throw failure.error;
  return results;
}

// One request: resume the part if it is ours, else start it; returns the SHA-256 and size on disk.
async function attemptOnce(state: Attempt): Promise<{ hash: string; size: number }> {
  const { job, options } = state;
  const meta = await readMeta(job);
  let offset = await sizeOf(job.partPath);
  if (meta === undefined || meta.url !== job.url || meta.expectedSha256 !== state.expected) {
    if (offset > 0 || meta !== undefined) await discardPart(job);
    offset = 0;
  }
  if (offset > 0 && job.expectedSize !== undefined && offset >= job.expectedSize) {
    // Nothing left to ask for: the part is complete (a crash before the rename) or stale.
    const hash = (await hashPrefix(job.partPath, offset)).digest('hex').toUpperCase();
    if (offset === job.expectedSize && hash === state.expected) return { hash, size: offset };
    throw new StalePart();
  }
  // Hash the part before asking, so the socket never waits on the disk.
  const prefix = offset > 0 ? await hashPrefix(job.partPath, offset) : undefined;
  const headers: Record<string, string> = {};
  if (offset > 0) {
    headers['range'] = `bytes=${offset}-`;
    // Without a validator the range is still asked for: the final hash check catches a changed file.
    const validator = meta?.etag ?? meta?.lastModified;
    if (validator !== undefined) headers['if-range'] = validator;
  }
  const stream = state.client.stream(job.url, { headers, throwHttpErrors: false, signal: options.signal });
  const [response] = (await once(stream, 'response')) as [PlainResponse];
  // An error before pipeline() is attached must not crash the process; pipeline() still sees it.
  stream.on('error', () => undefined);
  const status = response.statusCode;
  const etag = strongEtag(response.headers.etag);
  let total: number | undefined;
  let hash: Hash;
  if (status === 206 && offset > 0) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers['content-range'] ?? '');
    if (Number(range?.[1]) !== offset || (meta?.etag !== undefined && etag !== undefined && etag !== meta.etag)) {
      stream.destroy();
      throw new StalePart();
    }
    total = range?.[2] === '*' ? undefined : Number(range?.[2]);
    hash = prefix as Hash;
    state.resumed = true;
  } else if (status === 200) {
    offset = 0;
    const length = response.headers['content-length'];
    total = length === undefined ? undefined : Number(length);
    hash = createHash('sha256');
    const lastModified = response.headers['last-modified'];
    await writeMeta(job, { url: job.url, expectedSha256: state.expected, ...(etag && { etag }), ...(lastModified && { lastModified }) });
  } else {
    stream.destroy();
    if (status === 416 && prefix !== undefined) {
      // Nothing beyond our bytes: the part is the whole file (a crash before the rename) or stale.
      const hash = prefix.digest('hex').toUpperCase();
      if (hash === state.expected) return { hash, size: offset };
      throw new StalePart();
    }
    throw new NetworkError('DOWNLOAD_FAILED', `GET ${redactUrl(job.url)} answered HTTP ${status}`, {
      details: { file: job.label, url: redactUrl(job.url), status },
    });
  }
  if (job.expectedSize !== undefined && total !== undefined && total !== job.expectedSize) {
    stream.destroy();
    throw new CorruptDownload(`(not downloaded: the server announced ${total} bytes)`, total);
  }
  let size = offset;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      state.fetched += chunk.length;
      // A server that sends more than promised is wrong; stop before filling the disk.
      if (job.expectedSize !== undefined && size > job.expectedSize) {
        callback(new CorruptDownload(hash.copy().digest('hex').toUpperCase(), size));
        return;
      }
      options.onProgress?.({ label: job.label, bytes: size, ...(total !== undefined && { total }) });
      callback(null, chunk);
    },
  });
  // A dropped connection (or an abort) ends the body early but gracefully, so every byte received
  // still reaches the part and the next attempt resumes from there; the error is thrown after.
  let dropped: { error: unknown } | undefined;
  async function* received(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (error) {
      dropped = { error };
    }
  }
  const file = createWriteStream(job.partPath, { flags: offset > 0 ? 'a' : 'w' });
  try {
    await pipeline(received, meter, file);
  } finally {
    stream.destroy();
    // The next attempt measures the part: every queued write must have landed first.
    if (!file.closed) await once(file, 'close');
  }
  if (dropped !== undefined) throw dropped.error;
  if (total !== undefined && size < total) {
    throw Object.assign(new Error(`response ended after ${size} of ${total} bytes`), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  }
  return { hash: hash.digest('hex').toUpperCase(), size };
}

// fsync the part, rename it into place, fsync the folder, then forget the validator.
async function commit(job: DownloadJob): Promise<void> {
  const handle = await open(job.partPath, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(job.partPath, job.finalPath);
  await syncDir(dirname(job.finalPath));
  await rm(metaPath(job), { force: true });
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    // Windows cannot open or fsync a folder; the rename itself is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  }
}

function downloadFailed(job: DownloadJob, error: unknown, attempts: number): UpgradeError {
  const url = redactUrl(job.url);
  const cause = error instanceof Error ? error.message : String(error);
  const local = localIoError(job, error);
  if (local !== undefined) return local;
  const status = error instanceof NetworkError ? error.details['status'] : undefined;
  const hint = typeof status === 'number' && status < 500 ? 'check the server URL and the release on the server' : 'check the network and the server; the bytes already fetched are kept and the next run resumes';
  return new NetworkError('DOWNLOAD_FAILED', `Could not download ${job.label} from ${url} after ${attempts} attempt(s): ${cause} (${hint})`, {
    cause: error,
    details: { file: job.label, url, attempts, ...(typeof status === 'number' && { status }) },
  });
}

// A failure of the local disk (it names a path) is not a network failure: say so, with the path.
function localIoError(job: DownloadJob, error: unknown): UpgradeError | undefined {
  if (error instanceof UpgradeError || !(error instanceof Error)) return undefined;
  const local = (error as NodeJS.ErrnoException).path;
  if (typeof local !== 'string') return undefined;
  return new UpgradeError('IO_FAILED', `Could not write ${job.label} at ${local}: ${error.message} (check free space and permissions)`, {
    cause: error,
    details: { file: job.label, url: redactUrl(job.url), path: local },
  });
}

const metaPath = (job: DownloadJob): string => `${job.partPath}.meta`;

async function discardPart(job: DownloadJob): Promise<void> {
  await rm(job.partPath, { force: true });
  await rm(metaPath(job), { force: true });
}

async function readMeta(job: DownloadJob): Promise<PartMeta | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(metaPath(job), 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { url, expectedSha256, etag, lastModified } = value as Record<string, unknown>;
    if (typeof url !== 'string' || typeof expectedSha256 !== 'string') return undefined;
    return {
      url,
      expectedSha256,
      ...(typeof etag === 'string' && { etag }),
      ...(typeof lastModified === 'string' && { lastModified }),
    };
  } catch {
    return undefined; // missing or torn: the part cannot be trusted
  }
}

async function writeMeta(job: DownloadJob, meta: PartMeta): Promise<void> {
  const temp = `${metaPath(job)}.tmp`;
  await writeFile(temp, JSON.stringify(meta));
  await rename(temp, metaPath(job));
}

// If-Range needs a strong validator (RFC 9110 §13.1.5): weak ETags are not kept.
function strongEtag(etag: string | undefined): string | undefined {
  return etag !== undefined && etag.startsWith('"') ? etag : undefined;
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  return info?.isFile() === true ? info.size : 0;
}

async function hashPrefix(path: string, length: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1 })) hash.update(chunk as Buffer);
  return hash;
}

// SHA-256 of a file (uppercase hex), or undefined when it is absent or has the wrong size.
async function hashIfSized(path: string, expectedSize: number | undefined): Promise<string | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile() !== true || (expectedSize !== undefined && info.size !== expectedSize)) return undefined;
  return (await hashPrefix(path, info.size)).digest('hex').toUpperCase();
}
