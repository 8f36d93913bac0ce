// `reg-client-upgrader start`: the launcher's startup cycle (DESIGN §5, §7).
import { Command } from 'commander';
import type { CycleCommand } from '../../machines/station-machine.js';
import type { CommonOptions } from '../common-options.js';
import { formatResult } from '../format-result.js';
import { printJson } from '../output.js';
import type { ProgressDisplay } from '../progress.js';
import { finishCycleInspector, startCycleInspector } from './inspect.js';

/** Runs a station cycle command and prints its result; sets the exit code. */
export async function runCycleCommand(command: CycleCommand, options: CommonOptions & { ignoreRollout?: boolean }): Promise<void> {
  const inspector = await startCycleInspector(options);
  // Loaded on use, so that --help, --version and the other commands start without them.
  const { runStationCommand } = await import('../../runner/run-station-command.js');
  const { createProgressDisplay, progressMode } = await import('../progress.js');
  const progress: ProgressDisplay = createProgressDisplay(progressMode(options, Boolean(process.stderr.isTTY)));
  const result = await runStationCommand(command, {
    clientDir: options.clientDir,
    flags: options,
    offline: options.offline === true,
    ...(options.ignoreRollout === true ? { ignoreRollout: true } : {}),
    logLevel: options.logLevel,
    ...(options.json === true ? {} : { echoLevel: 'warn' as const }),
    ...(progress.onProgress === undefined ? {} : { onProgress: progress.onProgress }),
    ...(inspector === undefined ? {} : { inspect: inspector.inspect }),
  });
  progress.stop();
  if (options.json === true) printJson(result);
  else for (const line of formatResult(result)) process.stdout.write(`${line}\n`);
  process.exitCode = result.exitCode;
  if (inspector !== undefined) await finishCycleInspector(inspector, options, result);
}

/** The `start` command. */
export function startCommand(): Command {
  return new Command('start')
    .description('run the startup cycle: probe, verify, patch, check for an upgrade (exit code = what the launcher does next)')
    .action(async (_options: unknown, command: Command) => {
      await runCycleCommand('start', command.optsWithGlobals<CommonOptions>());
    });
}
