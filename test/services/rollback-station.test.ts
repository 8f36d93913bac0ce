// The rollback step on its own: after a failed apply lib/, bin/ and MANIFEST.MF come back from
// the backup byte for byte and staging is discarded; run twice (or after a kill) it restores the same.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyStaged } from '../../src/services/apply-staged.js';
import { backupStation, listBackups } from '../../src/services/backup-station.js';
import { createSqliteClientDb } from '../../src/services/client-db/sqlite-client-db.js';
import type { HashPool } from '../../src/services/hash-pool.js';
import { createHttpClient } from '../../src/services/http-client.js';
import { createMemoryLogger } from '../../src/services/logger.js';
import { rollbackStation, type RollbackDeps } from '../../src/services/rollback-station.js';
import { stagedReleaseDir, stageRelease } from '../../src/services/stage-release.js';
import { addRegistration, createClientDb, registrationIds } from '../helpers/client-db.js';
import { hashTree } from '../helpers/station.js';
import { inlineHashPool, twoReleases, type TwoReleases } from '../helpers/two-releases.js';

const retry = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
let setup: TwoReleases | undefined;
afterEach(async () => setup?.server.close());

const stationFiles = async (clientDir: string) =>
  Object.fromEntries(Object.entries(await hashTree(clientDir)).filter(([name]) => name.startsWith('lib/') || name === 'MANIFEST.MF'));

/** A station on 1.0.0, backed up, with 1.1.0 staged and half applied (killed after one step). */
async function halfApplied(): Promise<{ s: TwoReleases; deps: RollbackDeps; backupDir: string; before: Record<string, string> }> {
  const s = await twoReleases();
  const dbFile = createClientDb(s.clientDir, '1.0.0', 5);
  const before = await stationFiles(s.clientDir);
  const logger = createMemoryLogger();
  const backupRoot = path.join(s.clientDir, 'BackUp');
  const input = { cycleId: 'cycle-1', fromVersion: '1.0.0', targetVersion: '1.1.0', backupDir: null };
  const { backupDir } = await backupStation({ clientDir: s.clientDir, backupRoot, dbPath: dbFile, extraPaths: [], logger }, input);
  const client = createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 2_000, retry, env: {} });
  await stageRelease({ client, serverUrl: s.serverUrl, clientDir: s.clientDir, upgradeDir: s.upgradeDir, concurrency: 2, retry, logger }, input);
  let calls = 0;
  const dying: HashPool = { hashFile: (f) => (++calls >= 2 ? Promise.reject(new Error('killed')) : inlineHashPool.hashFile(f)), close: () => Promise.resolve() };
  await expect(applyStaged({ clientDir: s.clientDir, upgradeDir: s.upgradeDir, pool: dying, logger }, { ...input, backupDir })).rejects.toThrow('killed');
  const deps: RollbackDeps = { clientDir: s.clientDir, upgradeDir: s.upgradeDir, backupRoot, clientDb: createSqliteClientDb(dbFile), logger };
  return { s, deps, backupDir, before };
}

const rollbackInput = (backupDir: string, phase: 'restarting' | 'operator') => ({
  cycleId: 'cycle-1',
  fromVersion: '1.0.0',
  targetVersion: '1.1.0',
  backupDir,
  phase,
});

describe('rollbackStation', () => {
  it('a failed apply: lib/ and MANIFEST.MF come back from the backup and staging is discarded', async () => {
    const { s, deps, backupDir, before } = await halfApplied();
    setup = s;
    expect(await stationFiles(s.clientDir)).not.toEqual(before); // half of 1.1.0 is in lib/
    const output = await rollbackStation(deps, rollbackInput(backupDir, 'restarting'));
    expect(output.installedVersion).toBe('1.0.0');
    expect(await stationFiles(s.clientDir)).toEqual(before);
    await expect(fs.access(stagedReleaseDir(s.upgradeDir, '1.1.0'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('run twice (a kill after the restore): the second run restores the same files and fails nothing', async () => {
    const { s, deps, backupDir } = await halfApplied();
    setup = s;
    await rollbackStation(deps, rollbackInput(backupDir, 'restarting'));
    const once = await stationFiles(s.clientDir);
    const again = await rollbackStation(deps, rollbackInput(backupDir, 'restarting'));
    expect(again.installedVersion).toBe('1.0.0');
    expect(await stationFiles(s.clientDir)).toEqual(once);
  });

  it('an operator rollback keeps a database the upgrade never changed, with the rows written since', async () => {
    const { s, deps, backupDir } = await halfApplied();
    setup = s;
    addRegistration(deps.clientDb.location, 'written-after-the-backup');
    const output = await rollbackStation(deps, rollbackInput(backupDir, 'operator'));
    expect(output.installedVersion).toBe('1.0.0');
    expect(registrationIds(deps.clientDb.location)).toContain('written-after-the-backup');
  });

  it('with no complete backup it refuses with NO_BACKUP (64) and changes nothing', async () => {
    const { s, deps } = await halfApplied();
    setup = s;
    for (const backup of await listBackups(deps.backupRoot)) await fs.rm(backup.dir, { recursive: true });
    const files = await stationFiles(s.clientDir);
    await expect(rollbackStation(deps, rollbackInput(path.join(deps.backupRoot, 'gone'), 'restarting'))).rejects.toMatchObject({ code: 'NO_BACKUP', exitCode: 64 });
    expect(await stationFiles(s.clientDir)).toEqual(files);
  });
});
