// What the machine needs done, as plain-data inputs and outputs. The runner implements these with
// real I/O (src/services); unit tests implement them with fakes. Nothing here does I/O.
import { fromPromise } from 'xstate';

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
}

/** The I/O the startup cycle needs, one async function per invoked actor. */
export interface StationServices {
  probeServer(input: { offline: boolean }, signal: AbortSignal): Promise<ProbeOutput>;
  syncManifest(input: { installedVersion: string }, signal: AbortSignal): Promise<ManifestSyncOutput>;
  verifyFiles(input: { installedVersion: string }, signal: AbortSignal): Promise<VerifyOutput>;
  patchFiles(input: PatchInput, signal: AbortSignal): Promise<PatchOutput>;
  checkUpgrade(input: CheckUpgradeInput, signal: AbortSignal): Promise<CheckUpgradeOutput>;
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
  });
}
