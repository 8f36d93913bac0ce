// Restores, runs and persists the station machine: the one place where machine, services and the
// state store meet. After every transition the snapshot is saved with a transition row, so a run
// killed at any instant is carried on by the next one.
import { createActor, type InspectionEvent, type SnapshotFrom } from 'xstate';
import { MACHINE_VERSION, stationMachine, type LaunchParams, type StationContext } from '../machines/station-machine.js';
import { describeResult, type RunResult } from '../machines/run-result.js';
import { createStationActors, type StationServices } from '../machines/station-services.js';
import { SNAPSHOT_SCHEMA_VERSION, type SnapshotStore, type TransitionRecord } from '../persistence/index.js';
import type { Logger } from '../services/logger.js';

type StationSnapshot = SnapshotFrom<typeof stationMachine>;

/** What one run of the machine needs. */
export interface RunMachineOptions {
  params: LaunchParams;
  services: StationServices;
  store: SnapshotStore;
  logger: Logger;
  runId: string;
  now?: () => Date;
  /** Extra inspection observer (the live inspector). */
  inspect?: (event: InspectionEvent) => void;
}

/** Small JSON summary of the context for the transition log and the replay. */
export function summarizeContext(context: StationContext): Record<string, unknown> {
  return {
    installedVersion: context.installedVersion,
    latestVersion: context.latestVersion,
    online: context.online,
    verify:
      context.verify === null
        ? null
        : {
            fileCount: context.verify.fileCount,
            totalBytes: context.verify.totalBytes,
            missing: context.verify.missing,
            mismatched: context.verify.mismatched,
            unknown: context.verify.unknown,
          },
    patched: context.patched,
    removed: context.removed,
    bytesFetched: context.bytesFetched,
    error: context.error,
  };
}

async function restore(store: SnapshotStore, logger: Logger): Promise<StationSnapshot | undefined> {
  let persisted;
  try {
    persisted = await store.load();
  } catch (error) {
    logger.warn(`could not read the persisted state, starting a fresh cycle: ${(error as Error).message}`);
    return undefined;
  }
  if (persisted === undefined) return undefined;
  if (persisted.schemaVersion !== SNAPSHOT_SCHEMA_VERSION || persisted.machineVersion !== MACHINE_VERSION) {
    logger.warn(
      `persisted state is from machine ${persisted.machineVersion} (schema ${persisted.schemaVersion}); this is ${MACHINE_VERSION}: starting a fresh cycle from probing`,
    );
    return undefined;
  }
  const snapshot = persisted.snapshot as StationSnapshot;
  if (snapshot.status !== 'active' || !(String(snapshot.value) in (stationMachine.config.states ?? {}))) {
    logger.warn(`persisted state '${String(snapshot.value)}' (${snapshot.status}) cannot be resumed: starting a fresh cycle`);
    return undefined;
  }
  return snapshot;
}

/** Runs the machine until it rests (ready, upgradeAvailable, failed…) and returns the result. */
export async function runMachine(options: RunMachineOptions): Promise<RunResult> {
  const { store, logger, runId, params } = options;
  const now = options.now ?? (() => new Date());
  const restored = await restore(store, logger);
  const machine = stationMachine.provide({ actors: createStationActors(options.services) });

  let saving: Promise<void> = Promise.resolve();
  let lastValue: string | null = restored === undefined ? null : String(restored.value);
  let lastContext = restored === undefined ? '' : JSON.stringify(restored.context);

  const persist = (event: { type: string }, snapshot: StationSnapshot) => {
    const value = String(snapshot.value);
    const contextJson = JSON.stringify(snapshot.context);
    if (value === lastValue && contextJson === lastContext) return;
    const record: TransitionRecord = {
      at: now().toISOString(),
      runId,
      command: params.command,
      from: lastValue,
      to: value,
      event: event.type,
      detail: summarizeContext(snapshot.context),
    };
    if (value !== lastValue) logger.info(`state ${lastValue ?? '(new)'} → ${value} on ${event.type}`);
    lastValue = value;
    lastContext = contextJson;
    const persisted = actor.getPersistedSnapshot();
    saving = saving
      .then(() =>
        store.save({ schemaVersion: SNAPSHOT_SCHEMA_VERSION, machineVersion: MACHINE_VERSION, snapshot: persisted }, record),
      )
      .catch((error: unknown) => logger.error(`could not persist state ${value}: ${(error as Error).message}`));
  };

  const actor = createActor(machine, {
    input: params,
    ...(restored === undefined ? {} : { snapshot: restored }),
    inspect: (event) => {
      if (event.type === '@xstate.snapshot' && event.actorRef.sessionId === event.rootId) {
        persist(event.event, event.snapshot as StationSnapshot);
      }
      options.inspect?.(event);
    },
  });

  const rested = new Promise<StationSnapshot>((resolve) => {
    let armed = false;
    actor.subscribe({
      next: (snapshot) => {
        if (armed && snapshot.hasTag('resting')) resolve(snapshot);
      },
      error: (error) => logger.error(`machine error: ${String(error)}`),
    });
    actor.start();
    // A machine restored at rest starts a new cycle; one restored mid-step re-runs that step.
    if (actor.getSnapshot().hasTag('resting')) actor.send({ type: 'LAUNCH', params });
    else if (restored !== undefined) logger.info(`resuming in state ${String(actor.getSnapshot().value)} after an interrupted run`);
    armed = true;
    if (actor.getSnapshot().hasTag('resting')) resolve(actor.getSnapshot());
  });
  const final = await rested;
  actor.stop();
  await saving;
  return describeResult(params.command, String(final.value), final.context);
}
