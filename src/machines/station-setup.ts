// The station machine's vocabulary (DESIGN §5): its types, the actors it invokes by name, and the
// guards and actions it decides with — all pure. The states that use them are in station-machine.ts.
import { assign, setup } from 'xstate';
import { bytesFetchedBefore, type ErrorCode } from '../errors.js';
import { describeRollout } from '../rollout/decide-rollout.js';
import {
  classifyError,
  DEFAULT_DB_RETRY_LIMIT,
  describeDamage,
  failedOnReleaseFiles,
  initialContext,
  isOffered,
  needsRepair,
  newUpgrade,
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

/** Events the machine accepts from outside; everything else comes from its invoked actors. */
export type StationEvent = { type: 'LAUNCH'; params: LaunchParams };

function withUpgrade(context: StationContext, change: Partial<UpgradeContext>): UpgradeContext {
  return { ...(context.upgrade ?? newUpgrade(context)), ...change };
}

/** The setup every state of the station machine refers to by name. */
/**
 * A failed database upgrade waits on this launch: only onto the release it belongs to (lib/ restored
 * by hand, or another station's, means a fresh plan) and never under `rollback`.
 */
function pendingOnInstalled(context: StationContext, params: LaunchParams): boolean {
  return context.upgrade?.dbUpgradePending === true && params.command !== 'rollback' && params.installedVersion === context.upgrade.targetVersion;
}

export const stationSetup = setup({
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
    // `upgrade` on a station that is offline: nothing could be checked (online, `ready` means up to date).
    upgradeRequestedOffline: ({ context }) => context.command === 'upgrade' && context.online !== true,
    upToDate: (_, output: CheckUpgradeOutput) => output.latestVersion !== null && output.comparison === 0,
    isOnline: (_, output: ProbeOutput) => output.online,
    filesIntact: (_, verify: VerifyOutput) => !needsRepair(verify),
    // A launch finds the database behind the installed release (the state of an interrupted upgrade
    // was lost): its scripts run before the client starts on a schema it does not know.
    // A database upgrade still pending (it failed on the release's files) counts as behind too.
    intactButDatabaseBehind: ({ context }, verify: VerifyOutput) =>
      context.command === 'start' && !needsRepair(verify) && (verify.databaseBehind !== undefined || context.upgrade?.dbUpgradePending === true),
    databaseBehind: ({ context }) =>
      context.command === 'start' && (context.verify?.databaseBehind !== undefined || context.upgrade?.dbUpgradePending === true),
    newerAnnounced: ({ context }, output: CheckUpgradeOutput) => isOffered(output, context.allowDowngrade),
    upgradeRequestedAndOffered: ({ context }, output: CheckUpgradeOutput) =>
      context.command === 'upgrade' && isOffered(output, context.allowDowngrade, context.ignoreRollout === true),
    launchedToApply: (_, params: LaunchParams) => params.command === 'start',
    launchedToRollback: (_, params: LaunchParams) => params.command === 'rollback',
    dbRetryPending: ({ context }, params: LaunchParams) => pendingOnInstalled(context, params),
    // The scripts of this release failed dbRetryLimit launches in a row: stop retrying, roll back.
    dbRetriesExhausted: ({ context }, params: LaunchParams) =>
      pendingOnInstalled(context, params) && (context.upgrade?.dbFailures ?? 0) >= (params.dbRetryLimit ?? DEFAULT_DB_RETRY_LIMIT),
    releaseRetryPending: ({ context }, params: LaunchParams) =>
      pendingOnInstalled(context, params) && params.command === 'start' && failedOnReleaseFiles(context.error),
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
      bytesReused: output.bytesReused ?? 0,
    })),
    recordUpgradeCheck: assign(({ context }, output: CheckUpgradeOutput) => ({
      latestVersion: output.latestVersion,
      upgradeAvailable: isOffered(output, context.allowDowngrade),
      rollout: output.rollout ?? null,
      warnings: output.warning === undefined ? context.warnings : [...context.warnings, output.warning],
    })),
    beginUpgrade: assign(({ context }) => ({ upgrade: newUpgrade(context) })),
    beginDatabaseCatchUp: assign(({ context }) => ({
      upgrade: context.upgrade?.dbUpgradePending === true ? { ...context.upgrade, rollbackPhase: null } : {
        ...newUpgrade(context),
        fromVersion: context.verify?.databaseBehind ?? context.installedVersion,
        targetVersion: context.installedVersion,
      },
    })),
    recordBackup: assign(({ context }, output: BackupOutput) => ({ upgrade: withUpgrade(context, { backupDir: output.backupDir }) })),
    recordStage: assign(({ context }, output: StageOutput) => ({
      upgrade: withUpgrade(context, { staged: output }),
      bytesFetched: context.bytesFetched + output.bytesFetched,
      bytesReused: (context.bytesReused ?? 0) + (output.bytesReused ?? 0),
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
    // A restore from the backup undid whatever this run had changed in lib/: only the restored files are on disk.
    recordRollback: assign(({ context }, output: RollbackOutput) => ({
      ...(output.restored.length > 0 ? { patched: [], removed: [], rolledBack: output.restored } : {}),
      installedVersion: output.installedVersion,
      upgrade: null,
      warnings: [...context.warnings, ...(output.warnings ?? [])],
    })),
    keepDbRetryPending: assign(({ context }) => ({
      upgrade: withUpgrade(context, { dbUpgradePending: true, rollbackPhase: null, dbFailures: (context.upgrade?.dbFailures ?? 0) + 1 }),
    })),
    warnGaveUp: assign(({ context }) => ({
      warnings: [
        ...context.warnings,
        `the database upgrade to ${context.upgrade?.targetVersion ?? '?'} failed ${context.upgrade?.dbFailures ?? 0} launches in a row; ` +
          `gave up on it and rolled back to ${context.upgrade?.fromVersion ?? 'the previous version'} (CRASH_LOOP); publish a fixed release and run upgrade again`,
      ],
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
            : context.rollout !== null && !context.rollout.included
              ? `${describeRollout(context.rollout)}: nothing to upgrade (a supervisor may take it with upgrade --ignore-rollout)`
              : `no newer version than ${context.installedVersion} is announced (latest: ${context.latestVersion ?? 'none'}): nothing to upgrade`,
      },
    })),
    failOfflineDamage: assign((_, verify: VerifyOutput) => ({
      error: {
        code: 'OFFLINE_FILES_BAD' as const,
        message: `offline and lib/ does not match MANIFEST.MF ${verify.version} (${describeDamage(verify)}); nothing was deleted — connect to the upgrade server and run start again`,
      },
    })),
    // A step that fetched before failing says so: the result's bytesFetched is what really came over the network.
    fail: assign(({ context }, params: { error: unknown; code: ErrorCode }) => ({
      error: classifyError(params.error, params.code),
      bytesFetched: context.bytesFetched + bytesFetchedBefore(params.error),
    })),
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
});
