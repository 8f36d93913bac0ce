// Staging a version upgrade with differential downloads: the new release's renamed jar is
// assembled from the installed one in lib/, verified, and lib/ itself is not touched.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../../src/server/serve.js';
import { createHttpClient } from '../../../src/services/http-client.js';
import { silentLogger } from '../../../src/services/logger.js';
import { stageRelease, stagedReleaseDir } from '../../../src/services/stage-release.js';
import { hashTree, installStation, publish, sha256, tempDir } from '../../helpers/station.js';

const retry = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const blocks = Array.from({ length: 48 }, () => randomBytes(16 * 1024));
const oldJar = Buffer.concat(blocks);
const newJar = Buffer.concat([...blocks.slice(0, 20), randomBytes(2000), ...blocks.slice(21)]);

describe('staging an upgrade with differential downloads', () => {
  let root: string;
  let clientDir: string;
  let server: StaticServer;
  beforeEach(async () => {
    root = await tempDir('rcu-stage-delta-root-');
    clientDir = path.join(await tempDir('rcu-stage-delta-'), 'station');
    await publish(root, '1.0.0', { 'kernel-core-1.0.0.jar': oldJar, 'app.properties': 'a=1\n' });
    await installStation(root, '1.0.0', clientDir);
    await publish(root, '1.1.0', { 'kernel-core-1.1.0.jar': newJar, 'app.properties': 'a=2\n' });
    server = await startStaticServer({ root });
  });
  afterEach(async () => {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(path.dirname(clientDir), { recursive: true, force: true });
  });

  it('assembles kernel-core-1.1.0.jar from kernel-core-1.0.0.jar, and fetches it whole with wholeFiles', async () => {
    const before = await hashTree(path.join(clientDir, 'lib'));
    const stage = (wholeFiles: boolean, cycleId: string) =>
      stageRelease(
        {
          client: createHttpClient({ connectTimeoutMs: 5000, readTimeoutMs: 5000, retry }),
          serverUrl: `${server.url}registration-client/`,
          clientDir,
          upgradeDir: path.join(clientDir, '.upgrade'),
          concurrency: 2,
          retry,
          logger: silentLogger,
          wholeFiles,
        },
        { cycleId, fromVersion: '1.0.0', targetVersion: '1.1.0', backupDir: null },
      );
    const output = await stage(false, 'one');
    const staged = path.join(stagedReleaseDir(path.join(clientDir, '.upgrade'), '1.1.0'), 'lib', 'kernel-core-1.1.0.jar');
    expect(sha256(await fs.readFile(staged))).toBe(sha256(newJar));
    expect(output.bytesFetched).toBeLessThan(newJar.length * 0.15);
    expect(output.bytesReused).toBeGreaterThan(newJar.length * 0.85);
    expect(await hashTree(path.join(clientDir, 'lib'))).toEqual(before);

    await fs.rm(path.join(clientDir, '.upgrade', 'staging'), { recursive: true, force: true });
    const whole = await stage(true, 'two');
    expect(whole.bytesFetched).toBe(newJar.length + 4);
    expect(whole.bytesReused).toBe(0);
  });
});
