import { describe, expect, it } from 'vitest';
import { afterFailure, afterRound, AUTO_CONCURRENCY, describeLimit, startConcurrency, type ConcurrencyState, type Round } from '../../src/services/adaptive-concurrency.js';

// Plays rounds where the link gives `rateAt(limit)` bytes per ms; returns the limits in force, in order.
function play(setting: number | 'auto', rateAt: (limit: number) => number, rounds = 8): number[] {
  let state: ConcurrencyState = startConcurrency(setting);
  const limits = [state.limit];
  for (let i = 0; i < rounds; i += 1) {
    const round: Round = { limit: state.limit, bytes: rateAt(state.limit) * 100, ms: 100 };
    state = afterRound(state, round).state;
    limits.push(state.limit);
  }
  return limits;
}

describe('adaptive concurrency', () => {
  it.each([
    // a link that answers slowly: each file waits, so throughput grows with the files in flight
    ['latency-bound: doubles up to the ceiling', (limit: number) => limit * 10, [8, 16, 32, 32, 32]],
    // a narrow link: 8 at once already fill it, 16 bring nothing: back to 8 and stay
    ['bandwidth-bound: back to 8', () => 2000, [8, 16, 8, 8, 8]],
    // full at 16: the doubling to 32 brings less than 15 % more
    ['full at 16: settles on 16', (limit: number) => Math.min(limit, 16) * 10 + (limit > 16 ? 5 : 0), [8, 16, 32, 16, 16]],
    // a link that gets worse with more connections (a proxy that throttles them)
    ['worse with more: back to 8', (limit: number) => (limit > 8 ? 500 : 1000), [8, 16, 8, 8, 8]],
  ])('%s', (_name, rateAt, expected) => {
    expect(play('auto', rateAt).slice(0, expected.length)).toEqual(expected);
  });

  it('a fixed number never moves, whatever the link or errors', () => {
    expect(play(6, (limit) => limit * 10)).toEqual(Array.from({ length: 9 }, () => 6));
    const failed = afterFailure(startConcurrency(6));
    expect([failed.state.limit, failed.change]).toEqual([6, undefined]);
  });

  it('halves on a failure, never under the floor, and probes no further', () => {
    let state = startConcurrency('auto');
    state = afterRound(state, { limit: 8, bytes: 100, ms: 10 }).state;
    state = afterRound(state, { limit: 16, bytes: 400, ms: 10 }).state;
    expect(state.limit).toBe(32);
    const failed = afterFailure(state);
    expect(failed.change).toEqual({ limit: 16, reason: 'errors' });
    expect(afterRound(failed.state, { limit: 16, bytes: 10_000, ms: 1 }).state.limit).toBe(16);
    let low = afterFailure(startConcurrency('auto')).state;
    low = afterFailure(low).state;
    expect(low.limit).toBe(AUTO_CONCURRENCY.min);
  });

  it('reports each change with its reason, in words for the log', () => {
    const start = startConcurrency('auto');
    const grew = afterRound(start, { limit: 8, bytes: 100, ms: 10 });
    expect(grew.change).toEqual({ limit: 16, reason: 'grew' });
    const full = afterRound(grew.state, { limit: 16, bytes: 100, ms: 10 });
    expect(full.change).toEqual({ limit: 8, reason: 'link-full' });
    expect(describeLimit(4, 'link-full')).toBe('4 file(s) at once: more at once brought no more bytes per second');
  });
});
