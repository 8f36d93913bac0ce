// The result of a run as the launcher sees it (DESIGN §7): derived from the machine's resting state.
import { ERROR_CODES, EXIT, type ErrorInfo } from '../errors.js';
import type { RolloutStatus } from '../rollout/decide-rollout.js';
import type { StationContext } from './station-machine.js';

/** The `--json` object of every command and the return value of `runStartup()`. */
export interface RunResult {
  command: string;
  state: string;
  exitCode: number;
  installedVersion: string | null;
  latestVersion: string | null;
  upgradeAvailable: boolean;
  restartRequired: boolean;
  online: boolean | null;
  /** Files this run changed in lib/ and left there (a rollback's restore empties it). */
  patched: string[];
  removed: string[];
  /** Files a rollback of this run restored from the backup: `lib/…`, `bin/…`, `MANIFEST.MF`, `db/…`. */
  rolledBack: string[];
  bytesFetched: number;
  /** Bytes of new files taken from files already on the station (differential downloads, DESIGN §13). */
  bytesReused: number;
  warnings: string[];
  error: ErrorInfo | null;
  /** Where the staged rollout stands for this station (DESIGN §13); absent without a rollout document. */
  rollout?: RolloutStatus;
  /** The operator took the version with `upgrade --ignore-rollout`. */
  rolloutIgnored?: boolean;
}

/** Exit code for a resting state and its recorded error. */
export function exitCodeFor(state: string, error: ErrorInfo | null): number {
  if (error !== null) return ERROR_CODES[error.code];
  if (state === 'staged') return EXIT.restartRequired;
  return EXIT.ready;
}

/** Builds the run result from the state the machine rested in. */
export function describeResult(command: string, state: string, context: StationContext): RunResult {
  return {
    command,
    state,
    exitCode: exitCodeFor(state, context.error),
    installedVersion: context.installedVersion,
    latestVersion: context.latestVersion,
    upgradeAvailable: context.upgradeAvailable,
    restartRequired: state === 'staged',
    online: context.online,
    patched: context.patched,
    removed: context.removed,
    rolledBack: context.rolledBack ?? [],
    bytesFetched: context.bytesFetched,
    bytesReused: context.bytesReused ?? 0,
    warnings: context.warnings,
    error: context.error,
    ...(context.rollout === null || context.rollout === undefined ? {} : { rollout: context.rollout }),
    ...(context.ignoreRollout === true ? { rolloutIgnored: true } : {}),
  };
}
