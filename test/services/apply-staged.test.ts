// The apply step on its own: lib/ becomes the staged release with MANIFEST.MF written last; a run
// killed between two steps is finished by the next; a run after the commit only cleans up.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyJournalPath, applyStaged, type ApplyDeps } from '../../src/services/apply-staged.js';
import type { HashPool } from '../../src/services/hash-pool.js';
import { createHttpClient } from '../../src/services/http-client.js';
import { createMemoryLogger } from '../../src/services/logger.js';
import { stagedReleaseDir, stageRelease } from '../../src/services/stage-release.js';
import { hashTree, sha256 } from '../helpers/station.js';
import { inlineHashPool, RELEASE_1_1, twoReleases, type TwoReleases } from '../helpers/two-releases.js';

const input = { cycleId: 'cycle-1', fromVersion: '1.0.0', targetVersion: '1.1.0', backupDir: null };
const retry = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
let setup: TwoReleases | undefined;
afterEach(async () => setup?.server.close());

const release11 = Object.fromEntries(Object.entries(RELEASE_1_1).map(([name, bytes]) => [name, sha256(bytes)]));

/** A station on 1.0.0 with 1.1.0 staged. */
async function staged(): Promise<TwoReleases> {
  const s = await twoReleases();
  const client = createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 2_000, retry, env: {} });
  const logger = createMemoryLogger();
  await stageRelease({ client, serverUrl: s.serverUrl, clientDir: s.clientDir, upgradeDir: s.upgradeDir, concurrency: 2, retry, logger }, input);
  return s;
}

const depsFor = (s: TwoReleases, pool: HashPool = inlineHashPool): ApplyDeps => ({
  clientDir: s.clientDir,
  upgradeDir: s.upgradeDir,
  pool,
  logger: createMemoryLogger(),
});

/** A pool that dies (like a killed process) at its n-th hash: the steps before it are done and journaled. */
function dyingPool(n: number): HashPool {
  let calls = 0;
  return {
    hashFile: (file) => (++calls >= n ? Promise.reject(new Error('killed')) : inlineHashPool.hashFile(file)),
    close: () => Promise.resolve(),
  };
}

const manifestOf = (s: TwoReleases, version: string) => fs.readFile(path.join(s.root, `registration-client/${version}/MANIFEST.MF`));

describe('applyStaged', () => {
  it('replaces, adds and deletes, writes MANIFEST.MF last, then removes staging and journal', async () => {
    setup = await staged();
    const output = await applyStaged(depsFor(setup), input);
    expect(output).toEqual({ replaced: ['changed.jar'], added: ['sub/added.jar'], deleted: ['removed.jar'] });
    expect(await hashTree(path.join(setup.clientDir, 'lib'))).toEqual(release11);
    expect(await fs.readFile(path.join(setup.clientDir, 'MANIFEST.MF'))).toEqual(await manifestOf(setup, '1.1.0'));
    await expect(fs.access(stagedReleaseDir(setup.upgradeDir, '1.1.0'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.access(applyJournalPath(setup.upgradeDir))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('killed after the first step: MANIFEST.MF is still the old one, and the next run finishes the same plan', async () => {
    setup = await staged();
    await expect(applyStaged(depsFor(setup, dyingPool(2)), input)).rejects.toThrow('killed');
    expect(await fs.readFile(path.join(setup.clientDir, 'MANIFEST.MF'))).toEqual(await manifestOf(setup, '1.0.0'));
    expect((await fs.readFile(applyJournalPath(setup.upgradeDir), 'utf8')).trim().split('\n')).toHaveLength(1);

    const output = await applyStaged(depsFor(setup), input);
    expect(output).toEqual({ replaced: ['changed.jar'], added: ['sub/added.jar'], deleted: ['removed.jar'] });
    expect(await hashTree(path.join(setup.clientDir, 'lib'))).toEqual(release11);
    expect(await fs.readFile(path.join(setup.clientDir, 'MANIFEST.MF'))).toEqual(await manifestOf(setup, '1.1.0'));
  });

  it('run again after the commit: nothing changes in lib/, leftovers are cleaned up', async () => {
    setup = await staged();
    await applyStaged(depsFor(setup), input);
    const lib = await hashTree(path.join(setup.clientDir, 'lib'));
    const again = await applyStaged(depsFor(setup), input);
    expect(again).toEqual({ replaced: [], added: [], deleted: [] });
    expect(await hashTree(path.join(setup.clientDir, 'lib'))).toEqual(lib);
  });

  it('a staged file altered on disk is refused (HASH_MISMATCH) before it reaches lib/', async () => {
    setup = await staged();
    await fs.writeFile(path.join(stagedReleaseDir(setup.upgradeDir, '1.1.0'), 'lib', 'changed.jar'), 'tampered');
    const libBefore = await hashTree(path.join(setup.clientDir, 'lib'));
    await expect(applyStaged(depsFor(setup), input)).rejects.toMatchObject({ code: 'HASH_MISMATCH', exitCode: 65 });
    expect((await hashTree(path.join(setup.clientDir, 'lib')))['changed.jar']).toBe(libBefore['changed.jar']);
  });

  it('without a complete staging it fails with UPGRADE_FAILED and touches nothing', async () => {
    setup = await twoReleases();
    const lib = await hashTree(path.join(setup.clientDir, 'lib'));
    await expect(applyStaged(depsFor(setup), input)).rejects.toMatchObject({ code: 'UPGRADE_FAILED', exitCode: 30 });
    expect(await hashTree(path.join(setup.clientDir, 'lib'))).toEqual(lib);
  });
});
