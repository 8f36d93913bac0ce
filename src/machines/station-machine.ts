// The station's one state machine (DESIGN §5). It only decides: every side effect is an invoked
// actor named in `setup`, provided by the runner (real I/O) or by tests (fakes). Context is plain
// JSON (station-context.ts) so the snapshot can be persisted after every transition and restored.
import { assign, setup } from 'xstate';
import type { ErrorCode } from '../errors.js';
import {
  classifyError,
  describeDamage,
  initialContext,
  isOffered,
  needsRepair,
  newUpgrade,
  stepInput,
  type LaunchParams,
  type StationContext,
  type UpgradeContext,
} from './station-context.js';
import {
  unprovidedStationActors,
  type ApplyOutput,
  type BackupOutput,
  type CheckUpgradeOutput,
  type DbUpgradeOutput,
  type ManifestSyncOutput,
  type PatchOutput,
  type ProbeOutput,
  type RollbackOutput,
  type RollbackPhase,
  type StageOutput,
  type VerifyOutput,
} from './station-services.js';

export { initialContext, classifyError, isResting, UPGRADE_STATES } from './station-context.js';
export type { CycleCommand, LaunchParams, StationContext, UpgradeContext } from './station-context.js';

/** Bumped whenever states or context change shape: a persisted snapshot of another version is not restored. */
export const MACHINE_VERSION = 'station-2';

/** Events the machine accepts from outside; everything else comes from its invoked actors. */
export type StationEvent = { type: 'LAUNCH'; params: LaunchParams };

function withUpgrade(context: StationContext, change: Partial<UpgradeContext>): UpgradeContext {
  return { ...(context.upgrade ?? newUpgrade(context)), ...change };
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
    rollbackRequested: ({ context }) => context.command === 'rollback',
    upgradeRequested: ({ context }) => context.command === 'upgrade',
    isOnline: (_, output: ProbeOutput) => output.online,
    filesIntact: (_, verify: VerifyOutput) => !needsRepair(verify),
    newerAnnounced: ({ context }, output: CheckUpgradeOutput) => isOffered(output, context.allowDowngrade),
    upgradeRequestedAndOffered: ({ context }, output: CheckUpgradeOutput) =>
      context.command === 'upgrade' && isOffered(output, context.allowDowngrade),
    launchedToApply: (_, params: LaunchParams) => params.command === 'start',
    launchedToRollback: (_, params: LaunchParams) => params.command === 'rollback',
    dbRetryPending: ({ context }, params: LaunchParams) =>
      context.upgrade?.dbUpgradePending === true && params.command !== 'rollback',
    operatorRollback: ({ context }) => context.upgrade?.rollbackPhase === 'operator',
    dbRollback: ({ context }) => context.upgrade?.rollbackPhase === 'dbUpgrade',
  },
  actions: {
    startCycle: assign((_, params: LaunchParams) => initialContext(params)),
    resumeUpgrade: assign(({ context }, params: LaunchParams) =>
      initialContext({ ...params, installedVersion: context.installedVersion }, context.upgrade),
    ),
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
    beginUpgrade: assign(({ context }) => ({ upgrade: newUpgrade(context) })),
    recordBackup: assign(({ context }, output: BackupOutput) => ({ upgrade: withUpgrade(context, { backupDir: output.backupDir }) })),
    recordStage: assign(({ context }, output: StageOutput) => ({
      upgrade: withUpgrade(context, { staged: output }),
      bytesFetched: context.bytesFetched + output.bytesFetched,
    })),
    recordApply: assign(({ context }, output: ApplyOutput) => ({
      upgrade: withUpgrade(context, { applied: output }),
      installedVersion: context.upgrade?.targetVersion ?? context.installedVersion,
      patched: [...output.replaced, ...output.added],
      removed: output.deleted,
    })),
    recordDbUpgrade: assign(({ context }, output: DbUpgradeOutput) => ({
      upgrade: withUpgrade(context, { dbApplied: output.applied, dbUpgradePending: false }),
    })),
    enterRollback: assign(({ context }, phase: RollbackPhase) => ({
      upgrade: withUpgrade(context, { rollbackPhase: phase }),
    })),
    recordRollback: assign((_, output: RollbackOutput) => ({ installedVersion: output.installedVersion, upgrade: null })),
    keepDbRetryPending: assign(({ context }) => ({
      upgrade: withUpgrade(context, { dbUpgradePending: true, rollbackPhase: null }),
    })),
    markFinished: assign(({ context }) => ({ upgrade: withUpgrade(context, { finished: true }) })),
    warnCleanup: assign(({ context }, { error }: { error: unknown }) => ({
      warnings: [...context.warnings, `cleanup after the upgrade failed: ${classifyError(error, 'IO_FAILED').message}`],
    })),
    failNoUpgrade: assign(({ context }) => ({
      error: {
        code: 'NO_UPGRADE_ANNOUNCED' as const,
        message:
          context.online === false
            ? `the upgrade server is not reachable (${context.offlineReason ?? 'offline'}): nothing to upgrade to`
            : `no newer version than ${context.installedVersion} is announced (latest: ${context.latestVersion ?? 'none'}): nothing to upgrade`,
      },
    })),
    failOfflineDamage: assign((_, verify: VerifyOutput) => ({
      error: {
        code: 'OFFLINE_FILES_BAD' as const,
        message: `offline and lib/ does not match MANIFEST.MF ${verify.version} (${describeDamage(verify)}); nothing was deleted — connect to the upgrade server and run start again`,
      },
    })),
    fail: assign((_, params: { error: unknown; code: ErrorCode }) => ({ error: classifyError(params.error, params.code) })),
    failRollback: assign(({ context }, { error }: { error: unknown }) => {
      const info = classifyError(error, 'ROLLBACK_FAILED');
      if (info.code === 'NO_BACKUP') return { error: info };
      const backup = context.upgrade?.backupDir ?? 'the newest complete backup';
      return {
        error: {
          code: 'ROLLBACK_FAILED' as const,
          message: `rollback failed: ${info.message}; restore manually from ${backup}${context.error === null ? '' : ` (the step that failed: ${context.error.message})`}`,
        },
      };
    }),
  },
}).createMachine({
  id: 'station',
  context: ({ input }) => initialContext(input),
  initial: 'probing',
  states: {
    probing: {
      always: [
        { guard: 'rollbackRequested', target: 'rollback', actions: { type: 'enterRollback', params: 'operator' } },
        { guard: 'offlineRequested', target: 'offline' },
      ],
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
            guard: { type: 'upgradeRequestedAndOffered', params: ({ event }) => event.output },
            target: 'backup',
            actions: [{ type: 'recordUpgradeCheck', params: ({ event }) => event.output }, 'beginUpgrade'],
          },
          {
            guard: { type: 'newerAnnounced', params: ({ event }) => event.output },
            target: 'upgradeAvailable',
            actions: { type: 'recordUpgradeCheck', params: ({ event }) => event.output },
          },
          {
            guard: 'upgradeRequested',
            target: 'failed',
            actions: [{ type: 'recordUpgradeCheck', params: ({ event }) => event.output }, 'failNoUpgrade'],
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
      always: { guard: 'upgradeRequested', target: 'failed', actions: 'failNoUpgrade' },
      on: { LAUNCH: { target: 'probing', actions: { type: 'startCycle', params: ({ event }) => event.params } } },
    },
    upgradeAvailable: {
      tags: ['resting'],
      on: { LAUNCH: { target: 'probing', actions: { type: 'startCycle', params: ({ event }) => event.params } } },
    },
    backup: {
      invoke: {
        id: 'backupStation',
        src: 'backupStation',
        input: ({ context }) => stepInput(context),
        onDone: { target: 'downloading', actions: { type: 'recordBackup', params: ({ event }) => event.output } },
        onError: {
          target: 'rollback',
          actions: [
            { type: 'fail', params: ({ event }) => ({ error: event.error, code: 'BACKUP_FAILED' }) },
            { type: 'enterRollback', params: 'backup' },
          ],
        },
      },
    },
    downloading: {
      invoke: {
        id: 'stageRelease',
        src: 'stageRelease',
        input: ({ context }) => stepInput(context),
        onDone: { target: 'staged', actions: { type: 'recordStage', params: ({ event }) => event.output } },
        onError: {
          target: 'rollback',
          actions: [
            { type: 'fail', params: ({ event }) => ({ error: event.error, code: 'PATCH_DOWNLOAD_FAILED' }) },
            { type: 'enterRollback', params: 'downloading' },
          ],
        },
      },
    },
    staged: {
      tags: ['resting'],
      on: {
        LAUNCH: [
          {
            guard: { type: 'launchedToApply', params: ({ event }) => event.params },
            target: 'restarting',
            actions: { type: 'resumeUpgrade', params: ({ event }) => event.params },
          },
          {
            guard: { type: 'launchedToRollback', params: ({ event }) => event.params },
            target: 'probing',
            actions: { type: 'startCycle', params: ({ event }) => event.params },
          },
        ],
      },
    },
    restarting: {
      invoke: {
        id: 'applyStaged',
        src: 'applyStaged',
        input: ({ context }) => stepInput(context),
        onDone: { target: 'dbUpgrade', actions: { type: 'recordApply', params: ({ event }) => event.output } },
        onError: {
          target: 'rollback',
          actions: [
            { type: 'fail', params: ({ event }) => ({ error: event.error, code: 'UPGRADE_FAILED' }) },
            { type: 'enterRollback', params: 'restarting' },
          ],
        },
      },
    },
    dbUpgrade: {
      invoke: {
        id: 'upgradeDatabase',
        src: 'upgradeDatabase',
        input: ({ context }) => stepInput(context),
        onDone: { target: 'done', actions: { type: 'recordDbUpgrade', params: ({ event }) => event.output } },
        onError: {
          target: 'rollback',
          actions: [
            { type: 'fail', params: ({ event }) => ({ error: event.error, code: 'DB_UPGRADE_FAILED' }) },
            { type: 'enterRollback', params: 'dbUpgrade' },
          ],
        },
      },
    },
    rollback: {
      invoke: {
        id: 'rollbackStation',
        src: 'rollbackStation',
        input: ({ context }) => ({ ...stepInput(context), phase: context.upgrade?.rollbackPhase ?? 'operator' }),
        onDone: [
          {
            guard: 'operatorRollback',
            target: 'ready',
            actions: { type: 'recordRollback', params: ({ event }) => event.output },
          },
          { guard: 'dbRollback', target: 'failed', actions: 'keepDbRetryPending' },
          { target: 'failed', actions: { type: 'recordRollback', params: ({ event }) => event.output } },
        ],
        onError: { target: 'failed', actions: { type: 'failRollback', params: ({ event }) => ({ error: event.error }) } },
      },
    },
    done: {
      tags: ['resting'],
      invoke: {
        id: 'finishUpgrade',
        src: 'finishUpgrade',
        input: ({ context }) => stepInput(context),
        onDone: { actions: 'markFinished' },
        onError: { actions: ['markFinished', { type: 'warnCleanup', params: ({ event }) => ({ error: event.error }) }] },
      },
      on: { LAUNCH: { target: 'probing', actions: { type: 'startCycle', params: ({ event }) => event.params } } },
    },
    failed: {
      tags: ['resting'],
      on: {
        LAUNCH: [
          {
            guard: { type: 'dbRetryPending', params: ({ event }) => event.params },
            target: 'dbUpgrade',
            actions: { type: 'resumeUpgrade', params: ({ event }) => event.params },
          },
          { target: 'probing', actions: { type: 'startCycle', params: ({ event }) => event.params } },
        ],
      },
    },
  },
});

/** The state names of the machine, in DESIGN §5 order (what `status`, the inspector and history show). */
export const STATION_STATES = Object.keys(stationMachine.config.states ?? {});
