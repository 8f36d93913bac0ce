// `reg-client-upgrader upgrade` and `rollback`: the operator's commands (DESIGN §5, §8).
import path from 'node:path';
import { Command } from 'commander';
import type { CommonOptions } from '../common-options.js';
import { confirm } from '../confirm.js';
import { describeRollout } from '../../rollout/decide-rollout.js';
import { runCycleCommand } from './start.js';

/**
 * The station's status, only to word the confirmation question: read before the lock, it may meet a
 * state database another run is creating this instant — then the question is asked without it, and
 * the lock decides (exit 40) instead of a spurious state-database error.
 */
async function statusForQuestion(clientDir: string) {
  const { readStationStatus } = await import('../../runner/read-station-state.js');
  return readStationStatus(path.resolve(clientDir)).catch(() => undefined);
}

/** The `upgrade` command. */
export function upgradeCommand(): Command {
  return new Command('upgrade')
    .description(
      'back up lib/, bin/, MANIFEST.MF and the database, then download and stage the announced version; exit 10 asks for a restart, which applies it',
    )
    .option('--ignore-rollout', 'take the announced version even where the staged rollout (rollout.json) does not offer it to this station yet; asks to confirm, recorded in history')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<CommonOptions & { ignoreRollout?: boolean }>();
      const status = await statusForQuestion(options.clientDir);
      const target = status?.latestVersion ?? 'the version the server announces';
      const question =
        options.ignoreRollout === true
          ? `Upgrade ${status?.installedVersion ?? 'this station'} to ${target}, ignoring the staged rollout${status?.rollout === undefined || status.rollout === null ? '' : ` (${describeRollout(status.rollout)})`}?`
          : `Upgrade ${status?.installedVersion ?? 'this station'} to ${status?.upgradeAvailable === true ? target : 'the version the server announces'}?`;
      await confirm(question, options.yes);
      await runCycleCommand('upgrade', options);
    });
}

/** The `rollback` command. */
export function rollbackCommand(): Command {
  return new Command('rollback')
    .description('restore the previous version (lib/, bin/, MANIFEST.MF, database) from the newest complete backup')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<CommonOptions>();
      const status = await statusForQuestion(options.clientDir);
      await confirm(`Roll ${status?.installedVersion ?? 'this station'} back to the version in the newest backup?`, options.yes);
      await runCycleCommand('rollback', options);
    });
}
