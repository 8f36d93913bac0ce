// When to try again and how long to wait: pure policy, no I/O (STYLE: decide, then do).
import { IntegrityError, UpgradeError } from '../errors.js';

/** How often and how patiently a network operation is retried (the product's one policy: `retryPolicy` in settings). */
export interface RetryPolicy {
  /** Retries after the first attempt (0 = try once). */
  retries: number;
  /** Ceiling of the first delay; the ceiling doubles on every further attempt. */
  baseDelayMs: number;
  /** No delay is ever longer than this. */
  maxDelayMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): exponential backoff with "equal jitter", capped.
 * The ceiling is min(maxDelayMs, baseDelayMs·2^(attempt−1)); the delay lies in [ceiling/2, ceiling],
 * so stations that failed together spread out, yet none hammers a struggling server with ~0 ms
 * retries (what full jitter allows).
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`retry attempt must be an integer ≥ 1, got ${attempt}`);
  }
  const base = Math.max(0, policy.baseDelayMs);
  const max = Math.max(0, policy.maxDelayMs);
  if (base === 0 || max === 0) return 0;
  // 2^1024 is Infinity; min() keeps the cap meaningful for any attempt number.
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt - 1, 1_000));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling / 2 + (ceiling / 2) * (Number.isFinite(r) ? r : 0));
}

// Transport failures worth another try: the link or the server hiccuped, the request itself is fine.
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND', // DNS on a flaky uplink fails transiently as often as for good
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EADDRINUSE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP_CONTENT_LENGTH_MISMATCH',
]);

/** HTTP statuses worth another try: server errors, throttling, request timeout. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * Whether an error is transient. Yes: connection reset/refused, DNS hiccups, timeouts, premature
 * close, HTTP 5xx/408/429. No: other 4xx (404, 403 — the URL or credentials are wrong, asking again
 * will not help), integrity failures (handled by their own single re-download), aborts, and
 * anything unrecognised (local disk errors such as ENOSPC must surface, not loop).
 */
export function isRetryable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    if (current instanceof IntegrityError) return false;
    if (current instanceof Error && current.name === 'AbortError') return false;
    const status = statusOf(current);
    // Only error statuses decide: a read that broke mid-body still carries its 200/206 response.
    if (status !== undefined && status >= 400) return isRetryableStatus(status);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

// An HTTP status carried by our own errors (details.status) or by got's HTTPError (response.statusCode).
function statusOf(error: object): number | undefined {
  if (error instanceof UpgradeError) {
    const status = error.details['status'];
    return typeof status === 'number' ? status : undefined;
  }
  const response = (error as { response?: { statusCode?: unknown } }).response;
  const status = response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
