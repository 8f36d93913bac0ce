// The bad-release scenario (npm run rollout-sim): a failing release at 10 % of 10 000 simulated
// stations is paused by the rule before more than 5 % of the fleet attempted it.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, simulateBadRelease } from '../../bench/rollout-sim-engine.js';

describe('bad-release simulation', () => {
  it('pauses a release that fails everywhere after a handful of failures (≤ 5 % of 10 000 attempted)', () => {
    const outcome = simulateBadRelease(DEFAULT_SCENARIO);
    expect(outcome.pausedAtHours).not.toBeNull();
    expect(outcome.attempted).toBeGreaterThanOrEqual(5);
    expect(outcome.attemptedShare).toBeLessThanOrEqual(5);
    // The 10 % share is what the stations' buckets give, within ±1 point over 10 000 ids.
    expect(Math.abs((outcome.included / outcome.stations) * 100 - 10)).toBeLessThanOrEqual(1);
  });

  it('without a pause rule that can hold, the whole share attempts it (the simulation is not rigged)', () => {
    const outcome = simulateBadRelease({ ...DEFAULT_SCENARIO, pauseWhen: 'failures>=100000' });
    expect(outcome.pausedAtHours).toBeNull();
    expect(outcome.attemptedShare).toBeGreaterThan(8);
  });
});
