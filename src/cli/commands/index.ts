// The list of commands, in the order `--help` shows them (DESIGN §8).
import type { Command } from 'commander';
import { demoCommand } from './demo.js';
import { historyCommand } from './history.js';
import { inspectCommand } from './inspect.js';
import { startCommand } from './start.js';
import { statusCommand } from './status.js';
import { rollbackCommand, upgradeCommand } from './upgrade.js';
import { publishCommand } from './publish.js';
import { serveCommand } from './serve.js';
import { rolloutCommand } from './rollout.js';
import { fleetCommand } from './fleet.js';

/** Every command of DESIGN §8. */
export function commandList(): Command[] {
  return [
    startCommand(),
    upgradeCommand(),
    rollbackCommand(),
    statusCommand(),
    historyCommand(),
    publishCommand(),
    rolloutCommand(),
    serveCommand(),
    inspectCommand(),
    demoCommand(),
    fleetCommand(),
  ];
}
