// The `reg-client-upgrader` command tree: parses flags, runs one command, returns its exit code.
import { Command, CommanderError } from 'commander';
import { ERROR_CODES, exitCodeOf, UpgradeError } from '../errors.js';
import { printError } from './output.js';
import { commandList } from './commands/index.js';
import { addCommonOptions } from './common-options.js';
import { HELP_EXAMPLES } from './examples.js';

/** Builds the whole command tree; exported so tests can parse without spawning a process. */
export function buildProgram(): Command {
  const program = new Command('reg-client-upgrader')
    .description(
      'Keeps a MOSIP-style registration client current: verified patches on every launch, ' +
        'resumable version upgrades with backup, database upgrade and rollback.',
    )
    .version(PACKAGE_VERSION, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  addCommonOptions(program);
  for (const command of commandList()) program.addCommand(command);
  // Every parse error of every command (an unknown option included) reaches runCli: exit 64.
  const overrideAll = (command: Command): void => {
    command.exitOverride().showHelpAfterError(`(run '${fullName(command)} --help' for its options and an example)`);
    for (const sub of command.commands) overrideAll(sub);
  };
  for (const command of program.commands) overrideAll(command);
  for (const command of program.commands.flatMap((top) => [top, ...top.commands])) {
    const example = HELP_EXAMPLES[fullName(command).replace(/^reg-client-upgrader /, '')];
    if (example !== undefined) command.addHelpText('after', `\nExample:\n  ${example}`);
  }
  program.addHelpText(
    'after',
    `
Exit codes (the launcher's contract):
  0   ready: start the client            10  restart required (upgrade staged)
  20  build status check failure          21  patch download failure
  30  database upgrade failed, rolled back 31  rollback failed: manual recovery
  40  another run holds the lock          64  usage or configuration error, unknown option
  65  bad data from the server; publish: release refused
  130 interrupted by Ctrl-C (SIGINT)      143 stopped by SIGTERM (the next run resumes)`,
  );
  return program;
}

const PACKAGE_VERSION = '0.1.0';

function fullName(command: Command): string {
  return command.parent === null ? command.name() : `${fullName(command.parent)} ${command.name()}`;
}

/** Runs the CLI with argv and resolves to the exit code (never throws). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; every parse error is a usage error.
      if (error.exitCode === 0) return 0;
      if (argv.includes('--json')) {
        const message = error.message.replace(/^error: /, '');
        printError(new UpgradeError('USAGE', message), true, argv.find((arg) => !arg.startsWith('-')) ?? null);
      }
      return ERROR_CODES.USAGE;
    }
    const json = argv.includes('--json');
    printError(error, json, argv.find((arg) => !arg.startsWith('-')) ?? null);
    return exitCodeOf(error);
  }
}
