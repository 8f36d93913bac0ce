// The `restarting` step: apply the staged release to lib/ by a journaled plan — replace and add
// (each staged file re-verified, then renamed in), delete, and write MANIFEST.MF last: the commit
// point. Every step is idempotent, so a kill anywhere is finished by the next launch.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { IntegrityError, UpgradeError } from '../errors.js';
import { parseManifest } from '../formats/manifest.js';
import type { ApplyOutput, UpgradeStepInput } from '../machines/station-services.js';
import { moveFileDurably, writeFileAtomic } from './atomic-file.js';
import type { HashPool } from './hash-pool.js';
import { assertNoSymlinkedFolders, pruneEmptyFolders, resolveInLib } from './lib-paths.js';
import { localManifestPath, readLocalManifest } from './local-manifest.js';
import type { Logger } from './logger.js';
import { copySignature } from './manifest-signature.js';
import { planApply, type ApplyStep } from './plan-apply.js';
import { readStagedMarker, stagedReleaseDir } from './stage-release.js';

/** What applying needs. */
export interface ApplyDeps {
  clientDir: string;
  upgradeDir: string;
  pool: HashPool;
  logger: Logger;
}

/** Path of the apply journal: one JSON line per completed step. */
export function applyJournalPath(upgradeDir: string): string {
  return path.join(upgradeDir, 'apply-journal.jsonl');
}

async function journal(file: string, step: ApplyStep): Promise<void> {
  const handle = await fs.open(file, 'a');
  try {
    await handle.appendFile(`${JSON.stringify({ ...step, at: new Date().toISOString() })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function summarize(plan: ApplyStep[]): ApplyOutput {
  const names = (op: string) => plan.flatMap((s) => (s.op === op && 'name' in s ? [s.name] : []));
  return { replaced: names('replace'), added: names('add'), deleted: names('delete') };
}

/** Applies the staged release; returns what changed. */
export async function applyStaged(deps: ApplyDeps, input: UpgradeStepInput): Promise<ApplyOutput> {
  const stageDir = stagedReleaseDir(deps.upgradeDir, input.targetVersion);
  const libDir = path.join(deps.clientDir, 'lib');
  const journalFile = applyJournalPath(deps.upgradeDir);
  const local = await readLocalManifest(deps.clientDir);
  const stagedBytes = await fs.readFile(path.join(stageDir, 'MANIFEST.MF')).catch(() => undefined);

  if (local.manifest.version === input.targetVersion && (stagedBytes === undefined || local.bytes.equals(stagedBytes))) {
    // Committed by an earlier run that was killed before it could clean up.
    deps.logger.info(`${input.targetVersion} is already applied (MANIFEST.MF committed); cleaning up`);
    const journaled = await readJournal(journalFile);
    await cleanup(deps, stageDir, journalFile);
    return summarize(journaled);
  }
  const marker = await readStagedMarker(stageDir);
  if (marker === null || stagedBytes === undefined || marker.version !== input.targetVersion) {
    throw new UpgradeError('UPGRADE_FAILED', `no complete staging of ${input.targetVersion} in ${stageDir}: run upgrade again`, {
      details: { path: stageDir },
    });
  }
  const next = parseManifest(stagedBytes, path.join(stageDir, 'MANIFEST.MF'));
  // The plan is computed against the backup's manifest, not lib/'s current one, so a re-run after a
  // kill half-way plans the same steps.
  const from = input.backupDir === null ? local.manifest : await readBackupManifest(input.backupDir, local.manifest);
  const plan = planApply(from, next);
  for (const step of plan) {
    if (step.op === 'replace' || step.op === 'add') {
      const target = resolveInLib(libDir, step.name);
      await assertNoSymlinkedFolders(libDir, target);
      const staged = resolveInLib(path.join(stageDir, 'lib'), step.name);
      const stagedStat = await fs.lstat(staged).catch(() => undefined);
      if (stagedStat === undefined) {
        const current = await fs.lstat(target).catch(() => undefined);
        if (current?.isFile() === true && (await deps.pool.hashFile(target)).hash === step.hash) continue; // moved by an earlier run
        throw new UpgradeError('UPGRADE_FAILED', `staged file ${step.name} is missing from ${stageDir}: run upgrade again`);
      }
      const digest = await deps.pool.hashFile(staged);
      if (digest.hash !== step.hash) {
        throw new IntegrityError('HASH_MISMATCH', `staged file ${staged} does not match the new manifest (expected ${step.hash}, got ${digest.hash})`);
      }
      const current = await fs.lstat(target).catch(() => undefined);
      if (current !== undefined && !current.isFile()) await fs.rm(target, { recursive: true, force: true });
      await moveFileDurably(staged, target);
    } else if (step.op === 'delete') {
      await fs.rm(resolveInLib(libDir, step.name), { force: true });
    } else {
      // The signature goes with the manifest it signs (just before it: MANIFEST.MF is the commit).
      await copySignature(path.join(stageDir, 'MANIFEST.MF'), localManifestPath(deps.clientDir));
      await writeFileAtomic(localManifestPath(deps.clientDir), stagedBytes);
      deps.logger.info(`committed ${input.targetVersion}: MANIFEST.MF written`);
    }
    await journal(journalFile, step);
  }
  await pruneEmptyFolders(libDir);
  await cleanup(deps, stageDir, journalFile);
  return summarize(plan);
}

async function readBackupManifest(backupDir: string, fallback: ReturnType<typeof parseManifest>) {
  try {
    return parseManifest(await fs.readFile(path.join(backupDir, 'MANIFEST.MF')));
  } catch {
    return fallback;
  }
}

async function readJournal(file: string): Promise<ApplyStep[]> {
  try {
    const text = await fs.readFile(file, 'utf8');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as ApplyStep);
  } catch {
    return [];
  }
}

async function cleanup(deps: ApplyDeps, stageDir: string, journalFile: string): Promise<void> {
  await fs.rm(stageDir, { recursive: true, force: true });
  await fs.rm(journalFile, { force: true });
}
