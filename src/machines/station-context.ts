// The station machine's memory and the pure rules it decides with. Plain JSON only, so a snapshot
// can be persisted after every transition and restored after a crash.
import { ERROR_CODES, EXIT, type ErrorInfo } from '../errors.js';
import type { RolloutStatus } from '../rollout/decide-rollout.js';
import type { CheckUpgradeOutput, RollbackPhase, UpgradeStepInput, VerifyOutput } from './station-services.js';

/** Which command started the current cycle. */
export type CycleCommand = 'start' | 'upgrade' | 'rollback';

/** What a launch asks of the machine: the facts the runner read before starting it. */
export interface LaunchParams {
  command: CycleCommand;
  /** Id of this run; an upgrade started by it carries it as its cycle id. */
  runId: string;
  installedVersion: string;
  offline: boolean;
  allowDowngrade: boolean;
  /** Failed database upgrades of one release before the station gives up on it and rolls back (default 10). */
  dbRetryLimit?: number;
  /** `upgrade --ignore-rollout`: a supervisor takes the version though the rollout does not offer it here. */
  ignoreRollout?: boolean;
}

/** The version upgrade in progress (kept across launches until it is done or rolled back). */
export interface UpgradeContext {
  cycleId: string;
  fromVersion: string;
  targetVersion: string;
  backupDir: string | null;
  staged: { fileCount: number; changed: number; bytesFetched: number } | null;
  applied: { replaced: string[]; added: string[]; deleted: string[] } | null;
  dbApplied: string[];
  /** The DB upgrade failed and was rolled back: the next launch retries it. */
  dbUpgradePending: boolean;
  /** Database upgrades of this release that failed in a row (absent in snapshots from before it was counted). */
  dbFailures?: number;
  rollbackPhase: RollbackPhase | null;
  /** `done` removed the backup and staging. */
  finished: boolean;
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
  /** What a rollback of this run restored from the backup (`lib/…`, `bin/…`, `MANIFEST.MF`, `db/…`); absent in older snapshots. */
  rolledBack?: string[];
  bytesFetched: number;
  /** Bytes taken from files already on the station instead of fetched; absent in snapshots from before differential downloads. */
  bytesReused?: number;
  latestVersion: string | null;
  upgradeAvailable: boolean;
  /** The staged rollout as this cycle's check found it; null without a rollout document. */
  rollout: RolloutStatus | null;
  upgrade: UpgradeContext | null;
  warnings: string[];
  error: ErrorInfo | null;
}

/** Context at the start of a cycle; an upgrade still in progress is carried over. */
export function initialContext(params: LaunchParams, upgrade: UpgradeContext | null = null): StationContext {
  return {
    ...params,
    online: null,
    offlineReason: null,
    serverVersion: null,
    manifestReplaced: false,
    verify: null,
    patched: [],
    removed: [],
    rolledBack: [],
    bytesFetched: 0,
    bytesReused: 0,
    latestVersion: upgrade?.targetVersion ?? null,
    upgradeAvailable: false,
    rollout: null,
    upgrade,
    warnings: [],
    error: null,
  };
}

/** A new upgrade from the installed version to the announced one. */
export function newUpgrade(context: StationContext): UpgradeContext {
  return {
    cycleId: context.runId,
    fromVersion: context.installedVersion,
    targetVersion: context.latestVersion ?? context.installedVersion,
    backupDir: null,
    staged: null,
    applied: null,
    dbApplied: [],
    dbUpgradePending: false,
    rollbackPhase: null,
    finished: false,
  };
}

/** Input of an upgrade step, from the upgrade in progress. */
export function stepInput(context: StationContext): UpgradeStepInput {
  const upgrade = context.upgrade ?? newUpgrade(context);
  return {
    cycleId: upgrade.cycleId,
    fromVersion: upgrade.fromVersion,
    targetVersion: upgrade.targetVersion,
    backupDir: upgrade.backupDir,
  };
}

/** How a failed step records its error: the one rule, in errors.ts. */
export { classifyError } from '../errors.js';

/**
 * A newer version is offered; an older one only when downgrades are allowed (DESIGN §10); either
 * only to a station the staged rollout includes, unless a supervisor ignores it (DESIGN §13).
 */
export function isOffered(output: CheckUpgradeOutput, allowDowngrade: boolean, ignoreRollout = false): boolean {
  if (output.latestVersion === null || output.comparison === 0) return false;
  if (output.rollout !== undefined && !output.rollout.included && !ignoreRollout) return false;
  return output.comparison > 0 || allowDowngrade;
}

/** Does verify's finding call for a patch? */
export function needsRepair(verify: VerifyOutput | null): boolean {
  return verify !== null && verify.missing.length + verify.mismatched.length + verify.unknown.length > 0;
}

/** One line naming what verify found wrong. */
export function describeDamage(verify: VerifyOutput): string {
  const parts: string[] = [];
  if (verify.missing.length > 0) parts.push(`missing: ${verify.missing.join(', ')}`);
  if (verify.mismatched.length > 0) parts.push(`changed: ${verify.mismatched.join(', ')}`);
  if (verify.unknown.length > 0) parts.push(`not in the manifest: ${verify.unknown.join(', ')}`);
  return parts.join('; ');
}

/** Default of LaunchParams.dbRetryLimit: the crash-loop guard's limit (DESIGN §5). */
export const DEFAULT_DB_RETRY_LIMIT = 10;

/**
 * The DB step failed on the release's own files (mappings, scripts, properties: exit 64 or 65),
 * not on the database: the retry goes through the startup cycle, whose patch can bring a hotfix.
 */
export function failedOnReleaseFiles(error: ErrorInfo | null): boolean {
  if (error === null) return false;
  const exit = ERROR_CODES[error.code];
  return exit === EXIT.badData || exit === EXIT.usage;
}

/** The upgrade states: a restore of one of these without progress counts toward the crash-loop guard. */
export const UPGRADE_STATES = ['backup', 'downloading', 'restarting', 'dbUpgrade', 'rollback', 'done'] as const;

/** True when the machine has come to rest and the run can end (done rests once its cleanup ran). */
export function isResting(snapshot: { value: unknown; context: StationContext; hasTag(tag: 'resting'): boolean }): boolean {
  if (!snapshot.hasTag('resting')) return false;
  return snapshot.value !== 'done' || snapshot.context.upgrade?.finished !== false;
}
