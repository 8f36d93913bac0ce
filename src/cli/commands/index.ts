// The list of commands, in the order `--help` shows them (DESIGN §8).
import type { Command } from 'commander';
import { notYetCommand } from './not-yet.js';
import { historyCommand } from './history.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { publishCommand } from './publish.js';
import { serveCommand } from './serve.js';

/** Every command of DESIGN §8. */
export function commandList(): Command[] {
  return [
    startCommand(),
    notYetCommand('upgrade', 'operator-initiated: backup, download and stage the announced version'),
    notYetCommand('rollback', 'restore the previous version from its backup'),
    statusCommand(),
    historyCommand(),
    publishCommand(),
    serveCommand(),
    notYetCommand('inspect', 'serve the inspector page for this station'),
    notYetCommand('demo', 'the whole story on an embedded server, in a temporary folder'),
  ];
}
