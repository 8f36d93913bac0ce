// The fleet service's view of the staged rollout (DESIGN §13): it observes every stored report,
// keeps per-version sets of stations that attempted, reached and failed a version (so a report
// seen twice changes nothing), and pauses the rollout under `root` when the rule holds.
import type { PauseRule, RolloutTally } from '../rollout/pause-rule.js';
import type { RolloutDocument } from '../rollout/rollout-document.js';
import { isFailedUpgrade, type RolloutReport } from '../rollout/tally-rollout.js';
import { applyAutoPause } from './auto-pause.js';
import { readRolloutFile } from './rollout-file.js';

/** One rollout as the fleet page and `fleet report` show it. */
export interface RolloutView {
  /** The document under the rollout root, or null when there is none. */
  document: RolloutDocument | null;
  signed: boolean;
  tally: RolloutTally;
  paused: boolean;
  /** Why it is paused (the document's reason: the rule's words, or a person's). */
  reason: string | null;
  /** The rule the service pauses by. */
  rule: string;
}

/** The rollout monitor of one fleet service. */
export interface RolloutMonitor {
  /** Counts reports (idempotent: each station once per outcome), then pauses if the rule now holds. */
  observe(reports: Iterable<RolloutReport>): Promise<void>;
  view(): Promise<RolloutView>;
}

/** A monitor for the rollout document under `root`. */
export function createRolloutMonitor(root: string, rule: PauseRule): RolloutMonitor {
  const sets = new Map<string, { attempted: Set<string>; succeeded: Set<string>; failed: Set<string> }>();
  const tallyOf = (version: string): RolloutTally => {
    const entry = sets.get(version);
    return entry === undefined
      ? { attempted: 0, succeeded: 0, failed: 0 }
      : { attempted: entry.attempted.size, succeeded: entry.succeeded.size, failed: entry.failed.size };
  };
  // One evaluation at a time: two batches arriving together must not race on rollout.json.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    observe(reports) {
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
      const run = queue.then(() => applyAutoPause(root, rule, new Map([...sets.keys()].map((v) => [v, tallyOf(v)]))));
      queue = run.catch(() => undefined);
      return run.then(() => undefined);
    },
    async view() {
      const file = await readRolloutFile(root);
      const document = file?.document ?? null;
      return {
        document,
        signed: file?.signed ?? false,
        tally: document === null ? { attempted: 0, succeeded: 0, failed: 0 } : tallyOf(document.version),
        paused: document?.paused ?? false,
        reason: document?.reason ?? null,
        rule: rule.text,
      };
    },
  };
}
