// Differential downloads of real jars (javac + jar, Java 17) through `serve`: the cases of a
// release engineer's week — a one-class hotfix, an added class, a changed resource, a version
// renamed jar, a rebuilt entry order, a damaged copy — each with the bytes it costs on the wire.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/formats/manifest.js';
import { startStaticServer, type StaticServer } from '../../../src/server/serve.js';
import { createHashPool, type HashPool } from '../../../src/services/hash-pool.js';
import { createHttpClient } from '../../../src/services/http-client.js';
import { silentLogger } from '../../../src/services/logger.js';
import { patchLib } from '../../../src/services/patch-lib.js';
import { compileModule, copyModule, javaToolsAvailable, moduleEntries, packJar, resourceText, writeClass, type JavaModule } from '../../helpers/java-jars.js';
import { publish, sha256, tempDir } from '../../helpers/station.js';

const retry = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const CONSTANT_BYTES = 12_000; // 200 classes → a jar of about 2 MB

describe.skipIf(!javaToolsAvailable)('differential downloads of javac-built jars', () => {
  let work: string;
  let base: JavaModule;
  let oldJar: Buffer;
  let pool: HashPool;

  beforeAll(async () => {
    work = await tempDir('rcu-jars-');
    base = await compileModule(path.join(work, 'base'), 200, CONSTANT_BYTES);
    oldJar = await packJar(base, path.join(work, 'old.jar'));
    pool = createHashPool(1);
  }, 180_000);
  afterAll(async () => {
    await pool.close();
    await fs.rm(work, { recursive: true, force: true });
  });

  // Publishes `newJar` as `newName`, installs `localFiles` in a station's lib/, patches; returns the share fetched.
  async function patchFrom(localFiles: Record<string, Buffer>, newName: string, newJar: Buffer): Promise<{ fetched: number; reused: number }> {
    const root = await tempDir('rcu-jars-root-');
    const clientDir = await tempDir('rcu-jars-station-');
    await publish(root, '1.0.1', { [newName]: newJar });
    const server: StaticServer = await startStaticServer({ root });
    try {
      const lib = path.join(clientDir, 'lib');
      await fs.mkdir(lib, { recursive: true });
      for (const [name, bytes] of Object.entries(localFiles)) await fs.writeFile(path.join(lib, name), bytes);
      const manifest = parseManifest(await fs.readFile(path.join(root, 'registration-client', '1.0.1', 'MANIFEST.MF')));
      const own = newName in localFiles;
      const output = await patchLib(
        { missing: own ? [] : [newName], mismatched: own ? [newName] : [], unknown: Object.keys(localFiles).filter((name) => name !== newName) },
        manifest,
        {
          client: createHttpClient({ connectTimeoutMs: 5000, readTimeoutMs: 5000, retry }),
          serverUrl: `${server.url}registration-client/`,
          libDir: lib,
          stagingDir: path.join(clientDir, '.upgrade', 'staging', 'patch'),
          pool,
          concurrency: 1,
          retry,
          logger: silentLogger,
        },
      );
      expect(sha256(await fs.readFile(path.join(lib, newName)))).toBe(sha256(newJar));
      expect(await fs.readdir(lib)).toEqual([newName]);
      return { fetched: output.bytesFetched / newJar.length, reused: (output.bytesReused ?? 0) / newJar.length };
    } finally {
      await server.close();
      await fs.rm(root, { recursive: true, force: true });
      await fs.rm(clientDir, { recursive: true, force: true });
    }
  }

  async function variant(name: string, change: (module: JavaModule) => Promise<void>): Promise<{ module: JavaModule; jar: Buffer }> {
    const module = await copyModule(base, path.join(work, name));
    await change(module);
    return { module, jar: await packJar(module, path.join(work, `${name}.jar`)) };
  }

  it('a one-class hotfix costs a few percent of the jar', async () => {
    const { jar } = await variant('one-class', (m) => writeClass(m, 117, 1, CONSTANT_BYTES));
    expect(jar.length).toBeGreaterThan(1_500_000);
    const { fetched, reused } = await patchFrom({ 'module-1.0.0.jar': oldJar }, 'module-1.0.0.jar', jar);
    expect(fetched).toBeLessThan(0.05);
    expect(reused).toBeGreaterThan(0.9);
  }, 120_000);

  it('an added class and a changed resource cost a few percent', async () => {
    const added = await variant('added', (m) => writeClass(m, 200, 0, CONSTANT_BYTES));
    expect((await patchFrom({ 'module-1.0.0.jar': oldJar }, 'module-1.0.0.jar', added.jar)).fetched).toBeLessThan(0.05);
    const resource = await variant('resource', (m) => fs.writeFile(path.join(m.classes, 'config', 'application.properties'), resourceText(1)));
    expect((await patchFrom({ 'module-1.0.0.jar': oldJar }, 'module-1.0.0.jar', resource.jar)).fetched).toBeLessThan(0.05);
  }, 120_000);

  it('a version-renamed jar is assembled from the old version beside it, which is then removed', async () => {
    const { jar } = await variant('renamed', (m) => writeClass(m, 3, 1, CONSTANT_BYTES));
    expect((await patchFrom({ 'module-1.0.0.jar': oldJar }, 'module-1.0.1.jar', jar)).fetched).toBeLessThan(0.05);
  }, 120_000);

  it('a damaged copy (a range zeroed) is repaired from what is left of it', async () => {
    const damaged = Buffer.from(oldJar);
    damaged.fill(0, 700_000, 760_000);
    expect((await patchFrom({ 'module-1.0.0.jar': damaged }, 'module-1.0.0.jar', oldJar)).fetched).toBeLessThan(0.08);
  }, 120_000);

  it('a jar rebuilt with another entry order, or without fixed timestamps, costs only its headers and directory', async () => {
    const reversed = await packJar(base, path.join(work, 'reversed.jar'), { entries: (await moduleEntries(base)).reverse() });
    // Moved entries keep their bytes, and the index cuts at every entry: only the central directory (offsets) changes.
    expect((await patchFrom({ 'module-1.0.0.jar': oldJar }, 'module-1.0.0.jar', reversed)).fetched).toBeLessThan(0.05);
    const restamped = await packJar(base, path.join(work, 'restamped.jar'), { date: '2025-06-01T12:34:56Z' });
    // Every local header changes (about 200 small ranges, 13 requests): still a few percent.
    expect((await patchFrom({ 'module-1.0.0.jar': oldJar }, 'module-1.0.0.jar', restamped)).fetched).toBeLessThan(0.05);
  }, 120_000);
});
