// `reg-client-upgrader history`: what happened on this station, newest first.
import path from 'node:path';
import { Command } from 'commander';
import type { TransitionRecord } from '../../persistence/index.js';
import type { CommonOptions } from '../common-options.js';
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
  let line = `${record.at}  ${record.command.padEnd(8)} ${record.from ?? '·'} → ${record.to}  (${describeEvent(record.event)})`;
  if (record.to === 'checkingUpgrade' && detail.patched !== undefined && detail.patched.length > 0) {
    line += `  patched: ${detail.patched.join(', ')}`;
  }
  if (record.to === 'backup' && detail.ignoreRollout === true) line += '  staged rollout ignored by the operator (--ignore-rollout)';
  if (record.to === 'failed' && detail.error) line += `  error: ${detail.error.message}`;
  return line;
}

/** The `history` command. */
export function historyCommand(): Command {
  return new Command('history')
    .description('what happened on this station, newest first')
    .option('--limit <n>', 'at most this many entries', '50')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<CommonOptions & { limit: string }>();
      const limit = Number.parseInt(options.limit, 10);
      const { readStationHistory } = await import('../../runner/read-station-state.js');
      const records = await readStationHistory(path.resolve(options.clientDir), Number.isFinite(limit) ? limit : 50);
      if (options.json === true) {
        printJson({ history: records });
        return;
      }
      if (records.length === 0) process.stdout.write('no history: the upgrader has not run on this station yet\n');
      for (const record of records) process.stdout.write(`${formatRecord(record)}\n`);
    });
}
