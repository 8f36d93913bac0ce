// The staging step on its own: only new and changed files are fetched, verified, into staging;
// a second run fetches nothing; a run cut off mid-download is resumed by the next one.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/services/http-client.js';
import { createMemoryLogger } from '../../src/services/logger.js';
import { readStagedMarker, stagedReleaseDir, stageRelease, type StageDeps } from '../../src/services/stage-release.js';
import { hashTree, sha256 } from '../helpers/station.js';
import { RELEASE_1_1, twoReleases, type TwoReleases } from '../helpers/two-releases.js';

const input = { cycleId: 'cycle-1', fromVersion: '1.0.0', targetVersion: '1.1.0', backupDir: null };
const retry = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
let setup: TwoReleases | undefined;
afterEach(async () => setup?.server.close());

function depsFor(s: TwoReleases): StageDeps {
  return {
    client: createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 2_000, retry, env: {} }),
    serverUrl: s.serverUrl,
    clientDir: s.clientDir,
    upgradeDir: s.upgradeDir,
    concurrency: 2,
    retry,
    logger: createMemoryLogger(),
    // Whole-file downloads: these tests hold the plain resume (Range: bytes=N-); differential assembly has its own tests (test/services/delta).
    wholeFiles: true,
  };
}

describe('stageRelease', () => {
  it('stages the new and changed files with the new manifest; lib/ is not touched', async () => {
    setup = await twoReleases();
    const lib = await hashTree(path.join(setup.clientDir, 'lib'));
    const output = await stageRelease(depsFor(setup), input);
    expect(output).toMatchObject({ fileCount: 3, changed: 2 });
    const dir = stagedReleaseDir(setup.upgradeDir, '1.1.0');
    expect(await hashTree(path.join(dir, 'lib'))).toEqual({
      'changed.jar': sha256(RELEASE_1_1['changed.jar']),
      'sub/added.jar': sha256(RELEASE_1_1['sub/added.jar']),
    });
    expect(await fs.readFile(path.join(dir, 'MANIFEST.MF'))).toEqual(await fs.readFile(path.join(setup.root, 'registration-client/1.1.0/MANIFEST.MF')));
    expect(await readStagedMarker(dir)).toEqual({ cycleId: 'cycle-1', version: '1.1.0', files: ['changed.jar', 'sub/added.jar'] });
    expect(await hashTree(path.join(setup.clientDir, 'lib'))).toEqual(lib);
  });

  it('run twice: the second run fetches nothing', async () => {
    setup = await twoReleases();
    await stageRelease(depsFor(setup), input);
    setup.server.resetCounters();
    const again = await stageRelease(depsFor(setup), input);
    expect(again.bytesFetched).toBe(0);
    expect(setup.server.requests).toHaveLength(0);
  });

  it('cut off mid-download: the run fails, the next one resumes the partial file and completes', async () => {
    setup = await twoReleases();
    setup.server.setKnobs('/registration-client/1.1.0/lib/changed.jar', { resetAfterBytes: 100_000 });
    await expect(stageRelease(depsFor(setup), input)).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' });
    const dir = stagedReleaseDir(setup.upgradeDir, '1.1.0');
    expect(await readStagedMarker(dir)).toBeNull();

    const output = await stageRelease(depsFor(setup), input);
    expect(await hashTree(path.join(dir, 'lib'))).toMatchObject({ 'changed.jar': sha256(RELEASE_1_1['changed.jar']) });
    const ranges = setup.server.requestsFor('/registration-client/1.1.0/lib/changed.jar').map((r) => r.headers.range);
    expect(ranges.at(-1)).toMatch(/^bytes=\d+-$/);
    expect(output.bytesFetched).toBeLessThan(300_000);
    expect(await readStagedMarker(dir)).not.toBeNull();
  });

  it('a manifest that names another version is refused before any file is fetched', async () => {
    setup = await twoReleases();
    const manifestPath = '/registration-client/1.1.0/MANIFEST.MF';
    const published = await fs.readFile(path.join(setup.root, manifestPath));
    setup.server.setFile(manifestPath, Buffer.from(published.toString('utf8').replace('1.1.0', '9.9.9')));
    await expect(stageRelease(depsFor(setup), input)).rejects.toMatchObject({ code: 'MANIFEST_MALFORMED', exitCode: 65 });
    expect(setup.server.requests.map((r) => r.path)).toEqual([manifestPath]);
  });
});
