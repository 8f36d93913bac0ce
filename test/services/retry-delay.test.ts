import { Options, RequestError } from 'got';
import { describe, expect, it } from 'vitest';
import { IntegrityError, NetworkError } from '../../src/errors.js';
import { retryPolicy, SETTINGS } from '../../src/config/settings.js';
import { isRetryable, retryDelay, type RetryPolicy } from '../../src/services/retry-delay.js';

const policy: RetryPolicy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
const constant = (value: number) => () => value;

describe('retryDelay', () => {
  it.each([
    // attempt, random, expected: ceiling = min(1000, 100·2^(attempt−1)); delay = ceiling/2 + random·ceiling/2
    [1, 0, 50],
    [1, 0.5, 75],
    [1, 1, 100],
    [2, 0, 100],
    [2, 1, 200],
    [3, 0.25, 250],
    [4, 1, 800],
    [5, 0, 500], // ceiling capped at 1000
    [5, 1, 1_000],
    [60, 1, 1_000],
    [5_000, 0.5, 750], // 2^4999 would be Infinity: the cap still holds
  ])('attempt %i with random %d waits %i ms', (attempt, random, expected) => {
    expect(retryDelay(attempt, policy, constant(random))).toBe(expected);
  });

  it('stays within [ceiling/2, ceiling] and never above maxDelayMs', () => {
    for (let attempt = 1; attempt <= 30; attempt += 1) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      for (const r of [0, 0.1, 0.37, 0.5, 0.99, 0.999999]) {
        const delay = retryDelay(attempt, policy, constant(r));
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(Math.min(ceiling, policy.maxDelayMs));
      }
    }
  });

  it('grows its ceiling monotonically up to the cap', () => {
    const ceilings = Array.from({ length: 20 }, (_, i) => retryDelay(i + 1, policy, constant(1)));
    for (let i = 1; i < ceilings.length; i += 1) expect(ceilings[i]).toBeGreaterThanOrEqual(ceilings[i - 1] ?? 0);
    expect(ceilings.at(-1)).toBe(policy.maxDelayMs);
  });

  it('uses the injected random source for jitter', () => {
    const values = [0.1, 0.9];
    const random = () => values.shift() ?? 0;
    expect(retryDelay(3, policy, random)).toBe(220);
    expect(retryDelay(3, policy, random)).toBe(380);
  });

  it.each([
    [{ retries: 3, baseDelayMs: 0, maxDelayMs: 1_000 }, 0],
    [{ retries: 3, baseDelayMs: 100, maxDelayMs: 0 }, 0],
    [{ retries: 3, baseDelayMs: 5_000, maxDelayMs: 1_000 }, 1_000], // base above the cap
  ])('handles degenerate policy %j', (p, expected) => {
    expect(retryDelay(2, p, constant(1))).toBe(expected);
  });

  it('clamps a random source outside [0, 1]', () => {
    expect(retryDelay(1, policy, constant(-3))).toBe(50);
    expect(retryDelay(1, policy, constant(7))).toBe(100);
    expect(retryDelay(1, policy, constant(Number.NaN))).toBe(50);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects attempt %d', (attempt) => {
    expect(() => retryDelay(attempt, policy, Math.random)).toThrow(RangeError);
  });

  it("the settings' default policy retries a few times over about a minute", () => {
    const defaults = retryPolicy({ retries: SETTINGS.retries.default });
    expect(defaults.retries).toBeGreaterThanOrEqual(3);
    const worst = Array.from({ length: defaults.retries }, (_, i) =>
      retryDelay(i + 1, defaults, constant(1)),
    ).reduce((a, b) => a + b, 0);
    expect(worst).toBeLessThanOrEqual(120_000);
  });
});

const withCode = (code: string): Error => Object.assign(new Error(code), { code });
const httpStatus = (status: number) => new NetworkError('DOWNLOAD_FAILED', `HTTP ${status}`, { details: { status } });

describe('isRetryable', () => {
  it.each([
    ['ECONNRESET', withCode('ECONNRESET'), true],
    ['ECONNREFUSED', withCode('ECONNREFUSED'), true],
    ['ETIMEDOUT', withCode('ETIMEDOUT'), true],
    ['EAI_AGAIN', withCode('EAI_AGAIN'), true],
    ['premature close', withCode('ERR_STREAM_PREMATURE_CLOSE'), true],
    ['got RequestError wrapping a reset', new RequestError('read ECONNRESET', withCode('ECONNRESET'), new Options()), true],
    ['HTTP 500', httpStatus(500), true],
    ['HTTP 503', httpStatus(503), true],
    ['HTTP 429', httpStatus(429), true],
    ['HTTP 408', httpStatus(408), true],
    ['HTTP 404', httpStatus(404), false],
    ['HTTP 403', httpStatus(403), false],
    ['HTTP 416', httpStatus(416), false],
    ['hash mismatch', new IntegrityError('HASH_MISMATCH', 'bad'), false],
    ['disk full', withCode('ENOSPC'), false],
    ['abort', Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ETIMEDOUT' }), false],
    ['cause chain', new Error('outer', { cause: withCode('ECONNRESET') }), true],
    ['a broken read still carrying its 200 response', Object.assign(withCode('ECONNRESET'), { response: { statusCode: 200 } }), true],
    ['a plain string', 'boom', false],
    ['undefined', undefined, false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });

  it('terminates on a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(isRetryable(a)).toBe(false);
  });
});
