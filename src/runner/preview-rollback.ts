// What `rollback` will do, read before the operator is asked: the version and date of the backup it
// restores, and what happens to the registrations written since (they are kept: DESIGN §12).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { listBackups } from '../services/backup-station.js';
import { DB_SNAPSHOT_MARKER } from '../services/upgrade-database.js';

/** The lines stating the facts and the question to ask. */
export interface RollbackFacts {
  lines: string[];
  question: string;
}

/** Describes the newest complete backup; falls back to a general question when it cannot be read. */
export async function describeRollback(
  clientDir: string,
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
  installedVersion: string | null,
): Promise<RollbackFacts> {
  const from = installedVersion ?? 'this station';
  try {
    const config = await loadConfig({ clientDir, flags, env });
    const newest = (await listBackups(config.backupRoot)).find((backup) => backup.marker !== null);
    if (newest?.marker == null) {
      return { lines: [`There is no complete backup in ${config.backupRoot}: the run will stop with NO_BACKUP and change nothing.`], question: 'Try anyway?' };
    }
    const { version, createdAt } = newest.marker;
    const when = new Date(createdAt).toLocaleString();
    const hasDb = existsSync(path.join(newest.dir, DB_SNAPSHOT_MARKER));
    return {
      lines: [
        `This rolls ${from} back to ${version}, from the backup taken ${when}:`,
        `  ${newest.dir}`,
        `  - lib/, bin/ and MANIFEST.MF are replaced by the backup's copies (${version})`,
        hasDb
          ? `  - the database: kept as it is if the newer release's scripts did not change it, so every registration written since ${when} stays;` +
            `\n    otherwise it is replaced by the backup's snapshot and the replaced database, with the registrations written since, is kept in ${newest.dir}/db-replaced-<time>/`
          : `  - the database is not in this backup (the upgrade was never applied): it is kept as it is, every registration stays`,
      ],
      question: `Roll back to ${version} now?`,
    };
  } catch {
    return { lines: [`This restores the newest complete backup of ${from}.`], question: 'Roll back now?' };
  }
}
