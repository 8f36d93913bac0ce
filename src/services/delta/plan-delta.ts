// Decides how a file is assembled from what the station already has (DESIGN §13): every chunk of
// the new file found in a local source is copied, the rest is fetched with Range requests. Pure
// data from pure functions, like electron-updater's downloadPlanBuilder; the executor takes the plan.
import type { BlockIndex, IndexedChunk } from '../../formats/block-index.js';

/** Where a chunk can be read on the station: source number (its place in the source list) and offset. */
export interface LocalChunk {
  source: number;
  offset: number;
}

/** One step of assembly, in target order; offsets are bytes, `end` exclusive. */
export type AssemblyStep =
  | { kind: 'copy'; source: number; sourceOffset: number; start: number; end: number }
  | { kind: 'fetch'; start: number; end: number };

/** A byte range of the remote file, `end` exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** How one file is got: whole, or assembled. */
export type DeltaPlan =
  | { kind: 'whole'; reason: string }
  | { kind: 'delta'; steps: AssemblyStep[]; requests: ByteRange[][]; fetchBytes: number; reuseBytes: number };

/** Limits of a plan. */
export interface PlanLimits {
  /** Ranges asked for in one request (multipart/byteranges); 1 when the server answers one range at a time. */
  rangesPerRequest: number;
  /** Requests per file at most: beyond, the smallest gaps between ranges are fetched too. */
  maxRequests: number;
  /** A plan that would fetch more than this share of the file fetches it whole. */
  wholeAbove: number;
}

/**
 * Defaults: 16 ranges per request (deploy/nginx.conf's `max_ranges 16`: nginx answers more with the
 * whole file), 64 requests, 80 %. A jar rebuilt with new timestamps changes every entry's local
 * header: one small range per entry (about 200 for a 5 MB jar of 200 classes, 13 requests). 1,024
 * ranges keep that differential up to about a thousand entries; a request costs about half a KiB
 * of headers, while closing a gap fetches a whole entry body.
 */
export const DEFAULT_PLAN_LIMITS: PlanLimits = { rangesPerRequest: 16, maxRequests: 64, wholeAbove: 0.8 };

/** Hash → first place it is found, from sources in priority order (each source: its chunks). */
export function localChunkMap(sources: ReadonlyArray<ReadonlyArray<IndexedChunk>>): Map<string, LocalChunk> {
  const found = new Map<string, LocalChunk>();
  sources.forEach((chunks, source) => {
    for (const chunk of chunks) if (!found.has(chunk.hash)) found.set(chunk.hash, { source, offset: chunk.offset });
  });
  return found;
}

/** Plans the assembly of `target` from `local`; ranges merged, capped, or the whole file when that is cheaper. */
export function planDelta(target: BlockIndex, local: ReadonlyMap<string, LocalChunk>, limits: PlanLimits = DEFAULT_PLAN_LIMITS): DeltaPlan {
  if (target.size === 0) return { kind: 'whole', reason: 'the file is empty' };
  const fetched = capRanges(missingRanges(target.chunks, local), limits.rangesPerRequest * limits.maxRequests);
  const fetchBytes = fetched.reduce((sum, range) => sum + range.end - range.start, 0);
  if (fetchBytes > limits.wholeAbove * target.size) {
    return { kind: 'whole', reason: `${fetchBytes} of ${target.size} bytes are not on the station` };
  }
  const steps = assemblySteps(target.chunks, local, fetched);
  const requests: ByteRange[][] = [];
  for (let index = 0; index < fetched.length; index += limits.rangesPerRequest) requests.push(fetched.slice(index, index + limits.rangesPerRequest));
  return { kind: 'delta', steps, requests, fetchBytes, reuseBytes: target.size - fetchBytes };
}

// The target's chunks that no source holds, adjacent ones merged.
function missingRanges(chunks: readonly IndexedChunk[], local: ReadonlyMap<string, LocalChunk>): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (const chunk of chunks) {
    if (local.has(chunk.hash)) continue;
    const last = ranges.at(-1);
    if (last?.end === chunk.offset) last.end += chunk.length;
    else ranges.push({ start: chunk.offset, end: chunk.offset + chunk.length });
  }
  return ranges;
}

// At most `cap` ranges: the smallest gaps between neighbours are closed (fetched rather than copied).
function capRanges(ranges: ByteRange[], cap: number): ByteRange[] {
  if (ranges.length <= cap) return ranges;
  const gaps = ranges.slice(1).map((range, index) => ({ index, size: range.start - (ranges[index] as ByteRange).end }));
  const closed = new Set(gaps.sort((a, b) => a.size - b.size || a.index - b.index).slice(0, ranges.length - cap).map((gap) => gap.index));
  const merged: ByteRange[] = [];
  ranges.forEach((range, index) => {
    const last = merged.at(-1);
    if (last !== undefined && closed.has(index - 1)) last.end = range.end;
    else merged.push({ ...range });
  });
  return merged;
}

// Target order: fetched ranges as planned, every other chunk copied (neighbouring copies merged).
function assemblySteps(chunks: readonly IndexedChunk[], local: ReadonlyMap<string, LocalChunk>, fetched: readonly ByteRange[]): AssemblyStep[] {
  const steps: AssemblyStep[] = [];
  let next = 0;
  for (const chunk of chunks) {
    const end = chunk.offset + chunk.length;
    while (next < fetched.length && (fetched[next] as ByteRange).end <= chunk.offset) next += 1;
    const range = fetched[next];
    if (range !== undefined && range.start <= chunk.offset) {
      if (range.start === chunk.offset) steps.push({ kind: 'fetch', start: range.start, end: range.end });
      continue;
    }
    const from = local.get(chunk.hash) as LocalChunk;
    const last = steps.at(-1);
    if (last?.kind === 'copy' && last.source === from.source && last.end === chunk.offset && last.sourceOffset + (last.end - last.start) === from.offset) {
      last.end = end;
    } else {
      steps.push({ kind: 'copy', source: from.source, sourceOffset: from.offset, start: chunk.offset, end });
    }
  }
  return steps;
}
