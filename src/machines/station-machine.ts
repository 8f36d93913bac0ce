// The station's one state machine (DESIGN §5). It only decides: every side effect is an invoked
// actor named in `setup`, provided by the runner (real I/O) or by tests (fakes). Context is plain JSON
// so the snapshot can be persisted after every transition and restored after a crash.
import { assign, setup } from 'xstate';
import { EXIT, ERROR_CODES, toErrorInfo, type ErrorCode, type ErrorInfo } from '../errors.js';
import {
  unprovidedStationActors,
  type CheckUpgradeOutput,
  type ManifestSyncOutput,
  type PatchOutput,
  type ProbeOutput,
  type VerifyOutput,
} from './station-services.js';

/** Bumped whenever states or context change shape: a persisted snapshot of another version is not restored. */
export const MACHINE_VERSION = 'station-1';

/** Which command started the current cycle. */
export type CycleCommand = 'start' | 'upgrade';

/** What a launch asks of the machine: the facts the runner read before starting it. */
export interface LaunchParams {
  command: CycleCommand;
  installedVersion: string;
  offline: boolean;
  allowDowngrade: boolean;
}

/** The machine's memory: plain JSON only (no Date, Error, Map, Buffer). */
export interface StationContext extends LaunchParams {
  online: boolean | null;
  offlineReason: string | null;
  serverVersion: string | null;
  manifestReplaced: boolean;
  verify: VerifyOutput | null;
  patched: string[];
  removed: string[];
  bytesFetched: number;
  latestVersion: string | null;
  upgradeAvailable: boolean;
  warnings: string[];
  error: ErrorInfo | null;
}

/** Events the machine accepts from outside; everything else comes from its invoked actors. */
export type StationEvent = { type: 'LAUNCH'; params: LaunchParams };

/** Context at the start of a cycle. */
export function initialContext(params: LaunchParams): StationContext {
  return {
    ...params,
    online: null,
    offlineReason: null,
    serverVersion: null,
    manifestReplaced: false,
    verify: null,
    patched: [],
    removed: [],
    bytesFetched: 0,
    latestVersion: null,
    upgradeAvailable: false,
    warnings: [],
    error: null,
  };
}

/**
 * An error as the machine records it: bad data (65) and usage (64) keep their own code; anything
 * else becomes the step's failure code (e.g. a network error while fetching the manifest is a
 * *build status check failure*, exit 20).
 */
export function classifyError(error: unknown, stepCode: ErrorCode): ErrorInfo {
  const info = toErrorInfo(error, stepCode);
  const exit = ERROR_CODES[info.code];
  if (exit === EXIT.badData || exit === EXIT.usage) return info;
  return info.details === undefined
    ? { code: stepCode, message: info.message }
    : { code: stepCode, message: info.message, details: info.details };
}

/** A newer version is offered; an older one only when downgrades are allowed (DESIGN §10). */
function isOffered(output: CheckUpgradeOutput, allowDowngrade: boolean): boolean {
  if (output.latestVersion === null || output.comparison === 0) return false;
  return output.comparison > 0 || allowDowngrade;
}

function needsRepair(verify: VerifyOutput | null): boolean {
  return verify !== null && verify.missing.length + verify.mismatched.length + verify.unknown.length > 0;
}

function describeDamage(verify: VerifyOutput): string {
  const parts: string[] = [];
  if (verify.missing.length > 0) parts.push(`missing: ${verify.missing.join(', ')}`);
  if (verify.mismatched.length > 0) parts.push(`changed: ${verify.mismatched.join(', ')}`);
  if (verify.unknown.length > 0) parts.push(`not in the manifest: ${verify.unknown.join(', ')}`);
  return parts.join('; ');
}

/** The station machine, with actors that fail until provided (see createStationActors). */
export const stationMachine = setup({
  types: {
    context: {} as StationContext,
    events: {} as StationEvent,
    input: {} as LaunchParams,
  },
  actors: unprovidedStationActors(),
  guards: {
    offlineRequested: ({ context }) => context.offline,
    isOnline: (_, output: ProbeOutput) => output.online,
    filesIntact: (_, verify: VerifyOutput) => !needsRepair(verify),
    newerAnnounced: ({ context }, output: CheckUpgradeOutput) => isOffered(output, context.allowDowngrade),
  },
  actions: {
    startCycle: assign((_, params: LaunchParams) => initialContext(params)),
    recordProbe: assign((_, output: ProbeOutput) => ({
      online: output.online,
      offlineReason: output.online ? null : (output.reason ?? 'server unreachable'),
    })),
    recordManifest: assign((_, output: ManifestSyncOutput) => ({
      serverVersion: output.serverVersion,
      manifestReplaced: output.replacedLocal,
    })),
    recordVerify: assign((_, verify: VerifyOutput) => ({ verify })),
    recordPatch: assign((_, output: PatchOutput) => ({
      patched: output.patched,
      removed: output.removed,
      bytesFetched: output.bytesFetched,
    })),
    recordUpgradeCheck: assign(({ context }, output: CheckUpgradeOutput) => ({
      latestVersion: output.latestVersion,
      upgradeAvailable: isOffered(output, context.allowDowngrade),
      warnings: output.warning === undefined ? context.warnings : [...context.warnings, output.warning],
    })),
    failOfflineDamage: assign((_, verify: VerifyOutput) => ({
      error: {
        code: 'OFFLINE_FILES_BAD' as const,
        message: `offline and lib/ does not match MANIFEST.MF ${verify.version} (${describeDamage(verify)}); nothing was deleted — connect to the upgrade server and run start again`,
      },
    })),
    fail: assign((_, params: { error: unknown; code: ErrorCode }) => ({ error: classifyError(params.error, params.code) })),
  },
}).createMachine({
  id: 'station',
  context: ({ input }) => initialContext(input),
  initial: 'probing',
  states: {
    probing: {
      always: { guard: 'offlineRequested', target: 'offline' },
      invoke: {
        id: 'probeServer',
        src: 'probeServer',
        input: ({ context }) => ({ offline: context.offline }),
        onDone: [
          {
            guard: { type: 'isOnline', params: ({ event }) => event.output },
            target: 'manifest',
            actions: { type: 'recordProbe', params: ({ event }) => event.output },
          },
          { target: 'offline', actions: { type: 'recordProbe', params: ({ event }) => event.output } },
        ],
        onError: { target: 'failed', actions: { type: 'fail', params: ({ event }) => ({ error: event.error, code: 'IO_FAILED' }) } },
      },
    },
    offline: {
      invoke: {
        id: 'verifyOffline',
        src: 'verifyFiles',
        input: ({ context }) => ({ installedVersion: context.installedVersion }),
        onDone: [
          {
            guard: { type: 'filesIntact', params: ({ event }) => event.output },
            target: 'ready',
            actions: { type: 'recordVerify', params: ({ event }) => event.output },
          },
          {
            target: 'failed',
            actions: [
              { type: 'recordVerify', params: ({ event }) => event.output },
              { type: 'failOfflineDamage', params: ({ event }) => event.output },
            ],
          },
        ],
        onError: { target: 'failed', actions: { type: 'fail', params: ({ event }) => ({ error: event.error, code: 'IO_FAILED' }) } },
      },
    },
    manifest: {
      invoke: {
        id: 'syncManifest',
        src: 'syncManifest',
        input: ({ context }) => ({ installedVersion: context.installedVersion }),
        onDone: { target: 'verify', actions: { type: 'recordManifest', params: ({ event }) => event.output } },
        onError: {
          target: 'failed',
          actions: { type: 'fail', params: ({ event }) => ({ error: event.error, code: 'BUILD_STATUS_CHECK_FAILED' }) },
        },
      },
    },
    verify: {
      invoke: {
        id: 'verifyFiles',
        src: 'verifyFiles',
        input: ({ context }) => ({ installedVersion: context.installedVersion }),
        onDone: [
          {
            guard: { type: 'filesIntact', params: ({ event }) => event.output },
            target: 'checkingUpgrade',
            actions: { type: 'recordVerify', params: ({ event }) => event.output },
          },
          { target: 'patch', actions: { type: 'recordVerify', params: ({ event }) => event.output } },
        ],
        onError: { target: 'failed', actions: { type: 'fail', params: ({ event }) => ({ error: event.error, code: 'IO_FAILED' }) } },
      },
    },
    patch: {
      invoke: {
        id: 'patchFiles',
        src: 'patchFiles',
        input: ({ context }) => ({
          installedVersion: context.installedVersion,
          missing: context.verify?.missing ?? [],
          mismatched: context.verify?.mismatched ?? [],
          unknown: context.verify?.unknown ?? [],
        }),
        onDone: { target: 'checkingUpgrade', actions: { type: 'recordPatch', params: ({ event }) => event.output } },
        onError: {
          target: 'failed',
          actions: { type: 'fail', params: ({ event }) => ({ error: event.error, code: 'PATCH_DOWNLOAD_FAILED' }) },
        },
      },
    },
    checkingUpgrade: {
      invoke: {
        id: 'checkUpgrade',
        src: 'checkUpgrade',
        input: ({ context }) => ({ installedVersion: context.installedVersion, allowDowngrade: context.allowDowngrade }),
        onDone: [
          {
            guard: { type: 'newerAnnounced', params: ({ event }) => event.output },
            target: 'upgradeAvailable',
            actions: { type: 'recordUpgradeCheck', params: ({ event }) => event.output },
          },
          { target: 'ready', actions: { type: 'recordUpgradeCheck', params: ({ event }) => event.output } },
        ],
        onError: {
          target: 'failed',
          actions: { type: 'fail', params: ({ event }) => ({ error: event.error, code: 'BUILD_STATUS_CHECK_FAILED' }) },
        },
      },
    },
    ready: {
      tags: ['resting'],
      on: { LAUNCH: { target: 'probing', actions: { type: 'startCycle', params: ({ event }) => event.params } } },
    },
    upgradeAvailable: {
      tags: ['resting'],
      on: { LAUNCH: { target: 'probing', actions: { type: 'startCycle', params: ({ event }) => event.params } } },
    },
    failed: {
      tags: ['resting'],
      on: { LAUNCH: { target: 'probing', actions: { type: 'startCycle', params: ({ event }) => event.params } } },
    },
  },
});

/** The state names of the machine, in DESIGN §5 order (what `status`, the inspector and history show). */
export const STATION_STATES = Object.keys(stationMachine.config.states ?? {});
