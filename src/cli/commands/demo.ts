// `reg-client-upgrader demo`: the whole story on an embedded server, in a temporary folder (or
// --dir), through the same station code the launcher and the operator run. Exit 0 only when every
// step ended as expected and the final station matches the newest release.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import type { RunResult } from '../../machines/run-result.js';
import type { CommonOptions } from '../common-options.js';
import { printJson } from '../output.js';

interface DemoCliOptions extends CommonOptions {
  dir?: string;
  db?: string;
}

/** How to invoke this CLI again, for the closing hints: as installed, or `node <bin.js>` from a checkout. */
export function cliInvocation(argv1: string | undefined, cwd: string): string {
  if (argv1 === undefined || path.basename(argv1) === 'reg-client-upgrader') return 'reg-client-upgrader';
  const relative = path.relative(cwd, argv1);
  return `node ${relative.startsWith('..') || path.isAbsolute(relative) ? argv1 : relative}`;
}

async function runDemoCommand(options: DemoCliOptions): Promise<void> {
  // Loaded here so that other commands never pay for the demo's release builder.
  const { runDemo } = await import('../../demo/run-demo.js');
  const { formatDemoEvent, formatDemoHeading, formatDemoSummary, shellArg } = await import('../../demo/format-demo.js');
  const { finishCycleInspector, startCycleInspector } = await import('./inspect.js');
  const json = options.json === true;
  if (options.db !== undefined && options.db !== 'sqlite' && options.db !== 'derby') {
    throw new ConfigError('CONFIG_INVALID', `demo: --db must be sqlite or derby, not ${JSON.stringify(options.db)}`, { details: { key: '--db' } });
  }
  const dir = path.resolve(options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'reg-client-upgrader-demo-'))));
  const say = (lines: string[]): void => {
    if (!json) for (const line of lines) process.stdout.write(`${line}\n`);
  };
  // One live inspector for the whole story: every step's transitions land on the same page.
  const inspector = await startCycleInspector({ ...options, clientDir: path.join(dir, 'station') });
  say(formatDemoHeading(shellArg(dir)));
  let checking = false;
  const report = await runDemo({
    dir,
    ...(options.db === 'derby' ? { db: 'derby' as const } : {}),
    ...(inspector === undefined ? {} : { inspect: inspector.inspect }),
    onEvent: (event) => {
      if (event.kind === 'checked' && !checking) {
        checking = true;
        say(['', 'Checks']);
      }
      say(formatDemoEvent(event));
    },
  });
  if (json) printJson({ command: 'demo', ...report });
  else say(formatDemoSummary(report, cliInvocation(process.argv[1], process.cwd())));
  const failed = report.steps.find((step) => !step.ok);
  const failedCode = failed !== undefined && failed.result.exitCode !== 0 && failed.result.exitCode !== failed.expected.exitCode ? failed.result.exitCode : 1;
  process.exitCode = report.ok ? 0 : failedCode;
  const last: RunResult | undefined = report.steps.at(-1)?.result;
  if (inspector !== undefined && last !== undefined) await finishCycleInspector(inspector, options, last);
  else await inspector?.close();
}

/** The `demo` command. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('the whole story on an embedded server, in a temporary folder: publish, serve, patch, upgrade, DB upgrade, every run reported to an embedded fleet service')
    .option('--dir <dir>', 'work in this empty (or new) folder instead of a temporary one; kept afterwards')
    .option('--db <kind>', 'the station\'s database: sqlite (default) or derby (an encrypted MOSIP-like Derby db/reg; needs Java and libderby-java)')
    // addCommand does not inherit the program's exitOverride: parse errors must reach runCli (exit 64)
    .exitOverride()
    .action(async (_options: unknown, command: Command) => {
      await runDemoCommand(command.optsWithGlobals<DemoCliOptions>());
    });
}
