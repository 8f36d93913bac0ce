// The flags every command shares (DESIGN §8), declared once; one flag per setting of
// src/config/settings.ts is generated from that table so docs and flags cannot drift apart.
import { Option, type Command } from 'commander';
import { SETTINGS, type SettingName } from '../config/settings.js';

/** Flags common to every command, as parsed by commander. */
export interface CommonOptions {
  clientDir: string;
  offline?: boolean;
  json?: boolean;
  yes?: boolean;
  inspect?: string | boolean;
  inspectWait?: boolean;
  /** false with --no-progress: plain progress lines instead of a bar. */
  progress?: boolean;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  [setting: string]: unknown;
}

/** `serverUrl` → `--server-url`. */
export function flagName(camel: string): string {
  return `--${camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function settingOption(name: SettingName): Option {
  const spec = SETTINGS[name];
  const flag = flagName(spec.flag);
  const doc = `${spec.doc} [${spec.property}]`;
  return typeof spec.default === 'boolean' ? new Option(flag, doc) : new Option(`${flag} <value>`, doc);
}

/** Adds the common flags to a command. */
export function addCommonOptions(command: Command): Command {
  command
    .option('--client-dir <dir>', 'registration client installation folder', process.cwd())
    .option('--offline', 'skip the network: verify against the local manifest only')
    .option('--json', 'print one JSON object with the result instead of text')
    .option('--yes', 'do not ask for confirmation')
    .option('--inspect [port]', 'serve the live inspector page on 127.0.0.1 (default port 5940)')
    .option('--inspect-wait', 'keep the inspector page up after the run until Ctrl-C')
    .option('--no-progress', 'no progress bar, even on a terminal: a plain line on stderr every 2 s (as without a terminal)')
    .addOption(
      new Option('--log-level <level>', 'detail of registration.log').choices(['error', 'warn', 'info', 'debug']).default('info'),
    );
  for (const name of Object.keys(SETTINGS) as SettingName[]) command.addOption(settingOption(name));
  return command;
}
