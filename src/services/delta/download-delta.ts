// Differential download of one file (DESIGN §13): its block index (verified against the hash in
// MANIFEST.MF), the station's local sources chunked alike, a plan, then assembly into the part file
// — copied chunks from the sources, the rest by Range requests — and the whole-file SHA-256 check
// before the part is renamed into place. Any doubt (no index, a bad one, a server without ranges,
// a wrong result) costs bandwidth, never correctness: the file is then downloaded whole.
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Got } from 'got';
import { chunkHash, chunkLike, hashChunks, parseBlockIndex, type BlockIndex, type IndexedChunk } from '../../formats/block-index.js';
import { downloadFile, type DownloadJob, type DownloadOptions, type DownloadResult } from '../download.js';
import { fetchBytes } from '../fetch-resource.js';
import { commit, hashIfSized, metaPath, readMeta, sizeOf } from '../part-file.js';
import { fetchRanges, RangesRefused } from './fetch-ranges.js';
import { DEFAULT_PLAN_LIMITS, localChunkMap, planDelta, type AssemblyStep, type PlanLimits } from './plan-delta.js';

/** What a job needs for a differential download. */
export interface DeltaSource {
  /** URL of the file's block index. */
  indexUrl: string;
  /** SHA-256 of the index, from the file's MANIFEST.MF section. */
  indexSha256: string;
  /** Files on the station that may hold chunks of the new file, best first (the part of an earlier attempt is added). */
  localFiles: string[];
}

/** Options of downloadDelta: those of a download, plus plan limits and a log of why a file was fetched whole. */
export interface DeltaOptions extends DownloadOptions {
  planLimits?: PlanLimits;
  log?: (message: string, details: Record<string, unknown>) => void;
}

// Why assembly gave up: the file is fetched whole.
class WholeFile extends Error {}

/** Downloads `job` from its local sources and ranges when it can, else whole; the result is always verified. */
export async function downloadDelta(client: Got, job: DownloadJob, delta: DeltaSource | undefined, options: DeltaOptions): Promise<DownloadResult> {
  const expected = job.expectedSha256.toUpperCase();
  if (delta === undefined || (await hashIfSized(job.finalPath, job.expectedSize)) === expected) return downloadFile(client, job, options);
  // Nothing on the station to assemble from, not even an earlier part (a fresh install): straight to a whole download.
  if (delta.localFiles.length === 0 && (await sizeOf(job.partPath)) === 0 && (await sizeOf(`${job.partPath}.prev`)) === 0) return downloadFile(client, job, options);
  const counted = { fetched: 0 };
  const previous = await keepPartAsSource(job);
  const sources = [...(previous === undefined ? [] : [previous]), ...delta.localFiles];
  try {
    if (sources.length === 0) throw new WholeFile('no local copy to reuse');
    let limits = options.planLimits ?? DEFAULT_PLAN_LIMITS;
    for (;;) {
      try {
        const reused = await assemble(client, job, delta, sources, limits, counted, options);
        if (previous !== undefined) await rm(previous, { force: true });
        if (previous !== undefined) await rm(`${previous}.meta`, { force: true });
        options.log?.(`assembled ${job.label}: ${counted.fetched} bytes fetched, ${reused} reused`, { file: job.label, fetched: counted.fetched, reused });
        return { label: job.label, finalPath: job.finalPath, bytesFetched: counted.fetched, bytesReused: reused, resumed: previous !== undefined, alreadyPresent: false };
      } catch (error) {
        // A server (or proxy) that answers one range at a time: ask again, one range per request.
        if (!(error instanceof RangesRefused && error.multiple && limits.rangesPerRequest > 1)) throw error;
        limits = { ...limits, rangesPerRequest: 1 };
      }
    }
  } catch (error) {
    options.signal?.throwIfAborted();
    const reason = error instanceof Error ? error.message : String(error);
    options.log?.(`fetching ${job.label} whole: ${reason}`, { file: job.label, reason });
    await rm(job.partPath, { force: true });
    if (previous !== undefined) await resumeWholePart(job, previous);
    const whole = await downloadFile(client, job, options);
    return { ...whole, bytesFetched: whole.bytesFetched + counted.fetched, bytesReused: 0 };
  }
}

// A part left by an earlier run (a killed assembly or whole download) becomes a source: its chunks are not fetched again.
// A whole download's part keeps its validator beside it (<part>.prev.meta), so that a whole fallback resumes it by Range.
async function keepPartAsSource(job: DownloadJob): Promise<string | undefined> {
  const previous = `${job.partPath}.prev`;
  const [part, kept] = [await sizeOf(job.partPath), await sizeOf(previous)];
  const meta = await readMeta(job);
  const whole = meta?.url === job.url && meta.expectedSha256 === job.expectedSha256.toUpperCase();
  if (part > kept) {
    await rm(`${previous}.meta`, { force: true }); // first: a kill below leaves a source without validator, never a wrong one
    await rename(job.partPath, previous);
    if (whole) await rename(metaPath(job), `${previous}.meta`);
  } else {
    await rm(job.partPath, { force: true });
  }
  await rm(metaPath(job), { force: true }); // the part is no longer a resumable whole download
  return Math.max(part, kept) > 0 ? previous : undefined;
}

// Fetching whole after all: a whole download's part goes back in place with its validator (Range + If-Range resume it), any other is dropped.
async function resumeWholePart(job: DownloadJob, previous: string): Promise<void> {
  if ((await sizeOf(`${previous}.meta`)) > 0 && (await sizeOf(previous)) > 0) {
    await rename(`${previous}.meta`, metaPath(job));
    await rename(previous, job.partPath);
    return;
  }
  await rm(previous, { force: true });
  await rm(`${previous}.meta`, { force: true });
}

// One assembly: returns the bytes reused; throws WholeFile, RangesRefused or a network error.
async function assemble(
  client: Got,
  job: DownloadJob,
  delta: DeltaSource,
  sources: readonly string[],
  limits: PlanLimits,
  counted: { fetched: number },
  options: DeltaOptions,
): Promise<number> {
  const index = await fetchIndex(client, delta, counted, options);
  if (job.expectedSize !== undefined && index.size !== job.expectedSize) throw new WholeFile(`block index describes ${index.size} bytes, not ${job.expectedSize}`);
  const handles: FileHandle[] = [];
  try {
    const local: IndexedChunk[][] = [];
    for (const source of sources) {
      const handle = await open(source, 'r').catch(() => undefined); // gone since it was listed: not a source
      if (handle === undefined) continue;
      handles.push(handle);
      local.push(await chunkLocal(handle, index));
    }
    const plan = planDelta(index, localChunkMap(local), limits);
    if (plan.kind === 'whole') throw new WholeFile(plan.reason);
    await writePart(client, job, index, plan.steps, plan.requests, handles, counted, options);
    return plan.reuseBytes;
  } finally {
    await Promise.all(handles.map((handle) => handle.close().catch(() => undefined)));
  }
}

async function fetchIndex(client: Got, delta: DeltaSource, counted: { fetched: number }, options: DeltaOptions): Promise<BlockIndex> {
  const { body } = await fetchBytes(client, delta.indexUrl, { maxBytes: 16 * 1024 * 1024, retry: options.retry, ...(options.signal && { signal: options.signal }) }).catch((error: unknown) => {
    throw new WholeFile(`block index unavailable (${error instanceof Error ? error.message : String(error)})`);
  });
  tally(counted, options, body.length);
  const actual = createHash('sha256').update(body).digest('hex').toUpperCase();
  if (actual !== delta.indexSha256.toUpperCase()) throw new WholeFile(`block index SHA-256 ${actual} is not the manifest's ${delta.indexSha256}`);
  try {
    return parseBlockIndex(body);
  } catch (error) {
    throw new WholeFile(`block index malformed: ${(error as Error).message}`);
  }
}

// The chunks of a local file, cut and chunked as the index was; only chunks of a length the target has are hashed.
async function chunkLocal(handle: FileHandle, index: BlockIndex): Promise<IndexedChunk[]> {
  const data = await handle.readFile();
  const lengths = new Set(index.chunks.map((chunk) => chunk.length));
  return hashChunks(data, chunkLike(data, index).filter((span) => lengths.has(span.length)), index.hashBytes);
}

// Writes the part in file order, hashing as it goes; commits it only when it is the manifest's file.
async function writePart(
  client: Got,
  job: DownloadJob,
  index: BlockIndex,
  steps: readonly AssemblyStep[],
  requests: ReadonlyArray<ReadonlyArray<{ start: number; end: number }>>,
  sources: readonly FileHandle[],
  counted: { fetched: number },
  options: DeltaOptions,
): Promise<void> {
  const hashes = new Map(index.chunks.map((chunk) => [chunk.offset, chunk]));
  await mkdir(dirname(job.partPath), { recursive: true });
  await mkdir(dirname(job.finalPath), { recursive: true });
  const part = await open(job.partPath, 'w');
  const whole = createHash('sha256');
  let next = 0;
  let received = new Map<number, Buffer>();
  try {
    for (const step of steps) {
      options.signal?.throwIfAborted();
      let bytes: Buffer;
      if (step.kind === 'copy') {
        bytes = Buffer.alloc(step.end - step.start);
        const { bytesRead } = await (sources[step.source] as FileHandle).read(bytes, 0, bytes.length, step.sourceOffset);
        if (bytesRead !== bytes.length) throw new WholeFile(`a local source of ${job.label} changed while it was read`);
      } else {
        if (!received.has(step.start)) {
          const ranges = requests[next++] ?? [];
          const answer = await fetchRanges(client, job.url, ranges, index.size, (count) => tally(counted, options, count), options.signal);
          received = new Map(answer.map((range) => [range.start, range.bytes]));
        }
        bytes = received.get(step.start) ?? Buffer.alloc(0);
        if (bytes.length !== step.end - step.start) throw new WholeFile(`the server did not send bytes ${step.start}-${step.end - 1} of ${job.label}`);
        assertChunks(bytes, step.start, hashes, index.hashBytes, job.label);
      }
      await part.write(bytes, 0, bytes.length, step.start);
      whole.update(bytes);
      options.onProgress?.({ label: job.label, bytes: step.end, total: index.size });
    }
  } finally {
    await part.close();
  }
  const actual = whole.digest('hex').toUpperCase();
  if (actual !== job.expectedSha256.toUpperCase()) throw new WholeFile(`assembled file has SHA-256 ${actual}, not the manifest's ${job.expectedSha256.toUpperCase()}`);
  await commit(job, 'unsynced');
}

// Bytes received for this file, and for the step's meter (a failed step still reports them).
function tally(counted: { fetched: number }, options: DownloadOptions, bytes: number): void {
  counted.fetched += bytes;
  if (options.meter !== undefined) options.meter.fetched += bytes;
}

// Fetched bytes are checked chunk by chunk: a server file that changed under us stops the assembly early.
function assertChunks(bytes: Buffer, start: number, chunks: ReadonlyMap<number, IndexedChunk>, hashBytes: number, label: string): void {
  for (let at = 0; at < bytes.length; ) {
    const chunk = chunks.get(start + at);
    if (chunk === undefined) throw new WholeFile(`fetched range of ${label} does not start on a chunk`);
    if (chunkHash(bytes.subarray(at, at + chunk.length), hashBytes) !== chunk.hash) throw new WholeFile(`fetched chunk at ${chunk.offset} of ${label} does not match its block index`);
    at += chunk.length;
  }
}
