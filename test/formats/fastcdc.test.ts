import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkBuffer, DEFAULT_CHUNK_PARAMS, validChunkParams, type ChunkSpan } from '../../src/formats/fastcdc.js';
import { mulberry32 } from '../helpers/random.js';

function seeded(size: number, seed: number): Buffer {
  const random = mulberry32(seed);
  return Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)));
}

const contents = (data: Buffer, spans: ChunkSpan[]): Set<string> => new Set(spans.map((s) => data.toString('hex', s.offset, s.offset + s.length)));

describe('chunkBuffer (FastCDC)', () => {
  it('covers the input exactly, in order, each chunk within min..max but the last', () => {
    const data = seeded(1_000_000, 1);
    const spans = chunkBuffer(data);
    let offset = 0;
    for (const [index, span] of spans.entries()) {
      expect(span.offset).toBe(offset);
      expect(span.length).toBeLessThanOrEqual(DEFAULT_CHUNK_PARAMS.max);
      if (index < spans.length - 1) expect(span.length).toBeGreaterThan(DEFAULT_CHUNK_PARAMS.min);
      offset += span.length;
    }
    expect(offset).toBe(data.length);
    // Normalized chunking keeps the mean near the target average.
    const mean = data.length / spans.length;
    expect(mean).toBeGreaterThan(DEFAULT_CHUNK_PARAMS.avg * 0.6);
    expect(mean).toBeLessThan(DEFAULT_CHUNK_PARAMS.avg * 1.6);
  });

  it('is deterministic: the same bytes give the same cut points (the table is part of the format)', () => {
    const data = seeded(300_000, 7);
    expect(chunkBuffer(data)).toEqual(chunkBuffer(Buffer.from(data)));
    // Pinned: a change to the gear table or the masks would orphan every published index.
    expect(chunkBuffer(data, { min: 4096, avg: 16384, max: 65536 }).slice(0, 3).map((s) => s.length)).toEqual([31026, 12061, 21473]);
  });

  it('keeps almost every chunk when bytes are inserted or removed in the middle', () => {
    const data = seeded(800_000, 3);
    const inserted = Buffer.concat([data.subarray(0, 400_000), randomBytes(1234), data.subarray(400_000)]);
    const removed = Buffer.concat([data.subarray(0, 200_000), data.subarray(205_000)]);
    const before = chunkBuffer(data);
    for (const changed of [inserted, removed]) {
      const after = chunkBuffer(changed);
      const known = contents(data, before);
      const kept = after.filter((s) => known.has(changed.toString('hex', s.offset, s.offset + s.length)));
      expect(kept.length).toBeGreaterThanOrEqual(after.length - 4);
    }
  });

  it('handles empty, tiny and all-zero inputs', () => {
    expect(chunkBuffer(Buffer.alloc(0))).toEqual([]);
    expect(chunkBuffer(Buffer.from('abc'))).toEqual([{ offset: 0, length: 3 }]);
    const zeros = chunkBuffer(Buffer.alloc(200_000));
    expect(zeros.every((s, i) => i === zeros.length - 1 || s.length === DEFAULT_CHUNK_PARAMS.max)).toBe(true);
  });

  it.each([
    [{ min: 4096, avg: 16384, max: 65536 }, true],
    [{ min: 32, avg: 64, max: 128 }, false],
    [{ min: 4096, avg: 10000, max: 65536 }, false],
    [{ min: 8192, avg: 4096, max: 65536 }, false],
    [{ min: 4096, avg: 16384, max: 8 * 1024 * 1024 }, false],
    [{ min: 4096.5, avg: 16384, max: 65536 }, false],
  ])('validChunkParams(%o) is %s', (params, valid) => {
    expect(validChunkParams(params)).toBe(valid);
    if (!valid) expect(() => chunkBuffer(Buffer.alloc(10), params)).toThrow(RangeError);
  });
});
