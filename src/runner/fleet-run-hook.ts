// Where a station run meets the fleet report: open the outbox, queue this run, send, close.
// Best effort by construction: it never throws, and its network part is bounded by the budget.
import os from 'node:os';
import type { UpgraderConfig } from '../config/load-config.js';
import type { RunResult } from '../machines/run-result.js';
import { openSqliteOutbox } from '../persistence/sqlite-outbox.js';
import type { TransitionRecord } from '../persistence/snapshot-store.js';
import type { Logger } from '../services/logger.js';
import { fleetEventFor, phaseReached, readMosipIdentity, reportToFleet } from './fleet-report.js';

/** What the runner knows at the end of a run. */
export interface FleetRunFacts {
  config: UpgraderConfig;
  stateDb: string;
  result: RunResult;
  /** This run's transitions, oldest first (for the phase reached). */
  transitions: TransitionRecord[];
  /** Date.now() when the run began. */
  startedAt: number;
  logger: Logger;
}

/** Queues the run's report in the state database and delivers the outbox; failures are one warning. */
export async function sendRunToFleet(facts: FleetRunFacts): Promise<void> {
  const { config, logger } = facts;
  let outbox;
  try {
    outbox = await openSqliteOutbox(facts.stateDb, { log: (level, message) => logger[level](message) });
  } catch (error) {
    logger.warn(`fleet report not queued: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  try {
    const at = new Date();
    const event = fleetEventFor(facts.result, {
      at,
      durationMs: at.getTime() - facts.startedAt,
      phase: phaseReached(facts.transitions),
      hostName: os.hostname(),
      identity: await readMosipIdentity(config.clientDir),
    });
    await reportToFleet({ config, outbox, event, logger });
  } finally {
    await outbox.close().catch(() => undefined);
  }
}
