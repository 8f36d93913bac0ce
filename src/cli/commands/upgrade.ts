// `reg-client-upgrader upgrade` and `rollback`: the operator's commands (DESIGN §5, §8). Each
// states the facts before it asks (what it installs or restores, how much, where the backup goes,
// what happens to data), and a "no" is a normal outcome: nothing changes and the exit code is 0.
import path from 'node:path';
import { Command } from 'commander';
import type { CommonOptions } from '../common-options.js';
import { confirm } from '../confirm.js';
import { printJson } from '../output.js';
import { formatBytes } from '../format-bytes.js';
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

/** Prints the outcome of a declined question: nothing changed, exit 0. */
function declined(command: string, options: CommonOptions): void {
  if (options.json === true) printJson({ schemaVersion: 1, command, state: 'declined', exitCode: 0, changed: false });
  else process.stdout.write(`${command} declined: nothing was changed\n`);
  process.exitCode = 0;
}

/** The `upgrade` command. */
export function upgradeCommand(): Command {
  return new Command('upgrade')
    .description(
      'back up lib/, bin/, MANIFEST.MF and the database, then download and stage the announced version; exit 10 asks for a restart, which applies it',
    )
    .option('--ignore-rollout', 'take the announced version even where the staged rollout (rollout.json) does not offer it to this station yet; asks to confirm, recorded in history')
    .addHelpText('after', `
Before asking, it states the version it will install, the download size and where the backup
goes. --yes answers for scripts (without a terminal --yes is required: exit 64).

Example:
  reg-client-upgrader upgrade --client-dir /opt/reg-client   # then restart the client: its start applies the upgrade`)
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<CommonOptions & { ignoreRollout?: boolean }>();
      if (options.yes !== true && !process.stdin.isTTY) await confirm('Upgrade this station?', false); // exit 64: --yes needed
      if (options.yes !== true) {
        const { describeUpgrade, previewUpgrade } = await import('../../runner/preview-upgrade.js');
        const preview = await previewUpgrade(options.clientDir, options, process.env);
        if (preview !== undefined && preview.targetVersion === null) {
          // Nothing to ask: the run itself reports "already up to date" (exit 0).
          await runCycleCommand('upgrade', { ...options, yes: true });
          return;
        }
        const status = await statusForQuestion(options.clientDir);
        const facts =
          preview === undefined
            ? [`The upgrade server could not be read to say which version ${status?.installedVersion ?? 'this station'} would be upgraded to;`, 'the run checks it again and stops if none is newer.']
            : describeUpgrade(preview, formatBytes);
        const rollout = status?.rollout ?? null;
        if (options.ignoreRollout === true) facts.push(`It ignores the staged rollout${rollout === null ? '' : ` (${describeRollout(rollout)})`}; history records that.`);
        else if (rollout !== null && rollout.verdict !== 'included') facts.push(`Note: ${describeRollout(rollout)}; the run stops there unless --ignore-rollout is given.`);
        process.stderr.write(`${facts.join('\n')}\n`);
        const ignoring = options.ignoreRollout === true ? ', ignoring the staged rollout' : '';
        if (!(await confirm(`Upgrade to ${preview?.targetVersion ?? 'the announced version'} now${ignoring}?`, options.yes))) {
          declined('upgrade', options);
          return;
        }
      }
      await runCycleCommand('upgrade', { ...options, yes: true });
    });
}

/** The `rollback` command. */
export function rollbackCommand(): Command {
  return new Command('rollback')
    .description('restore the previous version (lib/, bin/, MANIFEST.MF, database) from the newest complete backup')
    .addHelpText('after', `
Before asking, it names the version and the date of the backup it restores, and what happens to
the registrations written since. --yes answers for scripts.

Example:
  reg-client-upgrader rollback --client-dir /opt/reg-client --yes`)
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<CommonOptions>();
      if (options.yes !== true && !process.stdin.isTTY) await confirm('Roll this station back?', false); // exit 64: --yes needed
      if (options.yes !== true) {
        const status = await statusForQuestion(options.clientDir);
        const { describeRollback } = await import('../../runner/preview-rollback.js');
        const facts = await describeRollback(options.clientDir, options, process.env, status?.installedVersion ?? null);
        process.stderr.write(`${facts.lines.join('\n')}\n`);
        if (!(await confirm(facts.question, options.yes))) {
          declined('rollback', options);
          return;
        }
      }
      await runCycleCommand('rollback', { ...options, yes: true });
    });
}
