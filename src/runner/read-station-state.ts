// Read-only views of a station for `status` and `history`: the persisted state, the installed
// manifest, the transition log. Takes no lock: SQLite's WAL lets a reader see the last commit.
import { existsSync } from 'node:fs';
import type { StationContext } from '../machines/station-machine.js';
import type { RolloutStatus } from '../rollout/decide-rollout.js';
import { MACHINE_VERSION } from '../machines/station-machine.js';
import { DataSource } from 'typeorm';
import { openSqliteSnapshotStore, type TransitionRecord } from '../persistence/index.js';
import { readDbVersion } from '../services/client-db/db-version.js';
import { readLocalManifest } from '../services/local-manifest.js';
import { detectClientDbKind } from './station-client-db.js';
import { stationPaths } from './station-services-impl.js';

/** What `status` reports. */
export interface StationStatus {
  clientDir: string;
  installedVersion: string | null;
  state: string | null;
  latestVersion: string | null;
  upgradeAvailable: boolean;
  /** The staged rollout as the last check found it (DESIGN §13); null without a rollout document. */
  rollout: RolloutStatus | null;
  restartRequired: boolean;
  lastRun: { at: string; command: string; runId: string } | null;
  error: StationContext['error'];
  patched: string[];
  removed: string[];
  machineVersion: string | null;
  /** Version recorded in the client database (global_param), null without a database; Derby's as last seen (no JVM is started for status). */
  dbVersion: string | null;
  /** The version upgrade in progress, if any: target, backup folder, whether the DB upgrade waits for a retry. */
  pending: { targetVersion: string; fromVersion: string; backupDir: string | null; staged: boolean; dbUpgradePending: boolean } | null;
}

/** The client database's version, read through a TypeORM data source that runs no migration. */
async function readClientDbVersion(dbPath: string, fallback: string): Promise<string | null> {
  if (!existsSync(dbPath)) return null;
  // Read-only and without migrations: `status` must never change the client's database.
  const ds = new DataSource({ type: 'better-sqlite3', database: dbPath, readonly: true, migrationsRun: false, synchronize: false, logging: false });
  try {
    await ds.initialize();
    return await readDbVersion(ds, fallback);
  } catch {
    return null;
  } finally {
    if (ds.isInitialized) await ds.destroy();
  }
}

/** Reads the station's persisted state and installed version. */
export async function readStationStatus(clientDir: string): Promise<StationStatus> {
  const paths = stationPaths(clientDir);
  const derby = detectClientDbKind({ clientDir, dbKind: 'auto' }) === 'derby';
  const installed = await readLocalManifest(clientDir).catch(() => undefined);
  const status: StationStatus = {
    clientDir,
    installedVersion: installed?.manifest.version ?? null,
    state: null,
    latestVersion: null,
    upgradeAvailable: false,
    rollout: null,
    restartRequired: false,
    lastRun: null,
    error: null,
    patched: [],
    removed: [],
    machineVersion: null,
    dbVersion: derby ? null : await readClientDbVersion(paths.dbPath, installed?.manifest.version ?? 'unknown'),
    pending: null,
  };
  if (!existsSync(paths.stateDb)) return status;
  const store = await openSqliteSnapshotStore(paths.stateDb, { readOnly: true });
  try {
    if (derby) status.dbVersion = (await store.getValue('client-db-version:derby')) ?? null;
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
    status.rollout = snapshot.context.rollout ?? null;
    status.restartRequired = status.state === 'staged';
    status.error = snapshot.context.error;
    status.patched = snapshot.context.patched;
    status.removed = snapshot.context.removed;
    const upgrade = snapshot.context.upgrade;
    if (upgrade !== null && upgrade !== undefined && !upgrade.finished) {
      status.pending = {
        targetVersion: upgrade.targetVersion,
        fromVersion: upgrade.fromVersion,
        backupDir: upgrade.backupDir,
        staged: upgrade.staged !== null,
        dbUpgradePending: upgrade.dbUpgradePending,
      };
    }
    return status;
  } finally {
    await store.close();
  }
}

/** The station's transition log, newest first. */
export async function readStationHistory(clientDir: string, limit: number): Promise<TransitionRecord[]> {
  const paths = stationPaths(clientDir);
  if (!existsSync(paths.stateDb)) return [];
  const store = await openSqliteSnapshotStore(paths.stateDb, { readOnly: true });
  try {
    return await store.history({ limit });
  } finally {
    await store.close();
  }
}
