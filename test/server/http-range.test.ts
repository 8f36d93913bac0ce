import { describe, expect, it } from 'vitest';
import { decideRange, ifRangeMatches, noneMatchHits, notModifiedSince } from '../../src/server/http-range.js';

const validators = { etag: '"abc"', lastModified: new Date('2024-05-01T10:00:00.750Z') };

describe('decideRange', () => {
  it.each([
    [undefined, { kind: 'full' }],
    ['bytes=0-9', { kind: 'partial', start: 0, end: 9 }],
    ['bytes=10-', { kind: 'partial', start: 10, end: 99 }],
    ['bytes=-10', { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-1000', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=50-1000', { kind: 'partial', start: 50, end: 99 }],
    ['BYTES = 1-2', { kind: 'partial', start: 1, end: 2 }],
    ['bytes=100-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=9-1', { kind: 'full' }],
    ['bytes=0-1,4-5', { kind: 'multipart', ranges: [{ start: 0, end: 1 }, { start: 4, end: 5 }] }],
    ['bytes=0-1,200-300', { kind: 'partial', start: 0, end: 1 }],
    ['bytes=0-5,4-9', { kind: 'full' }],
    ['bytes=10-19,0-5', { kind: 'full' }],
    [`bytes=${Array.from({ length: 65 }, (_, i) => `${i}-${i}`).join(',')}`, { kind: 'full' }],
    ['items=0-9', { kind: 'full' }],
    ['bytes=a-b', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
  ] as const)('%s on 100 bytes → %o', (range, expected) => {
    expect(decideRange(range, undefined, 100, validators)).toEqual(expected);
  });

  it('ignores Range when If-Range names another representation', () => {
    expect(decideRange('bytes=0-9', '"old"', 100, validators)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=0-9', '"abc"', 100, validators)).toEqual({ kind: 'partial', start: 0, end: 9 });
  });
});

describe('conditional headers', () => {
  it('matches If-Range by strong tag or exact date only', () => {
    expect(ifRangeMatches('"abc"', validators)).toBe(true);
    expect(ifRangeMatches('W/"abc"', validators)).toBe(false);
    expect(ifRangeMatches('Wed, 01 May 2024 10:00:00 GMT', validators)).toBe(true);
    expect(ifRangeMatches('Wed, 01 May 2024 10:00:01 GMT', validators)).toBe(false);
    expect(ifRangeMatches('not a date', validators)).toBe(false);
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(noneMatchHits('"x", W/"abc"', '"abc"')).toBe(true);
    expect(noneMatchHits('*', '"abc"')).toBe(true);
    expect(noneMatchHits('"x"', '"abc"')).toBe(false);
  });

  it('compares If-Modified-Since to the second', () => {
    expect(notModifiedSince('Wed, 01 May 2024 10:00:00 GMT', validators.lastModified)).toBe(true);
    expect(notModifiedSince('Wed, 01 May 2024 09:59:59 GMT', validators.lastModified)).toBe(false);
  });
});
