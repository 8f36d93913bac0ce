// The fleet service's automatic pause (DESIGN §13): when the rule holds for the version under
// rollout, rollout.json is rewritten paused, with the reason — unsigned, which every station
// honours (pausing is always safe); resuming stays a human decision (`rollout resume`).
import { evaluatePauseRule, type PauseRule, type RolloutTally } from '../rollout/pause-rule.js';
import { readRolloutFile, updateRolloutFile } from './rollout-file.js';

/** What the automatic pause did to the rollout under `root`. */
export interface AutoPauseOutcome {
  /** The version under rollout, or null when the server has no rollout document. */
  version: string | null;
  tally: RolloutTally;
  /** True when this call paused it. */
  pausedNow: boolean;
  /** Paused (by anyone), and why as the document says. */
  paused: boolean;
  reason?: string;
}

const NONE: RolloutTally = { attempted: 0, succeeded: 0, failed: 0 };

/** Pauses the rollout under `root` when `rule` holds on its version's tally; a paused or changed document is left alone. */
export async function applyAutoPause(root: string, rule: PauseRule, tallies: Map<string, RolloutTally>): Promise<AutoPauseOutcome> {
  const current = await readRolloutFile(root);
  if (current === undefined) return { version: null, tally: NONE, pausedNow: false, paused: false };
  const { version } = current.document;
  const tally = tallies.get(version) ?? NONE;
  const shown = (paused: boolean, reason: string | undefined, pausedNow: boolean): AutoPauseOutcome => ({
    version,
    tally,
    pausedNow,
    paused,
    ...(reason === undefined ? {} : { reason }),
  });
  if (current.document.paused) return shown(true, current.document.reason, false);
  const decision = evaluatePauseRule(rule, version, tally);
  if (!decision.pause) return shown(false, undefined, false);
  let pausedNow = false;
  const written = await updateRolloutFile(root, (latest) => {
    // Re-checked under the lock: a person may have changed the rollout since it was read.
    if (latest === undefined || latest.document.version !== version || latest.document.paused) return undefined;
    pausedNow = true;
    const { serial: _serial, ...document } = latest.document;
    return { ...document, paused: true, ...(decision.reason === undefined ? {} : { reason: decision.reason }) };
  });
  return shown(written?.document.paused ?? false, written?.document.reason, pausedNow);
}
