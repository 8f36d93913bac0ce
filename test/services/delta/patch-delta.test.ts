// Differential patching end to end through `serve`: publish two versions of a large file, a
// station with the old one in lib/ patches to the new one, and the bytes on the wire are counted.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseManifest, type Manifest } from '../../../src/formats/manifest.js';
import { startStaticServer, type StaticServer } from '../../../src/server/serve.js';
import { createHashPool, type HashPool } from '../../../src/services/hash-pool.js';
import { createHttpClient } from '../../../src/services/http-client.js';
import { createMemoryLogger } from '../../../src/services/logger.js';
import { patchLib } from '../../../src/services/patch-lib.js';
import { publish, sha256, tempDir } from '../../helpers/station.js';

const retry = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };

// A 1 MiB "jar": 64 random blocks of 16 KiB, so a change to one block is a change to one entry.
const blocks = Array.from({ length: 64 }, () => randomBytes(16 * 1024));
const v1 = Buffer.concat(blocks);
const v2 = Buffer.concat([...blocks.slice(0, 30), randomBytes(3000), ...blocks.slice(31)]);

describe('patching with differential downloads (serve)', () => {
  let root: string;
  let clientDir: string;
  let server: StaticServer;
  let pool: HashPool;
  let requests: string[];

  beforeEach(async () => {
    root = await tempDir('rcu-delta-root-');
    clientDir = await tempDir('rcu-delta-station-');
    requests = [];
    await publish(root, '1.0.0', { 'module-1.0.0.jar': v2, 'small.properties': 'a=1\n' });
    // The station already holds the small file right: these tests patch the jar only (a patch must leave every listed file present).
    await fs.mkdir(path.join(clientDir, 'lib'), { recursive: true });
    await fs.writeFile(path.join(clientDir, 'lib', 'small.properties'), 'a=1\n');
    server = await startStaticServer({ root, log: (line) => requests.push(line) });
    pool = createHashPool(1);
  });
  afterEach(async () => {
    await server.close();
    await pool.close();
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(clientDir, { recursive: true, force: true });
  });

  async function patch(manifest: Manifest, names: string[], wholeFiles = false): Promise<{ bytesFetched: number; bytesReused: number; log: string[] }> {
    const logger = createMemoryLogger();
    const output = await patchLib({ missing: [], mismatched: names, unknown: [] }, manifest, {
      client: createHttpClient({ connectTimeoutMs: 5000, readTimeoutMs: 5000, retry }),
      serverUrl: `${server.url}registration-client/`,
      libDir: path.join(clientDir, 'lib'),
      stagingDir: path.join(clientDir, '.upgrade', 'staging', 'patch'),
      pool,
      concurrency: 2,
      retry,
      logger,
      wholeFiles,
    });
    return { bytesFetched: output.bytesFetched, bytesReused: output.bytesReused ?? 0, log: logger.lines.map((line) => line.message) };
  }

  const manifest = async (): Promise<Manifest> => parseManifest(await fs.readFile(path.join(root, 'registration-client', '1.0.0', 'MANIFEST.MF')));

  it('fetches only the changed block and its neighbours, and installs the verified file', async () => {
    await fs.mkdir(path.join(clientDir, 'lib'), { recursive: true });
    await fs.writeFile(path.join(clientDir, 'lib', 'module-1.0.0.jar'), v1);
    const result = await patch(await manifest(), ['module-1.0.0.jar']);
    expect(sha256(await fs.readFile(path.join(clientDir, 'lib', 'module-1.0.0.jar')))).toBe(sha256(v2));
    expect(result.bytesFetched).toBeLessThan(v2.length * 0.1);
    expect(result.bytesReused + result.bytesFetched).toBeGreaterThanOrEqual(v2.length);
    expect(requests.some((line) => line.includes('/blockmap/module-1.0.0.jar.blockmap 200'))).toBe(true);
    expect(requests.some((line) => line.includes('/lib/module-1.0.0.jar 206'))).toBe(true);
  });

  it('takes chunks from a jar of another version (same name stem)', async () => {
    await fs.mkdir(path.join(clientDir, 'lib'), { recursive: true });
    await fs.writeFile(path.join(clientDir, 'lib', 'module-0.9.0.jar'), v1);
    const logger = await patchMissing();
    expect(logger.bytesFetched).toBeLessThan(v2.length * 0.1);
  });

  it('fetches whole with wholeFiles, with a forged index, or without a local copy — always the manifest bytes', async () => {
    await fs.mkdir(path.join(clientDir, 'lib'), { recursive: true });
    await fs.writeFile(path.join(clientDir, 'lib', 'module-1.0.0.jar'), v1);
    const whole = await patch(await manifest(), ['module-1.0.0.jar'], true);
    expect(whole.bytesFetched).toBe(v2.length);
    expect(whole.bytesReused).toBe(0);

    // A forged index (right format, wrong file) is refused by its hash in the manifest.
    await fs.writeFile(path.join(clientDir, 'lib', 'module-1.0.0.jar'), v1);
    const index = path.join(root, 'registration-client', '1.0.0', 'blockmap', 'module-1.0.0.jar.blockmap');
    const genuine = await fs.readFile(index);
    await fs.writeFile(index, Buffer.concat([genuine.subarray(0, genuine.length - 1), Buffer.from([genuine[genuine.length - 1]! ^ 1])]));
    const forged = await patch(await manifest(), ['module-1.0.0.jar']);
    expect(forged.log.some((line) => line.includes('fetching module-1.0.0.jar whole: block index SHA-256'))).toBe(true);
    expect(sha256(await fs.readFile(path.join(clientDir, 'lib', 'module-1.0.0.jar')))).toBe(sha256(v2));
    expect(forged.bytesFetched).toBe(v2.length + genuine.length);
  });

  it('repairs a damaged copy (a range zeroed) from what is left of it', async () => {
    await fs.mkdir(path.join(clientDir, 'lib'), { recursive: true });
    const damaged = Buffer.from(v2);
    damaged.fill(0, 500_000, 540_000);
    await fs.writeFile(path.join(clientDir, 'lib', 'module-1.0.0.jar'), damaged);
    const result = await patch(await manifest(), ['module-1.0.0.jar']);
    expect(sha256(await fs.readFile(path.join(clientDir, 'lib', 'module-1.0.0.jar')))).toBe(sha256(v2));
    expect(result.bytesFetched).toBeLessThan(v2.length * 0.15);
  });

  async function patchMissing(): Promise<{ bytesFetched: number }> {
    const logger = createMemoryLogger();
    const output = await patchLib({ missing: ['module-1.0.0.jar'], mismatched: [], unknown: ['module-0.9.0.jar'] }, await manifest(), {
      client: createHttpClient({ connectTimeoutMs: 5000, readTimeoutMs: 5000, retry }),
      serverUrl: `${server.url}registration-client/`,
      libDir: path.join(clientDir, 'lib'),
      stagingDir: path.join(clientDir, '.upgrade', 'staging', 'patch'),
      pool,
      concurrency: 2,
      retry,
      logger,
    });
    expect(output.removed).toEqual(['module-0.9.0.jar']);
    expect(sha256(await fs.readFile(path.join(clientDir, 'lib', 'module-1.0.0.jar')))).toBe(sha256(v2));
    return output;
  }
});
