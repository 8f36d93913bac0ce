// How many files to fetch at once when the setting says `auto`: pure policy, no I/O (STYLE: decide,
// then do). A link that answers slowly gains from more requests in flight; a narrow one does not,
// and more connections then only share the same bytes. So: start small, double while the bytes
// received per second grow, step back to the last size that helped once they stop growing, and
// halve on errors (TCP slow start and congestion avoidance, applied to whole files).

/** Bounds of the number of files at once. */
export interface ConcurrencyBounds {
  start: number;
  min: number;
  max: number;
}

/** `auto`: start at 8 (the fixed default before; no loss on a narrow link, BENCHMARKS.md), never under 2, never over 32 connections to one server. */
export const AUTO_CONCURRENCY: ConcurrencyBounds = { start: 8, min: 2, max: 32 };

/** A doubling must raise throughput by this factor to count as a gain (noise on a real link is ±10 %). */
const GAIN = 1.15;

/** A measured stretch of time at one limit: bytes received while `files` files finished. */
export interface Round {
  limit: number;
  bytes: number;
  ms: number;
}

/** Where the policy stands: the limit in force, the last round measured, and whether it stopped probing. */
export interface ConcurrencyState {
  limit: number;
  bounds: ConcurrencyBounds;
  /** The round before the current one (at a smaller limit), when growing. */
  previous?: Round;
  /** No more doubling: the link is full, or it failed. */
  settled: boolean;
}

/** Why the limit changed, for the log. */
export type LimitChange = { limit: number; reason: 'grew' | 'link-full' | 'errors' } | undefined;

/** The starting state; a fixed number is a policy that never moves. */
export function startConcurrency(setting: number | 'auto'): ConcurrencyState {
  const bounds = setting === 'auto' ? AUTO_CONCURRENCY : { start: setting, min: setting, max: setting };
  return { limit: bounds.start, bounds, settled: bounds.min === bounds.max };
}

/** Bytes per millisecond of a round (0 for an empty one). */
function rate(round: Round): number {
  return round.ms > 0 ? round.bytes / round.ms : 0;
}

/**
 * After a round at `state.limit` (at least that many files finished): double while it paid, else
 * go back to the last limit that did and stay there.
 */
export function afterRound(state: ConcurrencyState, round: Round): { state: ConcurrencyState; change: LimitChange } {
  if (state.settled) return { state, change: undefined };
  const { previous, bounds } = state;
  if (previous !== undefined && rate(round) < rate(previous) * GAIN) {
    const limit = Math.max(bounds.min, previous.limit);
    return { state: { ...state, limit, settled: true, previous: undefined }, change: limit === state.limit ? undefined : { limit, reason: 'link-full' } };
  }
  const limit = Math.min(bounds.max, state.limit * 2);
  if (limit === state.limit) return { state: { ...state, settled: true, previous: undefined }, change: undefined };
  return { state: { ...state, limit, previous: round }, change: { limit, reason: 'grew' } };
}

/** A download attempt failed (timeout, reset, 5xx): halve, and probe no further in this batch. */
export function afterFailure(state: ConcurrencyState): { state: ConcurrencyState; change: LimitChange } {
  const limit = Math.max(state.bounds.min, Math.ceil(state.limit / 2));
  const next = { ...state, limit, settled: true, previous: undefined };
  return { state: next, change: limit === state.limit ? undefined : { limit, reason: 'errors' } };
}

/** A limit change in words, for the log: `12 files at once: the link is full`. */
export function describeLimit(limit: number, reason: NonNullable<LimitChange>['reason']): string {
  const why = { grew: 'more at once still brought more bytes per second', 'link-full': 'more at once brought no more bytes per second', errors: 'requests failed' }[reason];
  return `${limit} file(s) at once: ${why}`;
}
