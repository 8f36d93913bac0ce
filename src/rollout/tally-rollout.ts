// Counting a rollout from the fleet's reports (DESIGN §13): per version, the stations that
// attempted it, reached it, and failed it — each station once, so a station that retries a failing
// upgrade on every launch is one failure, not fifty.

import type { RolloutTally } from './pause-rule.js';

/** One station's report as the fleet service reads it for rollouts. */
export interface RolloutReport {
  stationId: string;
  /** The version the station was upgrading to in this run (null: no upgrade under way). */
  targetVersion: string | null;
  /** The version installed at the end of the run. */
  installedVersion: string | null;
  exitCode: number;
  errorCode: string | null;
}

/** The fields of a fleet report (issue 12's FleetEvent) that tell a rollout's story. */
export interface FleetEventFields {
  announcedVersion: string | null;
  installedVersion: string | null;
  exitCode: number;
  errorCode: string | null;
  /** The furthest upgrade state the run reached (`backup` … `done`, `rollback`), or null: no upgrade. */
  phase: string | null;
}

/** A fleet report as a rollout report: a run that reached an upgrade phase attempted the announced version. */
export function rolloutReportOf(stationId: string, event: FleetEventFields): RolloutReport {
  return {
    stationId,
    targetVersion: event.phase === null ? null : event.announcedVersion,
    installedVersion: event.installedVersion,
    exitCode: event.exitCode,
    errorCode: event.errorCode,
  };
}

/** Exit 30/31 or CRASH_LOOP: the upgrade failed on that station (DESIGN §7). */
export function isFailedUpgrade(report: Pick<RolloutReport, 'exitCode' | 'errorCode'>): boolean {
  return report.exitCode === 30 || report.exitCode === 31 || report.errorCode === 'CRASH_LOOP';
}

/** Tallies every version some station attempted: distinct stations per outcome. */
export function tallyRollouts(reports: Iterable<RolloutReport>): Map<string, RolloutTally> {
  const sets = new Map<string, { attempted: Set<string>; succeeded: Set<string>; failed: Set<string> }>();
  const of = (version: string) => {
    let entry = sets.get(version);
    if (entry === undefined) {
      entry = { attempted: new Set(), succeeded: new Set(), failed: new Set() };
      sets.set(version, entry);
    }
    return entry;
  };
  for (const report of reports) {
    if (report.targetVersion === null) continue;
    const entry = of(report.targetVersion);
    entry.attempted.add(report.stationId);
    if (isFailedUpgrade(report)) entry.failed.add(report.stationId);
    else if (report.installedVersion === report.targetVersion && report.exitCode === 0) entry.succeeded.add(report.stationId);
  }
  return new Map(
    [...sets].map(([version, { attempted, succeeded, failed }]) => [version, { attempted: attempted.size, succeeded: succeeded.size, failed: failed.size }]),
  );
}
