// The `done` step: the upgrade is complete — remove staging and the backup (MOSIP's behaviour),
// keeping the newest N complete backups when configured.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FinishOutput, UpgradeStepInput } from '../machines/station-services.js';
import { applyJournalPath } from './apply-staged.js';
import { listBackups } from './backup-station.js';
import type { Logger } from './logger.js';

/** What finishing needs. */
export interface FinishDeps {
  upgradeDir: string;
  backupRoot: string;
  backupsKept: number;
  logger: Logger;
}

/** Cleans up after a completed upgrade; idempotent. */
export async function finishUpgrade(deps: FinishDeps, input: UpgradeStepInput): Promise<FinishOutput> {
  await fs.rm(path.join(deps.upgradeDir, 'staging', 'upgrade'), { recursive: true, force: true });
  await fs.rm(applyJournalPath(deps.upgradeDir), { force: true });
  const complete = (await listBackups(deps.backupRoot)).filter((b) => b.marker !== null);
  const removed: string[] = [];
  for (const backup of complete.slice(deps.backupsKept)) {
    await fs.rm(backup.dir, { recursive: true, force: true });
    removed.push(backup.dir);
  }
  deps.logger.info(
    `upgrade ${input.fromVersion} → ${input.targetVersion} complete; ${removed.length} backup(s) removed, ${Math.min(deps.backupsKept, complete.length)} kept`,
  );
  return { removedBackups: removed };
}
