import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BlockIndex } from '../../../src/formats/block-index.js';
import { DEFAULT_CHUNK_PARAMS } from '../../../src/formats/fastcdc.js';
import { localChunkMap, planDelta, type LocalChunk, type PlanLimits } from '../../../src/services/delta/plan-delta.js';

// A target of named chunks of the given lengths; a chunk's "hash" is its name.
function target(...chunks: Array<[string, number]>): BlockIndex {
  let offset = 0;
  const indexed = chunks.map(([hash, length]) => {
    const chunk = { hash, length, offset };
    offset += length;
    return chunk;
  });
  return { params: DEFAULT_CHUNK_PARAMS, segmentation: 'plain', hashBytes: 32, size: offset, chunks: indexed };
}

// Local chunks: name → [source, offset].
const local = (entries: Record<string, [number, number]>): Map<string, LocalChunk> =>
  new Map(Object.entries(entries).map(([hash, [source, offset]]) => [hash, { source, offset }]));

const limits = (rangesPerRequest: number, maxRequests: number, wholeAbove = 0.8): PlanLimits => ({ rangesPerRequest, maxRequests, wholeAbove });

describe('planDelta', () => {
  it.each([
    {
      name: 'everything local and contiguous: one copy, nothing fetched',
      target: target(['a', 10], ['b', 20], ['c', 30]),
      local: local({ a: [0, 100], b: [0, 110], c: [0, 130] }),
      plan: { kind: 'delta', fetchBytes: 0, reuseBytes: 60, requests: [], steps: [{ kind: 'copy', source: 0, sourceOffset: 100, start: 0, end: 60 }] },
    },
    {
      name: 'one changed chunk in the middle: copy, fetch, copy',
      target: target(['a', 10], ['x', 20], ['c', 30]),
      local: local({ a: [0, 0], c: [0, 40] }),
      plan: {
        kind: 'delta',
        fetchBytes: 20,
        reuseBytes: 40,
        requests: [[{ start: 10, end: 30 }]],
        steps: [
          { kind: 'copy', source: 0, sourceOffset: 0, start: 0, end: 10 },
          { kind: 'fetch', start: 10, end: 30 },
          { kind: 'copy', source: 0, sourceOffset: 40, start: 30, end: 60 },
        ],
      },
    },
    {
      name: 'adjacent missing chunks merge into one range; chunks from two sources stay two copies',
      target: target(['a', 50], ['b', 50], ['x', 10], ['y', 10], ['c', 80]),
      local: local({ a: [1, 0], b: [0, 50], c: [0, 100] }),
      plan: {
        kind: 'delta',
        fetchBytes: 20,
        reuseBytes: 180,
        requests: [[{ start: 100, end: 120 }]],
        steps: [
          { kind: 'copy', source: 1, sourceOffset: 0, start: 0, end: 50 },
          { kind: 'copy', source: 0, sourceOffset: 50, start: 50, end: 100 },
          { kind: 'fetch', start: 100, end: 120 },
          { kind: 'copy', source: 0, sourceOffset: 100, start: 120, end: 200 },
        ],
      },
    },
    {
      name: 'a chunk moved in the source: contiguous in the target, not in the source, two copies',
      target: target(['a', 10], ['b', 10]),
      local: local({ a: [0, 30], b: [0, 0] }),
      plan: {
        kind: 'delta',
        fetchBytes: 0,
        reuseBytes: 20,
        requests: [],
        steps: [
          { kind: 'copy', source: 0, sourceOffset: 30, start: 0, end: 10 },
          { kind: 'copy', source: 0, sourceOffset: 0, start: 10, end: 20 },
        ],
      },
    },
    { name: 'nothing local: whole', target: target(['a', 10]), local: local({}), plan: { kind: 'whole' } },
    { name: 'more than 80 % missing: whole', target: target(['a', 19], ['x', 81]), local: local({ a: [0, 0] }), plan: { kind: 'whole' } },
    { name: 'an empty file: whole', target: target(), local: local({}), plan: { kind: 'whole' } },
  ])('$name', ({ target: index, local: found, plan }) => {
    expect(planDelta(index, found)).toMatchObject(plan);
  });

  it('fetches exactly 80 % by ranges, not whole', () => {
    expect(planDelta(target(['a', 20], ['x', 80]), local({ a: [0, 0] })).kind).toBe('delta');
  });

  it('groups ranges per request and caps the requests by closing the smallest gaps', () => {
    // Missing: x1..x5, separated by gaps of 5, 1, 3, 2 bytes.
    const index = target(['x1', 10], ['g1', 5], ['x2', 10], ['g2', 1], ['x3', 10], ['g3', 3], ['x4', 10], ['g4', 2], ['x5', 10], ['tail', 200]);
    const found = local({ g1: [0, 0], g2: [0, 5], g3: [0, 6], g4: [0, 9], tail: [0, 11] });
    const grouped = planDelta(index, found, limits(2, 10));
    expect(grouped.kind === 'delta' && grouped.requests.map((request) => request.length)).toEqual([2, 2, 1]);
    const capped = planDelta(index, found, limits(1, 3));
    if (capped.kind !== 'delta') throw new Error('expected a delta plan');
    // Gaps of 1 and 2 bytes closed: x2+g2+x3 and x4+g4+x5 are fetched as one range each.
    expect(capped.requests).toEqual([[{ start: 0, end: 10 }], [{ start: 15, end: 36 }], [{ start: 39, end: 61 }]]);
    expect(capped.fetchBytes).toBe(53);
    expect(capped.steps.filter((step) => step.kind === 'copy').map((step) => [step.start, step.end])).toEqual([
      [10, 15],
      [36, 39],
      [61, 261],
    ]);
  });

  it('always covers the file exactly once, in order, with fetched + reused = size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ length: fc.integer({ min: 1, max: 50 }), local: fc.boolean() }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        (chunks, perRequest, maxRequests) => {
          const index = target(...chunks.map((chunk, i): [string, number] => [`c${i}`, chunk.length]));
          const found = localChunkMap([index.chunks.filter((_, i) => chunks[i]?.local === true)]);
          const plan = planDelta(index, found, limits(perRequest, maxRequests, 1));
          if (plan.kind === 'whole') return;
          let at = 0;
          for (const step of plan.steps) {
            expect(step.start).toBe(at);
            at = step.end;
          }
          expect(at).toBe(index.size);
          expect(plan.fetchBytes + plan.reuseBytes).toBe(index.size);
          expect(plan.requests.length).toBeLessThanOrEqual(maxRequests);
          expect(plan.requests.flat()).toEqual(plan.steps.filter((step) => step.kind === 'fetch').map(({ start, end }) => ({ start, end })));
        },
      ),
    );
  });

  it('localChunkMap keeps the first source that has a chunk', () => {
    const one = target(['a', 10], ['b', 10]).chunks;
    const two = target(['b', 5], ['a', 10]).chunks;
    expect(localChunkMap([one, two])).toEqual(local({ a: [0, 0], b: [0, 10] }));
    expect(localChunkMap([two, one])).toEqual(local({ b: [0, 0], a: [0, 5] }));
  });

  it('a jar rebuilt with new timestamps (every local header changed) stays differential under the default limits', () => {
    // 200 entries: a 54-byte header that changed, then an unchanged 25 KiB body; then a changed 17 KiB directory.
    const chunks: Array<[string, number]> = [];
    const found: Record<string, [number, number]> = {};
    for (let entry = 0; entry < 200; entry += 1) {
      chunks.push([`header${entry}`, 54], [`body${entry}`, 25_000]);
      found[`body${entry}`] = [0, entry * 25_100];
    }
    chunks.push(['directory', 17_000]);
    const plan = planDelta(target(...chunks), local(found));
    expect(plan.kind).toBe('delta');
    if (plan.kind !== 'delta') return;
    // 201 ranges in 13 requests of at most 16: no body is fetched to stay under the cap.
    expect(plan.requests.length).toBe(13);
    expect(plan.requests.every((request) => request.length <= 16)).toBe(true);
    expect(plan.fetchBytes).toBe(200 * 54 + 17_000);
  });
});
