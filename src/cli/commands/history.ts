// `reg-client-upgrader history`: what happened on this station, newest first.
import path from 'node:path';
import { Command } from 'commander';
import type { TransitionRecord } from '../../persistence/index.js';
import type { CommonOptions } from '../common-options.js';
import { UpgradeError } from '../../errors.js';
import { localTimestamp } from '../../services/logger.js';
import { foldHistory, type HistoryRun } from '../fold-history.js';
import { printJson } from '../output.js';

/** `xstate.done.actor.verifyFiles` → `verifyFiles done`. */
export function describeEvent(type: string): string {
  const done = /^xstate\.done\.actor\.(.+)$/.exec(type);
  if (done?.[1] !== undefined) return `${done[1]} done`;
  const failed = /^xstate\.error\.actor\.(.+)$/.exec(type);
  if (failed?.[1] !== undefined) return `${failed[1]} failed`;
  return type === 'xstate.init' ? 'run started' : type;
}

function formatRecord(record: TransitionRecord): string {
  const detail = (record.detail ?? {}) as { patched?: string[]; removed?: string[]; error?: { message: string } | null; ignoreRollout?: boolean };
  let line = `    ${localTimestamp(new Date(record.at)).slice(11, 19)}  ${record.from ?? '·'} → ${record.to}  (${describeEvent(record.event)})`;
  if (record.to === 'checkingUpgrade' && detail.patched !== undefined && detail.patched.length > 0) {
    line += `  patched: ${detail.patched.join(', ')}`;
  }
  if (record.to === 'backup' && detail.ignoreRollout === true) line += '  staged rollout ignored by the operator (--ignore-rollout)';
  if (record.to === 'failed' && detail.error) line += `  error: ${detail.error.message}`;
  return line;
}

function formatRun(run: HistoryRun): string {
  const outcome = run.exitCode === null ? `${run.outcome} (interrupted: the next run resumes)` : `${run.outcome}, exit ${run.exitCode}`;
  const error = run.error === null ? '' : `  ${run.error.code}: ${run.error.message}`;
  return `${localTimestamp(new Date(run.startedAt))}  ${run.command.padEnd(8)} → ${outcome}${error}`;
}

/** The `history` command. */
export function historyCommand(): Command {
  return new Command('history')
    .description('what happened on this station: one line per run (start, command, outcome, exit code), its transitions under it; newest first')
    .option('--limit <n>', 'at most this many transitions (the runs they belong to are shown)', '50')
    .addHelpText('after', `
--json prints {schemaVersion, command, runs: [{runId, command, startedAt, outcome, exitCode, error, transitions}],
history: [every transition, newest first, with its detail]}.

Example:
  reg-client-upgrader history --client-dir /opt/reg-client --limit 200`)
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<CommonOptions & { limit: string }>();
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new UpgradeError('USAGE', `history --limit ${options.limit}: expected a whole number of transitions, 1 or more`);
      }
      const { readStationHistory } = await import('../../runner/read-station-state.js');
      const records = await readStationHistory(path.resolve(options.clientDir), limit);
      const runs = foldHistory(records);
      if (options.json === true) {
        printJson({ schemaVersion: 1, command: 'history', runs, history: records });
        return;
      }
      if (records.length === 0) process.stdout.write('no history: the upgrader has not run on this station yet\n');
      for (const run of runs) {
        process.stdout.write(`${formatRun(run)}\n`);
        for (const record of run.transitions) process.stdout.write(`${formatRecord(record)}\n`);
      }
    });
}
