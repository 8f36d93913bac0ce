// `reg-client-upgrader status`: the station's persisted state, versions and pending work.
import path from 'node:path';
import { Command } from 'commander';
import type { CommonOptions } from '../common-options.js';
import { failedOnReleaseFiles } from '../../machines/station-context.js';
import { printJson } from '../output.js';
import { describeRollout } from '../../rollout/decide-rollout.js';

/** The `status` command. */
export function statusCommand(): Command {
  return new Command('status')
    .description('persisted state, installed and announced versions, last run, pending work')
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<CommonOptions>();
      // Loaded on use: the state database stack (TypeORM) is not paid by commands that do not read it.
      const { readStationStatus } = await import('../../runner/read-station-state.js');
      const status = await readStationStatus(path.resolve(options.clientDir));
      if (options.json === true) {
        printJson({ command: 'status', ...status });
        return;
      }
      const lines = [
        `station:   ${status.clientDir}`,
        `installed: ${status.installedVersion ?? '(no MANIFEST.MF)'}`,
        `state:     ${status.state ?? '(never run)'}`,
        `announced: ${status.latestVersion ?? '-'}${status.upgradeAvailable ? ' (upgrade available)' : ''}`,
        `last run:  ${status.lastRun === null ? '-' : `${status.lastRun.at} ${status.lastRun.command}`}`,
      ];
      if (status.rollout !== null) lines.push(`rollout:   ${describeRollout(status.rollout)}`);
      if (status.dbVersion !== null) lines.push(`database:  ${status.dbVersion}`);
      if (status.pending !== null) {
        const p = status.pending;
        let what = `upgrade ${p.fromVersion} → ${p.targetVersion}`;
        if (status.restartRequired) what += ' staged: restart the client to apply it';
        else if (p.dbUpgradePending && status.error !== null && failedOnReleaseFiles(status.error)) {
          // Exit 64/65: the release's own files could not be read; the database was not touched.
          what += `: the database upgrade could not start (the release's files are invalid, the database was not touched); the next start patches lib/ from the server and retries`;
        } else if (p.dbUpgradePending) what += ': database upgrade failed and was rolled back; the next start retries it';
        lines.push(`pending:   ${what}`);
        if (p.backupDir !== null) lines.push(`backup:    ${p.backupDir}`);
      }
      if (status.error !== null) lines.push(`error:     ${status.error.message} [${status.error.code}]`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
