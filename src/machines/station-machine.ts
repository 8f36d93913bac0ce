// The station's one state machine (DESIGN §5). It only decides: every side effect is an invoked
// actor named in station-setup.ts, provided by the runner (real I/O) or by tests (fakes). Context
// is plain JSON (station-context.ts) so the snapshot can be persisted after every transition.
import { initialContext, stepInput } from './station-context.js';
import { stationSetup } from './station-setup.js';

export { initialContext, classifyError, isResting, UPGRADE_STATES } from './station-context.js';
export type { CycleCommand, LaunchParams, StationContext, UpgradeContext } from './station-context.js';
export type { StationEvent } from './station-setup.js';

/** Bumped whenever states or context change shape: a persisted snapshot of another version is not restored. */
export const MACHINE_VERSION = 'station-2';

/** The station machine, with actors that fail until provided (see createStationActors). */
export const stationMachine = stationSetup.createMachine({
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
            guard: { type: 'intactButDatabaseBehind', params: ({ event }) => event.output },
            target: 'dbUpgrade',
            actions: [{ type: 'recordVerify', params: ({ event }) => event.output }, 'beginDatabaseCatchUp'],
          },
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
            guard: { type: 'intactButDatabaseBehind', params: ({ event }) => event.output },
            target: 'dbUpgrade',
            actions: [{ type: 'recordVerify', params: ({ event }) => event.output }, 'beginDatabaseCatchUp'],
          },
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
        onDone: [
          {
            guard: 'databaseBehind',
            target: 'dbUpgrade',
            actions: [{ type: 'recordPatch', params: ({ event }) => event.output }, 'beginDatabaseCatchUp'],
          },
          { target: 'checkingUpgrade', actions: { type: 'recordPatch', params: ({ event }) => event.output } },
        ],
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
            // `upgrade` when the announced version is the installed one: a normal outcome, not a failure.
            guard: { type: 'upToDate', params: ({ event }) => event.output },
            target: 'ready',
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
      always: { guard: 'upgradeRequestedOffline', target: 'failed', actions: 'failNoUpgrade' },
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
            guard: { type: 'dbRetriesExhausted', params: ({ event }) => event.params },
            target: 'rollback',
            actions: [{ type: 'resumeUpgrade', params: ({ event }) => event.params }, { type: 'enterRollback', params: 'operator' }, 'warnGaveUp'],
          },
          {
            // A hotfix of the same version is patched in before the scripts run again.
            guard: { type: 'releaseRetryPending', params: ({ event }) => event.params },
            target: 'probing',
            actions: { type: 'resumeUpgrade', params: ({ event }) => event.params },
          },
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
