// The automatic-pause rule (`fleet serve --pause-when`): parsed strictly, evaluated on tallies.
import { describe, expect, it } from 'vitest';
import { evaluatePauseRule, parsePauseRule, type RolloutTally } from '../../src/rollout/pause-rule.js';

const tally = (attempted: number, failed: number, succeeded = attempted - failed): RolloutTally => ({ attempted, failed, succeeded });

describe('parsePauseRule', () => {
  it("reads the issue's rule", () => {
    expect(parsePauseRule('failures>=5 || rate>=20%').anyOf).toEqual([
      [{ metric: 'failures', operator: '>=', value: 5, text: 'failures>=5' }],
      [{ metric: 'rate', operator: '>=', value: 20, text: 'rate>=20%' }],
    ]);
  });

  it.each(['', 'failures', 'failures>=x', 'errors>=5', 'failures>=5 ||', 'failures>=5%', 'rate>=120%', 'failures=>5', 'rate>=20% | failures>3'])(
    'refuses %j with CONFIG_INVALID (64)',
    (text) => {
      expect(() => parsePauseRule(text)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', exitCode: 64 }) as Error);
    },
  );
});

describe('evaluatePauseRule', () => {
  const rule = parsePauseRule('failures>=5 || rate>=20%');

  it.each([
    [tally(0, 0), false],
    [tally(100, 4), false],
    [tally(100, 5), true],
    [tally(10, 2), true],
    [tally(11, 2), false],
    [tally(3, 3), true],
  ] as const)('%j → pause %s', (counts, pause) => {
    expect(evaluatePauseRule(rule, '1.2.0.2', counts).pause).toBe(pause);
  });

  it('binds && tighter than || and needs every part of a group', () => {
    const both = parsePauseRule('attempted>=20 && rate>=50% || failures>=100');
    expect(evaluatePauseRule(both, 'v', tally(10, 10)).pause).toBe(false);
    expect(evaluatePauseRule(both, 'v', tally(20, 10)).pause).toBe(true);
    expect(evaluatePauseRule(both, 'v', tally(1000, 100)).pause).toBe(true);
  });

  it('never holds a rate on zero attempts', () => {
    expect(evaluatePauseRule(parsePauseRule('rate>=0%'), 'v', tally(0, 0)).pause).toBe(false);
  });

  it('says which part held, with the figures', () => {
    expect(evaluatePauseRule(rule, '1.2.0.2', tally(12, 5)).reason).toBe(
      'paused automatically by the fleet service: failures>=5 held for 1.2.0.2 (5 of 12 stations that attempted it failed, 41.7 %)',
    );
  });
});
