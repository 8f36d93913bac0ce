// Restores, runs and persists the station machine: the one place where machine, services and the
// state store meet. After every transition the snapshot is saved with a transition row, so a run
// killed at any instant is carried on by the next one.
import { createActor, type InspectionEvent, type SnapshotFrom } from 'xstate';
import { isResting, MACHINE_VERSION, stationMachine, UPGRADE_STATES, type LaunchParams, type StationContext } from '../machines/station-machine.js';
import { describeResult, type RunResult } from '../machines/run-result.js';
import { createStationActors, type StationServices } from '../machines/station-services.js';
// The modules themselves, not persistence/index.js: that one also loads TypeORM.
import { SNAPSHOT_SCHEMA_VERSION, type SnapshotStore, type TransitionRecord } from '../persistence/snapshot-store.js';
import type { Logger } from '../services/logger.js';
import { classifyError, errorMessage } from '../errors.js';
import { countRestore, giveUpOn, resetCrashLoop } from './crash-loop.js';

type StationSnapshot = SnapshotFrom<typeof stationMachine>;

const RESTING_STATES = new Set(
  Object.entries(stationMachine.config.states ?? {})
    .filter(([, node]) => [node.tags ?? []].flat().includes('resting'))
    .map(([name]) => name),
);

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
  /** Fingerprint of on-disk progress (staging bytes, journal length) for the crash-loop guard. */
  progress?: () => Promise<string>;
  /** Restores of one upgrade step without progress before giving up on it. */
  crashLoopLimit?: number;
}

/** Small JSON summary of the context for the transition log and the replay. */
export function summarizeContext(context: StationContext): Record<string, unknown> {
  return {
    installedVersion: context.installedVersion,
    latestVersion: context.latestVersion,
    online: context.online,
    upgrade: context.upgrade,
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
    rolledBack: context.rolledBack ?? [],
    bytesFetched: context.bytesFetched,
    bytesReused: context.bytesReused ?? 0,
    error: context.error,
    ...(context.rollout === null || context.rollout === undefined ? {} : { rollout: context.rollout }),
    // `upgrade --ignore-rollout` stays in the station's history (DESIGN §13).
    ...(context.ignoreRollout === true ? { ignoreRollout: true } : {}),
  };
}

async function restore(store: SnapshotStore, logger: Logger, params: LaunchParams): Promise<StationSnapshot | undefined> {
  let persisted;
  try {
    persisted = await store.load();
  } catch (error) {
    logger.warn(`could not read the persisted state, starting a fresh cycle: ${errorMessage(error)}`);
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
  const value = String(snapshot.value);
  const target = snapshot.context.upgrade?.targetVersion;
  if ((value === 'dbUpgrade' || value === 'done') && target !== undefined && params.installedVersion !== target) {
    // Past the commit point MANIFEST.MF names the target: if it does not, lib/ is not what this state assumes.
    logger.warn(`interrupted in '${value}' of the upgrade to ${target}, but MANIFEST.MF names ${params.installedVersion}: not resuming, starting a fresh cycle`);
    return undefined;
  }
  if (!RESTING_STATES.has(value) && !(UPGRADE_STATES as readonly string[]).includes(value) && snapshot.context.upgrade === null) {
    // The startup steps only read and repair: a fresh cycle re-syncs the manifest (a hotfix may have
    // been published meanwhile) and still resumes the parts already downloaded, so nothing is lost.
    logger.info(`interrupted in '${value}' (a startup step): starting a fresh cycle`);
    return undefined;
  }
  return snapshot;
}

/** Runs the machine until it rests (ready, upgradeAvailable, failed…) and returns the result. */
export async function runMachine(options: RunMachineOptions): Promise<RunResult> {
  const { store, logger, runId, params } = options;
  const now = options.now ?? (() => new Date());
  const restored = await restore(store, logger, params);
  let services = options.services;
  if (restored !== undefined && !RESTING_STATES.has(String(restored.value))) {
    const state = String(restored.value);
    const progress = `${JSON.stringify(restored.context)}|${(await options.progress?.()) ?? ''}`;
    const limit = options.crashLoopLimit ?? 10;
    if (await countRestore(store, state, progress, limit)) {
      logger.error(`crash loop: '${state}' restored ${limit} times without progress; giving up on it`);
      services = giveUpOn(services, state, limit);
    }
  }
  const machine = stationMachine.provide({ actors: createStationActors(services) });

  let saving: Promise<void> = Promise.resolve();
  let lastValue: string | null = restored === undefined ? null : String(restored.value);
  let lastContext = restored === undefined ? '' : JSON.stringify(restored.context);

  const persist = (event: { type: string }, snapshot: StationSnapshot) => {
    // A machine that stopped on a thrown action keeps its last good snapshot: the next run resumes there.
    if (snapshot.status === 'error') return;
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
      .catch((error: unknown) => logger.error(`could not persist state ${value}: ${errorMessage(error)}`));
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

  // Resolves with the resting snapshot, or with the error when an action threw (XState's error
  // status, from which no event moves the machine again): the run then ends with that error's code.
  const rested = new Promise<StationSnapshot | { thrown: unknown }>((resolve) => {
    let armed = false;
    actor.subscribe({
      next: (snapshot) => {
        if (armed && isResting(snapshot)) resolve(snapshot);
      },
      error: (error) => {
        logger.error(`machine error in state ${lastValue ?? '(new)'}: ${errorMessage(error)}`);
        resolve({ thrown: error });
      },
    });
    actor.start();
    // A machine restored at rest starts a new cycle; one restored mid-step re-runs that step.
    if (isResting(actor.getSnapshot())) actor.send({ type: 'LAUNCH', params });
    else if (restored !== undefined) logger.info(`resuming in state ${String(actor.getSnapshot().value)} after an interrupted run`);
    armed = true;
    if (isResting(actor.getSnapshot())) resolve(actor.getSnapshot());
  });
  const final = await rested;
  actor.stop();
  await saving;
  if ('thrown' in final) {
    const snapshot = actor.getSnapshot();
    const error = classifyError(final.thrown, 'IO_FAILED');
    return describeResult(params.command, String(snapshot.value), { ...snapshot.context, error });
  }
  await resetCrashLoop(store).catch(() => undefined);
  return describeResult(params.command, String(final.value), final.context);
}
