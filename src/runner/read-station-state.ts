// Read-only views of a station for `status` and `history`: the persisted state, the installed
// manifest, the transition log. Takes no lock: SQLite's WAL lets a reader see the last commit.
import { existsSync } from 'node:fs';
import type { StationContext } from '../machines/station-machine.js';
import { MACHINE_VERSION } from '../machines/station-machine.js';
import { openSqliteSnapshotStore, type TransitionRecord } from '../persistence/index.js';
import { readLocalManifest } from '../services/local-manifest.js';
import { stationPaths } from './station-services-impl.js';

/** What `status` reports. */
export interface StationStatus {
  clientDir: string;
  installedVersion: string | null;
  state: string | null;
  latestVersion: string | null;
  upgradeAvailable: boolean;
  restartRequired: boolean;
  lastRun: { at: string; command: string; runId: string } | null;
  error: StationContext['error'];
  patched: string[];
  removed: string[];
  machineVersion: string | null;
}

/** Reads the station's persisted state and installed version. */
export async function readStationStatus(clientDir: string): Promise<StationStatus> {
  const paths = stationPaths(clientDir);
  const installed = await readLocalManifest(clientDir).catch(() => undefined);
  const status: StationStatus = {
    clientDir,
    installedVersion: installed?.manifest.version ?? null,
    state: null,
    latestVersion: null,
    upgradeAvailable: false,
    restartRequired: false,
    lastRun: null,
    error: null,
    patched: [],
    removed: [],
    machineVersion: null,
  };
  if (!existsSync(paths.stateDb)) return status;
  const store = await openSqliteSnapshotStore(paths.stateDb);
  try {
    const persisted = await store.load();
    const [last] = await store.history({ limit: 1 });
    if (last !== undefined) status.lastRun = { at: last.at, command: last.command, runId: last.runId };
    if (persisted === undefined) return status;
    status.machineVersion = persisted.machineVersion;
    if (persisted.machineVersion !== MACHINE_VERSION) return status;
    const snapshot = persisted.snapshot as { value: string; context: StationContext };
    status.state = String(snapshot.value);
    status.latestVersion = snapshot.context.latestVersion;
    status.upgradeAvailable = snapshot.context.upgradeAvailable;
    status.restartRequired = status.state === 'staged';
    status.error = snapshot.context.error;
    status.patched = snapshot.context.patched;
    status.removed = snapshot.context.removed;
    return status;
  } finally {
    await store.close();
  }
}

/** The station's transition log, newest first. */
export async function readStationHistory(clientDir: string, limit: number): Promise<TransitionRecord[]> {
  const paths = stationPaths(clientDir);
  if (!existsSync(paths.stateDb)) return [];
  const store = await openSqliteSnapshotStore(paths.stateDb);
  try {
    return await store.history({ limit });
  } finally {
    await store.close();
  }
}
