// FastCDC content-defined chunking (Xia et al., USENIX ATC 2016: gear hash, sub-minimum skip,
// normalized chunking). Cut points depend on the bytes just before them, not on offsets, so an
// insertion moves only the chunks around it: what lets a station find an old jar's unchanged
// entries inside a new jar. The gear table is part of the block index format: never change it.
import { createHash } from 'node:crypto';

/** Chunk size bounds, in bytes; a block index records the ones it was built with. */
export interface ChunkParams {
  min: number;
  avg: number;
  max: number;
}

/** The parameters publish uses: about 8 KiB per chunk (fewest bytes for a one-class hotfix of a 5 MB jar, index included; see BENCHMARKS.md). */
export const DEFAULT_CHUNK_PARAMS: ChunkParams = { min: 2 * 1024, avg: 8 * 1024, max: 32 * 1024 };

/** One chunk of a buffer. */
export interface ChunkSpan {
  offset: number;
  length: number;
}

// 256 pseudo-random 32-bit values, derived from SHA-256 so that every build computes the same table.
const GEAR: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index += 1) {
    table[index] = createHash('sha256').update(`reg-client-upgrader fastcdc gear ${index}`).digest().readUInt32BE(0);
  }
  return table;
})();

/** True when the bounds are usable: 64 ≤ min ≤ avg ≤ max ≤ 4 MiB, avg a power of two. */
export function validChunkParams(params: ChunkParams): boolean {
  const { min, avg, max } = params;
  const whole = [min, avg, max].every((value) => Number.isInteger(value));
  return whole && min >= 64 && min <= avg && avg <= max && max <= 4 * 1024 * 1024 && (avg & (avg - 1)) === 0;
}

// The top `bits` bits of a 32-bit word: the gear hash's high bits see the widest window of bytes.
function topBits(bits: number): number {
  return bits <= 0 ? 0 : (0xffffffff << (32 - Math.min(bits, 32))) >>> 0;
}

/** Splits `data` into content-defined chunks covering it exactly, in order. */
export function chunkBuffer(data: Uint8Array, params: ChunkParams = DEFAULT_CHUNK_PARAMS): ChunkSpan[] {
  if (!validChunkParams(params)) throw new RangeError(`invalid chunk parameters ${JSON.stringify(params)}`);
  const bits = Math.log2(params.avg);
  // Normalized chunking, level 2: harder to cut before the average size, easier after it.
  const maskSmall = topBits(bits + 2);
  const maskLarge = topBits(bits - 2);
  const spans: ChunkSpan[] = [];
  let offset = 0;
  while (offset < data.length) {
    const length = cutPoint(data, offset, params, maskSmall, maskLarge);
    spans.push({ offset, length });
    offset += length;
  }
  return spans;
}

/** Chunks `data` as chunkBuffer does, each segment between sorted `cuts` apart and from its own start: no chunk crosses a cut. */
export function chunkSegments(data: Uint8Array, cuts: readonly number[], params: ChunkParams = DEFAULT_CHUNK_PARAMS): ChunkSpan[] {
  const spans: ChunkSpan[] = [];
  let start = 0;
  for (const end of [...cuts.filter((cut) => cut > 0 && cut < data.length), data.length]) {
    if (end <= start) continue;
    for (const span of chunkBuffer(data.subarray(start, end), params)) spans.push({ offset: start + span.offset, length: span.length });
    start = end;
  }
  return spans;
}

// Length of the chunk that starts at `start`.
function cutPoint(data: Uint8Array, start: number, params: ChunkParams, maskSmall: number, maskLarge: number): number {
  const remaining = data.length - start;
  if (remaining <= params.min) return remaining;
  const limit = Math.min(remaining, params.max);
  const normal = Math.min(limit, params.avg);
  let hash = 0;
  let index = params.min;
  for (; index < normal; index += 1) {
    hash = ((hash << 1) + (GEAR[data[start + index] as number] as number)) >>> 0;
    if ((hash & maskSmall) === 0) return index + 1;
  }
  for (; index < limit; index += 1) {
    hash = ((hash << 1) + (GEAR[data[start + index] as number] as number)) >>> 0;
    if ((hash & maskLarge) === 0) return index + 1;
  }
  return limit;
}
