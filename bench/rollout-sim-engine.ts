// The bad-release scenario of the staged rollout (DESIGN §13), simulated: thousands of stations
// launching through the day, a release at a small share whose DB script fails everywhere, the
// fleet service tallying reports and pausing by rule. The decisions are the product's own code:
// the station's bucket and the document rules (decideRollout on real rollout.json bytes), the
// fleet's tally and the pause rule. Only time, launches and the network are simulated.
import { decideRollout } from '../src/rollout/decide-rollout.js';
import { evaluatePauseRule, parsePauseRule } from '../src/rollout/pause-rule.js';
import { rolloutBucket } from '../src/rollout/rollout-bucket.js';
import { serializeRolloutDocument, type RolloutDocument } from '../src/rollout/rollout-document.js';
import { tallyRollouts, type RolloutReport } from '../src/rollout/tally-rollout.js';
import { mulberry32 } from './mulberry32.js';

/** The scenario's knobs; every one has a default that models a national deployment's day. */
export interface BadReleaseScenario {
  stations: number;
  percent: number;
  pauseWhen: string;
  /** Simulated horizon, hours. */
  hours: number;
  /** Hours between a station's launches (each station starts at a random phase). */
  launchEveryHours: number;
  /** Chance a launch is offline (no fetch, no report). */
  offlineShare: number;
  /** Chance an offered operator presses upgrade at that launch (else at a later one). */
  upgradeShare: number;
  /** Minutes from pressing upgrade to the failing run's report reaching the fleet service. */
  reportAfterMinutes: number;
  seed: number;
}

export const DEFAULT_SCENARIO: BadReleaseScenario = {
  stations: 10_000,
  percent: 10,
  pauseWhen: 'failures>=5 || rate>=20%',
  hours: 72,
  launchEveryHours: 8,
  offlineShare: 0.2,
  upgradeShare: 0.5,
  reportAfterMinutes: 10,
  seed: 20261202,
};

/** What happened. */
export interface BadReleaseOutcome {
  stations: number;
  /** Stations the share includes (by their bucket). */
  included: number;
  /** Stations that attempted the failing release (before and after the pause: in-flight runs count). */
  attempted: number;
  attemptedShare: number;
  /** Hours after publication when the fleet service paused the rollout; null when it never did. */
  pausedAtHours: number | null;
  reason: string | null;
}

/** Runs the scenario; pure and deterministic for a seed. */
export function simulateBadRelease(scenario: BadReleaseScenario = DEFAULT_SCENARIO): BadReleaseOutcome {
  const rand = mulberry32(scenario.seed);
  const rule = parsePauseRule(scenario.pauseWhen);
  const version = '1.2.0.2';
  let document: RolloutDocument = { version, percent: scenario.percent, paused: false, channels: {}, serial: 1 };
  let body = serializeRolloutDocument(document);
  const ids = Array.from({ length: scenario.stations }, (_, i) => `${i.toString(16)}-${Math.floor(rand() * 2 ** 32).toString(16)}`);
  const launches: Array<{ at: number; station: number }> = [];
  ids.forEach((_, station) => {
    for (let at = rand() * scenario.launchEveryHours; at < scenario.hours; at += scenario.launchEveryHours) launches.push({ at, station });
  });
  launches.sort((a, b) => a.at - b.at);
  const reports: RolloutReport[] = [];
  const inFlight: Array<{ arrives: number; report: RolloutReport }> = [];
  const attempted = new Set<number>();
  let pausedAt: number | null = null;
  let reason: string | null = null;
  const deliverUntil = (time: number) => {
    while (inFlight.length > 0 && inFlight[0]!.arrives <= time) {
      const { arrives, report } = inFlight.shift()!;
      reports.push(report);
      if (document.paused) continue;
      const decision = evaluatePauseRule(rule, version, tallyRollouts(reports).get(version) ?? { attempted: 0, succeeded: 0, failed: 0 });
      if (decision.pause) {
        document = { ...document, paused: true, serial: document.serial + 1, ...(decision.reason === undefined ? {} : { reason: decision.reason }) };
        body = serializeRolloutDocument(document);
        pausedAt = arrives;
        reason = decision.reason ?? null;
      }
    }
  };
  for (const { at, station } of launches) {
    deliverUntil(at);
    if (rand() < scenario.offlineShare) continue;
    const decision = decideRollout({ announcedVersion: version, stationId: ids[station]!, received: { body, signature: null }, source: 'rollout.json' });
    if (!decision.offered || attempted.has(station) || rand() >= scenario.upgradeShare) continue;
    attempted.add(station);
    inFlight.push({
      arrives: at + scenario.reportAfterMinutes / 60,
      report: { stationId: ids[station]!, targetVersion: version, installedVersion: '1.2.0.1', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED' },
    });
  }
  deliverUntil(Number.POSITIVE_INFINITY);
  return {
    stations: scenario.stations,
    included: ids.filter((id) => rolloutBucket(id, version) < scenario.percent).length,
    attempted: attempted.size,
    attemptedShare: (attempted.size / scenario.stations) * 100,
    pausedAtHours: pausedAt,
    reason,
  };
}

/** The simulation's outcome for a person, as `rollout-sim` and `fleet-sim --bad-release` print it. */
export function formatBadRelease(outcome: BadReleaseOutcome, scenario: BadReleaseScenario): string {
  const paused = outcome.pausedAtHours === null ? 'never' : `${(outcome.pausedAtHours * 60).toFixed(0)} min`;
  return [
    `bad release at ${scenario.percent} % of ${outcome.stations} stations (${outcome.included} included), --pause-when "${scenario.pauseWhen}"`,
    `  paused after ${paused}${outcome.reason === null ? '' : `: ${outcome.reason}`}`,
    `  ${outcome.attempted} stations attempted it (${outcome.attemptedShare.toFixed(2)} % of the fleet; goal ≤ 5 %)`,
    '',
  ].join('\n');
}
