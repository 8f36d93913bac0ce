// The manifest step on its own: the server's copy of the installed version replaces the local
// manifest only when it differs (MOSIP's hotfix rule), byte for byte; a second run changes nothing.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, ERROR_CODES } from '../../src/errors.js';
import { parseManifest, serializeManifest } from '../../src/formats/manifest.js';
import { createHttpClient } from '../../src/services/http-client.js';
import { createMemoryLogger } from '../../src/services/logger.js';
import { syncManifest, type SyncManifestDeps } from '../../src/services/sync-manifest.js';
import { twoReleases, type TwoReleases } from '../helpers/two-releases.js';

const retry = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
let setup: TwoReleases | undefined;
afterEach(async () => setup?.server.close());

const depsFor = (s: TwoReleases): SyncManifestDeps => ({
  client: createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 2_000, retry, env: {} }),
  serverUrl: s.serverUrl,
  clientDir: s.clientDir,
  logger: createMemoryLogger(),
});
const MANIFEST_1_0 = '/registration-client/1.0.0/MANIFEST.MF';

describe('syncManifest', () => {
  it('the same manifest on both sides: nothing is written', async () => {
    setup = await twoReleases();
    const local = path.join(setup.clientDir, 'MANIFEST.MF');
    const before = await fs.stat(local);
    expect(await syncManifest(depsFor(setup), '1.0.0')).toEqual({ serverVersion: '1.0.0', replacedLocal: false, fileCount: 3 });
    expect((await fs.stat(local)).mtimeMs).toBe(before.mtimeMs);
  });

  it("a hotfix (same version, other files) replaces the local manifest with the server's exact bytes; run twice, the second changes nothing", async () => {
    setup = await twoReleases();
    const published = parseManifest(await fs.readFile(path.join(setup.root, MANIFEST_1_0)));
    const hotfix = serializeManifest({ ...published, entries: published.entries.filter((entry) => entry.name !== 'removed.jar') });
    setup.server.setFile(MANIFEST_1_0, hotfix);
    expect(await syncManifest(depsFor(setup), '1.0.0')).toEqual({ serverVersion: '1.0.0', replacedLocal: true, fileCount: 2 });
    expect(await fs.readFile(path.join(setup.clientDir, 'MANIFEST.MF'))).toEqual(hotfix);
    expect(await syncManifest(depsFor(setup), '1.0.0')).toMatchObject({ replacedLocal: false });
  });

  it('a server copy that names another version leaves the local manifest alone', async () => {
    setup = await twoReleases();
    const local = await fs.readFile(path.join(setup.clientDir, 'MANIFEST.MF'));
    setup.server.setFile(MANIFEST_1_0, await fs.readFile(path.join(setup.root, '/registration-client/1.1.0/MANIFEST.MF')));
    expect(await syncManifest(depsFor(setup), '1.0.0')).toMatchObject({ serverVersion: '1.1.0', replacedLocal: false });
    expect(await fs.readFile(path.join(setup.clientDir, 'MANIFEST.MF'))).toEqual(local);
  });

  it('an unreachable manifest fails the step (the machine records it as a build status check failure)', async () => {
    setup = await twoReleases();
    setup.server.setKnobs(MANIFEST_1_0, { status: 503 });
    const error = await syncManifest(depsFor(setup), '1.0.0').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NetworkError' });
    expect(ERROR_CODES[classifyError(error, 'BUILD_STATUS_CHECK_FAILED').code]).toBe(20);
  });
});
