// What the fleet service knows of the staged rollout (DESIGN §13), as its API, page and
// `fleet report` show it: the document under the rollout root, the tally per version, the rule.
// Types only: the monitor that fills them lives with the release files (src/server).
import type { RolloutTally } from './pause-rule.js';
import type { RolloutDocument } from './rollout-document.js';
import type { RolloutReport } from './tally-rollout.js';

/** One version some station attempted, and how it went (distinct stations). */
export type VersionTally = RolloutTally & { version: string };

/** `GET /fleet/v1/rollout`. */
export interface RolloutView {
  /** The document under the rollout root, or null when there is none (or it cannot be read: see `problem`). */
  document: RolloutDocument | null;
  signed: boolean;
  /** The tally of the document's version. */
  tally: RolloutTally;
  paused: boolean;
  /** Why it is paused (the document's reason: the rule's words, or a person's). */
  reason: string | null;
  /** The rule the service pauses by. */
  rule: string;
  /** Every version stations attempted, most attempted first. */
  versions: VersionTally[];
  /** Why the document could not be read (a malformed rollout.json), else null. */
  problem: string | null;
}

/** What one observation did to the rollout. */
export interface RolloutObservation {
  /** The version under rollout, or null when there is no document. */
  version: string | null;
  /** True when this observation paused it. */
  pausedNow: boolean;
  reason?: string;
  /** Set when this observation found the rollout resumed since the last one: its count started afresh. */
  resumed?: string;
}

/** The rollout monitor of one fleet service. */
export interface RolloutMonitor {
  /** Counts reports (idempotent: each station once per outcome), then pauses if the rule now holds. */
  observe(reports: Iterable<RolloutReport>): Promise<RolloutObservation>;
  view(): Promise<RolloutView>;
}
