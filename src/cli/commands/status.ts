// `reg-client-upgrader status`: the station's persisted state, versions and pending work.
import path from 'node:path';
import { Command } from 'commander';
import { readStationStatus } from '../../runner/read-station-state.js';
import type { CommonOptions } from '../common-options.js';
import { printJson } from '../output.js';

/** The `status` command. */
export function statusCommand(): Command {
  return new Command('status')
    .description('persisted state, installed and announced versions, last run, pending work')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<CommonOptions>();
      const status = await readStationStatus(path.resolve(options.clientDir));
      if (options.json === true) {
        printJson(status);
        return;
      }
      const lines = [
        `station:   ${status.clientDir}`,
        `installed: ${status.installedVersion ?? '(no MANIFEST.MF)'}`,
        `state:     ${status.state ?? '(never run)'}`,
        `announced: ${status.latestVersion ?? '-'}${status.upgradeAvailable ? ' (upgrade available)' : ''}`,
        `last run:  ${status.lastRun === null ? '-' : `${status.lastRun.at} ${status.lastRun.command}`}`,
      ];
      if (status.restartRequired) lines.push('pending:   an upgrade is staged: restart the client to apply it');
      if (status.error !== null) lines.push(`error:     ${status.error.message} [${status.error.code}]`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
