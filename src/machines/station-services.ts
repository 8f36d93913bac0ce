// What the machine needs done, as plain-data inputs and outputs. The runner implements these with
// real I/O (src/services); unit tests implement them with fakes. Nothing here does I/O.
import { fromPromise } from 'xstate';
import type { RolloutStatus } from '../rollout/decide-rollout.js';

/** Result of the online probe. */
export interface ProbeOutput {
  online: boolean;
  /** Why the station is considered offline (refused, DNS, timeout), for the log and `status`. */
  reason?: string;
}

/** Result of syncing the installed release's manifest with the server's copy. */
export interface ManifestSyncOutput {
  /** Version named by the server's manifest. */
  serverVersion: string;
  /** True when the server's manifest names the installed version and replaced the local one (hotfix). */
  replacedLocal: boolean;
  fileCount: number;
}

/** What verifying lib/ against the local manifest found. */
export interface VerifyOutput {
  version: string;
  fileCount: number;
  totalBytes: number;
  missing: string[];
  mismatched: string[];
  unknown: string[];
  /** The client database's version when its upgrade scripts up to the installed release have not all run. */
  databaseBehind?: string;
}

/** Input of the patch step: the verify findings to repair. */
export interface PatchInput {
  installedVersion: string;
  missing: string[];
  mismatched: string[];
  unknown: string[];
}

/** What the patch step changed in lib/. */
export interface PatchOutput {
  patched: string[];
  removed: string[];
  bytesFetched: number;
  /** Bytes taken from files already on the station (differential downloads); absent = 0. */
  bytesReused?: number;
}

/** Input of the upgrade check. */
export interface CheckUpgradeInput {
  installedVersion: string;
  allowDowngrade: boolean;
}

/** What maven-metadata.xml announced, compared with the installed version. */
export interface CheckUpgradeOutput {
  latestVersion: string | null;
  /** > 0 newer than installed, 0 same, < 0 older. */
  comparison: number;
  /** A warning for the operator (metadata unreachable, older version announced). */
  warning?: string;
  /** Where the staged rollout (rollout.json) stands for this station; absent = no rollout document. */
  rollout?: RolloutStatus;
}

/** Input of every version-upgrade step. */
export interface UpgradeStepInput {
  /** Run id of the launch that started the upgrade: makes each step recognise its own earlier work. */
  cycleId: string;
  fromVersion: string;
  targetVersion: string;
  backupDir: string | null;
}

/** Where the backup went. */
export interface BackupOutput {
  backupDir: string;
  bytes: number;
}

/** What was staged for the next launch. */
export interface StageOutput {
  fileCount: number;
  changed: number;
  bytesFetched: number;
  /** Bytes taken from files already on the station (differential downloads); absent = 0. */
  bytesReused?: number;
}

/** What applying the staged release changed in lib/. */
export interface ApplyOutput {
  replaced: string[];
  added: string[];
  deleted: string[];
}

/** Database versions whose upgrade scripts ran. */
export interface DbUpgradeOutput {
  applied: string[];
  dbVersion: string;
}

/** Which step a rollback undoes; `operator` = the `rollback` command. */
export type RollbackPhase = 'backup' | 'downloading' | 'restarting' | 'dbUpgrade' | 'operator';

/** Input of the rollback step. */
export interface RollbackInput extends UpgradeStepInput {
  phase: RollbackPhase;
}

/** What the rollback restored. */
export interface RollbackOutput {
  /** Version installed after the rollback. */
  installedVersion: string;
  restored: string[];
  /** The client database's version afterwards, when the rollback looked at it. */
  dbVersion?: string;
  /** What the operator must know (where a replaced database was kept). */
  warnings?: string[];
}

/** What finishing an upgrade cleaned up. */
export interface FinishOutput {
  removedBackups: string[];
}

/** The I/O the machine needs, one async function per invoked actor. */
export interface StationServices {
  probeServer(input: { offline: boolean }, signal: AbortSignal): Promise<ProbeOutput>;
  syncManifest(input: { installedVersion: string }, signal: AbortSignal): Promise<ManifestSyncOutput>;
  verifyFiles(input: { installedVersion: string }, signal: AbortSignal): Promise<VerifyOutput>;
  patchFiles(input: PatchInput, signal: AbortSignal): Promise<PatchOutput>;
  checkUpgrade(input: CheckUpgradeInput, signal: AbortSignal): Promise<CheckUpgradeOutput>;
  backupStation(input: UpgradeStepInput, signal: AbortSignal): Promise<BackupOutput>;
  stageRelease(input: UpgradeStepInput, signal: AbortSignal): Promise<StageOutput>;
  applyStaged(input: UpgradeStepInput, signal: AbortSignal): Promise<ApplyOutput>;
  upgradeDatabase(input: UpgradeStepInput, signal: AbortSignal): Promise<DbUpgradeOutput>;
  rollbackStation(input: RollbackInput, signal: AbortSignal): Promise<RollbackOutput>;
  finishUpgrade(input: UpgradeStepInput, signal: AbortSignal): Promise<FinishOutput>;
}

type ServiceName = keyof StationServices;

/** Promise actors that run the given services: what `machine.provide({ actors })` takes. */
export function createStationActors(services: StationServices) {
  return {
    probeServer: fromPromise<ProbeOutput, { offline: boolean }>(({ input, signal }) => services.probeServer(input, signal)),
    syncManifest: fromPromise<ManifestSyncOutput, { installedVersion: string }>(({ input, signal }) =>
      services.syncManifest(input, signal),
    ),
    verifyFiles: fromPromise<VerifyOutput, { installedVersion: string }>(({ input, signal }) =>
      services.verifyFiles(input, signal),
    ),
    patchFiles: fromPromise<PatchOutput, PatchInput>(({ input, signal }) => services.patchFiles(input, signal)),
    checkUpgrade: fromPromise<CheckUpgradeOutput, CheckUpgradeInput>(({ input, signal }) =>
      services.checkUpgrade(input, signal),
    ),
    backupStation: fromPromise<BackupOutput, UpgradeStepInput>(({ input, signal }) => services.backupStation(input, signal)),
    stageRelease: fromPromise<StageOutput, UpgradeStepInput>(({ input, signal }) => services.stageRelease(input, signal)),
    applyStaged: fromPromise<ApplyOutput, UpgradeStepInput>(({ input, signal }) => services.applyStaged(input, signal)),
    upgradeDatabase: fromPromise<DbUpgradeOutput, UpgradeStepInput>(({ input, signal }) =>
      services.upgradeDatabase(input, signal),
    ),
    rollbackStation: fromPromise<RollbackOutput, RollbackInput>(({ input, signal }) => services.rollbackStation(input, signal)),
    finishUpgrade: fromPromise<FinishOutput, UpgradeStepInput>(({ input, signal }) => services.finishUpgrade(input, signal)),
  };
}

/** Actors that fail loudly: the machine's defaults until real services are provided. */
export function unprovidedStationActors() {
  const fail = (name: ServiceName) => () => Promise.reject(new Error(`service '${name}' was not provided to the machine`));
  return createStationActors({
    probeServer: fail('probeServer'),
    syncManifest: fail('syncManifest'),
    verifyFiles: fail('verifyFiles'),
    patchFiles: fail('patchFiles'),
    checkUpgrade: fail('checkUpgrade'),
    backupStation: fail('backupStation'),
    stageRelease: fail('stageRelease'),
    applyStaged: fail('applyStaged'),
    upgradeDatabase: fail('upgradeDatabase'),
    rollbackStation: fail('rollbackStation'),
    finishUpgrade: fail('finishUpgrade'),
  });
}
