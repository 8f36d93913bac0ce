// The crash-loop guard (DESIGN §5, Mender's lesson): a station that dies in the same upgrade step
// again and again, with no progress in between, stops retrying that step after N restores and
// rolls back instead (or, if the rollback itself is what keeps dying, stops with exit 31).
import { UpgradeError } from '../errors.js';
import type { StationServices } from '../machines/station-services.js';
import type { SnapshotStore } from '../persistence/index.js';

/** Key of the counter in the state store. */
export const CRASH_LOOP_KEY = 'crash-loop';

/** The upgrade states the guard watches, with the service each one runs. */
const GUARDED: Record<string, keyof StationServices> = {
  backup: 'backupStation',
  downloading: 'stageRelease',
  restarting: 'applyStaged',
  dbUpgrade: 'upgradeDatabase',
  rollback: 'rollbackStation',
};

interface Counter {
  fingerprint: string;
  count: number;
}

/**
 * Counts a restore into `state` with the given progress fingerprint; resolves to true when the
 * step has now been restored `limit` times in a row without progress.
 */
export async function countRestore(store: SnapshotStore, state: string, progress: string, limit: number): Promise<boolean> {
  if (!(state in GUARDED)) return false;
  const fingerprint = `${state}|${progress}`;
  let previous: Counter | undefined;
  try {
    previous = JSON.parse((await store.getValue(CRASH_LOOP_KEY)) ?? 'null') as Counter | undefined;
  } catch {
    previous = undefined;
  }
  const count = previous?.fingerprint === fingerprint ? previous.count + 1 : 1;
  await store.setValue(CRASH_LOOP_KEY, JSON.stringify({ fingerprint, count }));
  return count >= limit;
}

/** Forgets the counter (the machine came to rest: the loop, if any, is over). */
export async function resetCrashLoop(store: SnapshotStore): Promise<void> {
  await store.setValue(CRASH_LOOP_KEY, undefined);
}

/** Services where the looping step's service fails at once with CRASH_LOOP instead of running again. */
export function giveUpOn(services: StationServices, state: string, restores: number): StationServices {
  const name = GUARDED[state];
  if (name === undefined) return services;
  const error = new UpgradeError(
    state === 'rollback' ? 'ROLLBACK_FAILED' : 'CRASH_LOOP',
    `the '${state}' step was interrupted ${restores} times in a row without progress; it is not retried again`,
    { details: { state, restores } },
  );
  return { ...services, [name]: () => Promise.reject(error) };
}
