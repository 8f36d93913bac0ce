// The list of commands, in the order `--help` shows them (DESIGN §8).
import type { Command } from 'commander';
import { notYetCommand } from './not-yet.js';
import { serveCommand } from './serve.js';

/** Every command of DESIGN §8. */
export function commandList(): Command[] {
  return [
    notYetCommand('start', 'run the startup cycle: probe, verify, patch, apply staged upgrade, DB upgrade'),
    notYetCommand('upgrade', 'operator-initiated: backup, download and stage the announced version'),
    notYetCommand('rollback', 'restore the previous version from its backup'),
    notYetCommand('status', 'persisted state, versions, backup, pending work'),
    notYetCommand('history', 'what happened on this station, newest first'),
    notYetCommand('publish', 'lay a release out for the upgrade server', '<version> <libDir>'),
    serveCommand(),
    notYetCommand('inspect', 'serve the inspector page for this station'),
    notYetCommand('demo', 'the whole story on an embedded server, in a temporary folder'),
  ];
}
