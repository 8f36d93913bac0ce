// The fleet service's view of the staged rollout (DESIGN §13): it observes every stored report,
// keeps per-version sets of stations that attempted, reached and failed a version (so a report
// seen twice changes nothing), and pauses the rollout under `root` when the rule holds.
//
// A person who resumes a rollout the monitor saw paused (`rollout resume`, after a hotfix say)
// starts its count afresh: the evidence that paused it must not pause it again at the next report.
// The observation says so (`resumed`), and the fleet service stores the moment, so that a service
// restarted later rebuilds its count from the reports received since.
import type { PauseRule, RolloutTally } from '../rollout/pause-rule.js';
import type { RolloutMonitor, RolloutView } from '../rollout/rollout-monitor-view.js';
import { isFailedUpgrade, type RolloutReport } from '../rollout/tally-rollout.js';
import { applyAutoPause } from './auto-pause.js';
import { readRolloutFile, type RolloutFile } from './rollout-file.js';

export type { RolloutMonitor, RolloutView } from '../rollout/rollout-monitor-view.js';

const NONE: RolloutTally = { attempted: 0, succeeded: 0, failed: 0 };

/** A monitor for the rollout document under `root`. */
export function createRolloutMonitor(root: string, rule: PauseRule): RolloutMonitor {
  const sets = new Map<string, { attempted: Set<string>; succeeded: Set<string>; failed: Set<string> }>();
  const tallyOf = (version: string): RolloutTally => {
    const entry = sets.get(version);
    return entry === undefined ? NONE : { attempted: entry.attempted.size, succeeded: entry.succeeded.size, failed: entry.failed.size };
  };
  const count = (reports: Iterable<RolloutReport>): void => {
    for (const report of reports) {
      if (report.targetVersion === null) continue;
      let entry = sets.get(report.targetVersion);
      if (entry === undefined) {
        entry = { attempted: new Set(), succeeded: new Set(), failed: new Set() };
        sets.set(report.targetVersion, entry);
      }
      entry.attempted.add(report.stationId);
      if (isFailedUpgrade(report)) entry.failed.add(report.stationId);
      else if (report.installedVersion === report.targetVersion && report.exitCode === 0) entry.succeeded.add(report.stationId);
    }
  };
  // Whether each version's document was paused when the monitor last looked.
  const lastPaused = new Map<string, boolean>();
  // The version whose rollout was resumed since the last look (its count is dropped), if any.
  const restartIfResumed = async (): Promise<string | undefined> => {
    const document = (await readRolloutFile(root).catch(() => undefined))?.document;
    if (document === undefined) return undefined;
    const resumed = lastPaused.get(document.version) === true && !document.paused;
    if (resumed) sets.delete(document.version);
    lastPaused.set(document.version, document.paused);
    return resumed ? document.version : undefined;
  };
  // One evaluation at a time: two batches arriving together must not race on rollout.json.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    observe(reports) {
      const run = queue.then(async () => {
        const resumed = await restartIfResumed();
        count(reports);
        const outcome = await applyAutoPause(root, rule, new Map([...sets.keys()].map((v) => [v, tallyOf(v)])));
        if (outcome.version !== null) lastPaused.set(outcome.version, outcome.paused);
        return { outcome, resumed };
      });
      queue = run.catch(() => undefined);
      return run.then(({ outcome, resumed }) => ({
        version: outcome.version,
        pausedNow: outcome.pausedNow,
        ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
        ...(resumed === undefined ? {} : { resumed }),
      }));
    },
    async view(): Promise<RolloutView> {
      let file: RolloutFile | undefined;
      let problem: string | null = null;
      try {
        file = await readRolloutFile(root);
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      const document = file?.document ?? null;
      const versions = [...sets.keys()].map((version) => ({ version, ...tallyOf(version) })).sort((a, b) => b.attempted - a.attempted || a.version.localeCompare(b.version));
      return {
        document,
        signed: file?.signed ?? false,
        tally: document === null ? NONE : tallyOf(document.version),
        paused: document?.paused ?? false,
        reason: document?.reason ?? null,
        rule: rule.text,
        versions,
        problem,
      };
    },
  };
}
