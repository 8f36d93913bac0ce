// The patch step on its own: missing and changed files are downloaded, verified and renamed into
// lib/, unknown ones removed; a second run fetches nothing; a file whose download broke is left
// exactly as it was, and the next run patches it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManifest, type Manifest } from '../../src/formats/manifest.js';
import { createHttpClient } from '../../src/services/http-client.js';
import { createMemoryLogger } from '../../src/services/logger.js';
import { patchLib, type PatchDeps } from '../../src/services/patch-lib.js';
import { hashTree, sha256 } from '../helpers/station.js';
import { inlineHashPool, RELEASE_1_0, twoReleases, type TwoReleases } from '../helpers/two-releases.js';

const retry = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
let setup: TwoReleases | undefined;
afterEach(async () => setup?.server.close());

const release10 = Object.fromEntries(Object.entries(RELEASE_1_0).map(([name, bytes]) => [name, sha256(bytes)]));
const damage = { missing: ['kept.jar'], mismatched: ['changed.jar'], unknown: ['stray.jar'] };

/** A 1.0.0 station with one file gone, one altered and one that the manifest does not list. */
async function damaged(): Promise<{ s: TwoReleases; deps: PatchDeps; manifest: Manifest }> {
  const s = await twoReleases();
  const lib = path.join(s.clientDir, 'lib');
  await fs.rm(path.join(lib, 'kept.jar'));
  await fs.writeFile(path.join(lib, 'changed.jar'), 'altered');
  await fs.writeFile(path.join(lib, 'stray.jar'), 'stray');
  const deps: PatchDeps = {
    client: createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 2_000, retry, env: {} }),
    serverUrl: s.serverUrl,
    libDir: lib,
    stagingDir: path.join(s.upgradeDir, 'patch'),
    pool: inlineHashPool,
    concurrency: 2,
    retry,
    logger: createMemoryLogger(),
  };
  return { s, deps, manifest: parseManifest(await fs.readFile(path.join(s.clientDir, 'MANIFEST.MF'))) };
}

describe('patchLib', () => {
  it('restores missing and changed files, removes unknown ones, and leaves no staging behind', async () => {
    const { s, deps, manifest } = await damaged();
    setup = s;
    const output = await patchLib(damage, manifest, deps);
    expect(output).toMatchObject({ patched: ['changed.jar', 'kept.jar'], removed: ['stray.jar'] });
    expect(output.bytesFetched).toBe(RELEASE_1_0['kept.jar'].length + RELEASE_1_0['changed.jar'].length);
    expect(await hashTree(deps.libDir)).toEqual(release10);
    await expect(fs.access(deps.stagingDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('run twice: the second run finds every file right and fetches nothing', async () => {
    const { s, deps, manifest } = await damaged();
    setup = s;
    await patchLib(damage, manifest, deps);
    s.server.resetCounters();
    const again = await patchLib(damage, manifest, deps);
    expect(again).toMatchObject({ patched: ['changed.jar', 'kept.jar'], bytesFetched: 0 });
    expect(s.server.requests).toHaveLength(0);
    expect(await hashTree(deps.libDir)).toEqual(release10);
  });

  it('a download that breaks leaves that file exactly as it was; the next run patches it', async () => {
    const { s, deps, manifest } = await damaged();
    setup = s;
    s.server.setKnobs('/registration-client/1.0.0/lib/changed.jar', { resetAfterBytes: 20_000 });
    await expect(patchLib(damage, manifest, deps)).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', exitCode: 21 });
    expect(await fs.readFile(path.join(deps.libDir, 'changed.jar'), 'utf8')).toBe('altered');

    const output = await patchLib(damage, manifest, deps);
    expect(output.patched).toEqual(['changed.jar', 'kept.jar']);
    expect(await hashTree(deps.libDir)).toEqual(release10);
  });

  it('bytes that do not match the manifest never reach lib/ (HASH_MISMATCH, 65)', async () => {
    const { s, deps, manifest } = await damaged();
    setup = s;
    s.server.setKnobs('/registration-client/1.0.0/lib/changed.jar', { corrupt: true });
    await expect(patchLib({ missing: [], mismatched: ['changed.jar'], unknown: [] }, manifest, deps)).rejects.toMatchObject({ exitCode: 65 });
    expect(await fs.readFile(path.join(deps.libDir, 'changed.jar'), 'utf8')).toBe('altered');
  });
});
