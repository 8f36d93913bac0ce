// The automatic-pause rule of `fleet serve --pause-when` (DESIGN §13), e.g.
// `failures>=5 || rate>=20%`: parsed once at the edge, then evaluated on each rollout's tally.
// Pure: the fleet service counts, this decides.
import { ConfigError } from '../errors.js';

/** Per rollout version: stations that attempted it, that reached it, that failed it (30/31, CRASH_LOOP). */
export interface RolloutTally {
  attempted: number;
  succeeded: number;
  failed: number;
}

type Metric = 'failures' | 'rate' | 'attempted' | 'succeeded';
type Operator = '>=' | '>' | '<=' | '<' | '==';

/** One comparison, e.g. `rate>=20%` (rate = failed / attempted × 100). */
interface Comparison {
  metric: Metric;
  operator: Operator;
  value: number;
  text: string;
}

/** A parsed rule: OR of ANDs of comparisons (`&&` binds tighter than `||`). */
export interface PauseRule {
  text: string;
  anyOf: Comparison[][];
}

const COMPARISON = /^(failures|rate|attempted|succeeded)\s*(>=|<=|==|>|<)\s*(\d+(?:\.\d+)?)\s*(%?)$/;

/** Parses `--pause-when`; anything else is a usage error naming the part it could not read. */
export function parsePauseRule(text: string): PauseRule {
  const invalid = (why: string): ConfigError =>
    new ConfigError('CONFIG_INVALID', `--pause-when ${JSON.stringify(text)}: ${why}; expected e.g. "failures>=5 || rate>=20%" (metrics: failures, rate, attempted, succeeded; && binds tighter than ||)`, {
      details: { key: 'pauseWhen', value: text },
    });
  if (text.trim() === '') throw invalid('empty');
  const anyOf = text.split('||').map((group) =>
    group.split('&&').map((part): Comparison => {
      const trimmed = part.trim();
      const match = COMPARISON.exec(trimmed);
      if (match === null) throw invalid(`cannot read ${JSON.stringify(trimmed)}`);
      const [, metric, operator, number, percent] = match;
      if (percent === '%' && metric !== 'rate') throw invalid(`only rate takes a %: ${JSON.stringify(trimmed)}`);
      const value = Number(number);
      if (metric === 'rate' && value > 100) throw invalid(`a rate is at most 100 %: ${JSON.stringify(trimmed)}`);
      return { metric: metric as Metric, operator: operator as Operator, value, text: trimmed };
    }),
  );
  return { text: text.trim(), anyOf };
}

function valueOf(metric: Metric, tally: RolloutTally): number {
  switch (metric) {
    case 'failures':
      return tally.failed;
    case 'attempted':
      return tally.attempted;
    case 'succeeded':
      return tally.succeeded;
    case 'rate':
      // No attempt yet is no evidence: a rate rule cannot hold on zero attempts.
      return tally.attempted === 0 ? Number.NaN : (tally.failed / tally.attempted) * 100;
  }
}

function holds({ metric, operator, value }: Comparison, tally: RolloutTally): boolean {
  const actual = valueOf(metric, tally);
  if (Number.isNaN(actual)) return false;
  switch (operator) {
    case '>=':
      return actual >= value;
    case '>':
      return actual > value;
    case '<=':
      return actual <= value;
    case '<':
      return actual < value;
    case '==':
      return actual === value;
  }
}

/** The automatic-pause decision for one rollout: pause or not, and why in words for the page and rollout.json. */
export interface PauseDecision {
  pause: boolean;
  reason?: string;
}

/** Evaluates the rule on a rollout's tally; the reason names the part that held and the figures. */
export function evaluatePauseRule(rule: PauseRule, version: string, tally: RolloutTally): PauseDecision {
  const held = rule.anyOf.find((group) => group.every((comparison) => holds(comparison, tally)));
  if (held === undefined) return { pause: false };
  const rate = tally.attempted === 0 ? 0 : (tally.failed / tally.attempted) * 100;
  return {
    pause: true,
    reason: `paused automatically by the fleet service: ${held.map((c) => c.text).join(' && ')} held for ${version} (${tally.failed} of ${tally.attempted} stations that attempted it failed, ${rate.toFixed(1)} %)`,
  };
}
