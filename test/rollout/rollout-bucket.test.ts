// The bucket (DESIGN §13): uniform over station ids, stable per version, monotonic as the share grows.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { effectivePercent, isInRollout, rolloutBucket } from '../../src/rollout/rollout-bucket.js';

const ids = Array.from({ length: 100_000 }, (_, i) => `station-${i.toString(36)}-${(i * 7919) % 100_003}`);
const buckets = ids.map((id) => rolloutBucket(id, '1.2.0.2'));

describe('rolloutBucket', () => {
  it('is uint32(SHA-256(stationId:version)[0..4]) / 2^32 × 100', () => {
    const digest = createHash('sha256').update('3f1c-uuid:1.2.0.2').digest();
    const expected = (((digest[0]! << 24) >>> 0) + (digest[1]! << 16) + (digest[2]! << 8) + digest[3]!) / 4294967296 * 100;
    expect(rolloutBucket('3f1c-uuid', '1.2.0.2')).toBe(expected);
  });

  it.each([1, 5, 10, 25, 50, 90])('includes %i percent of 100 000 station ids, within ±1 point', (percent) => {
    const included = buckets.filter((bucket) => bucket < percent).length;
    expect(Math.abs((included / ids.length) * 100 - percent)).toBeLessThanOrEqual(1);
  });

  it('includes everyone at 100 % and no one at 0 %', () => {
    expect(buckets.every((bucket) => bucket >= 0 && bucket < 100)).toBe(true);
    expect(ids.slice(0, 1000).every((id) => isInRollout(id, '1.2.0.2', 100))).toBe(true);
    expect(ids.slice(0, 1000).some((id) => isInRollout(id, '1.2.0.2', 0))).toBe(false);
  });

  it('only adds stations as the percentage grows', () => {
    let previous = new Set<number>();
    for (const percent of [0, 1, 2.5, 10, 33, 50, 75, 99, 100]) {
      const now = new Set(buckets.flatMap((bucket, index) => (bucket < percent ? [index] : [])));
      expect([...previous].filter((index) => !now.has(index))).toEqual([]);
      expect(now.size).toBeGreaterThanOrEqual(previous.size);
      previous = now;
    }
  });

  it('draws a new sample for a new version', () => {
    const both = ids.filter((id, index) => buckets[index]! < 10 && isInRollout(id, '1.2.0.3', 10)).length;
    // Independent 10 % samples overlap on about 1 % of the ids, not 10 %.
    expect(both / ids.length).toBeLessThan(0.02);
  });
});

describe('effectivePercent', () => {
  it.each([
    [10, {}, undefined, 10],
    [10, { pilot: 100 }, 'pilot', 100],
    [10, { pilot: 100 }, 'other', 10],
    [50, { slow: 5 }, 'slow', 50],
    [10, { pilot: 100 }, '', 10],
  ] as const)('percent %d, channels %j, channel %s → %d', (percent, channels, channel, expected) => {
    expect(effectivePercent(percent, channels, channel)).toBe(expected);
  });
});
