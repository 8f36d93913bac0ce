// A release of 50 000 files (issue 17, small ones): its manifest is read section by section, verify
// checks a bounded number of files at once (folders once each), the hash pool's queue stays linear,
// and patch and apply plans are built with maps, never a search per entry. Not timed: it asserts what
// is found and written, and that a whole `start --offline` over it stays far below the 574 MB the
// probe measured.
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManifest, parseManifest, serializeManifest, type Manifest } from '../../src/formats/manifest.js';
import { createHashPool, type HashPool } from '../../src/services/hash-pool.js';
import { createHttpClient } from '../../src/services/http-client.js';
import { createMemoryLogger } from '../../src/services/logger.js';
import { patchLib } from '../../src/services/patch-lib.js';
import { filesToStage, planApply } from '../../src/services/plan-apply.js';
import { verifyLib } from '../../src/services/verify-lib.js';
import { builtCli, repoRoot } from '../reliability/helpers/repo.js';
import { sha256, tempDir } from '../helpers/station.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const COUNT = 50_000;
const name = (i: number): string => `d${String(i % 100).padStart(2, '0')}/f-${String(i).padStart(5, '0')}.class`;
const body = (i: number, version = 'a'): Buffer => Buffer.from(`file ${i} ${version}\n`.repeat(4));

let client: string;
let lib: string;
let manifest: Manifest;
let pool: HashPool;

async function writeAll(dir: string, count: number): Promise<void> {
  for (let folder = 0; folder < 100; folder += 1) await fs.mkdir(path.join(dir, `d${String(folder).padStart(2, '0')}`), { recursive: true });
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) await fs.writeFile(path.join(dir, name(i)), body(i));
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

beforeAll(async () => {
  client = path.join(await tempDir('rcu-50k-'), 'station');
  lib = path.join(client, 'lib');
  await writeAll(lib, COUNT);
  const entries = Array.from({ length: COUNT }, (_, i) => ({ name: name(i), hash: sha256(body(i)), size: body(i).length }));
  const bytes = serializeManifest(createManifest('1.0.0', entries));
  await fs.writeFile(path.join(client, 'MANIFEST.MF'), bytes);
  manifest = parseManifest(bytes);
  pool = createHashPool();
}, 600_000);
afterAll(async () => {
  await pool.close();
  await fs.rm(path.dirname(client), { recursive: true, force: true });
});

describe('a release of 50 000 files', () => {
  it('the manifest reads back whole, every entry in order with its hash and size', () => {
    expect(manifest.entries).toHaveLength(COUNT);
    const sorted = Array.from({ length: COUNT }, (_, i) => name(i)).sort();
    expect(manifest.entries[0]).toMatchObject({ name: sorted[0], size: body(0).length });
    expect(manifest.entries.at(-1)?.name).toBe(sorted.at(-1));
  });

  it('verify finds exactly the damage, patch repairs it from the server, and verify is clean again', async () => {
    const server: TestServer = await startTestServer();
    try {
      const missing = Array.from({ length: 100 }, (_, k) => k * 499);
      const changed = Array.from({ length: 100 }, (_, k) => k * 499 + 7);
      for (const i of missing) await fs.rm(path.join(lib, name(i)));
      for (const i of changed) await fs.writeFile(path.join(lib, name(i)), 'damaged');
      await fs.writeFile(path.join(lib, 'd42', 'stray.class'), 'not in the manifest');
      for (const i of [...missing, ...changed]) server.setFile(`/registration-client/1.0.0/lib/${name(i)}`, body(i));

      const found = await verifyLib(lib, manifest, pool);
      expect(found.missing).toEqual(missing.map(name).sort());
      expect(found.mismatched).toEqual(changed.map(name).sort());
      expect(found.unknown).toEqual(['d42/stray.class']);

      const retry = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
      const output = await patchLib(found, manifest, {
        client: createHttpClient({ connectTimeoutMs: 5_000, readTimeoutMs: 5_000, retry, env: {} }),
        serverUrl: `${server.url}registration-client/`,
        libDir: lib,
        stagingDir: path.join(client, '.upgrade', 'staging', 'patch'),
        pool,
        concurrency: 8,
        retry,
        logger: createMemoryLogger(),
        wholeFiles: true,
      });
      expect(output.patched).toHaveLength(200);
      expect(output.removed).toEqual(['d42/stray.class']);
      expect(output.bytesFetched).toBe([...missing, ...changed].reduce((sum, i) => sum + body(i).length, 0));
      expect(server.requests).toHaveLength(200);

      const after = await verifyLib(lib, manifest, pool);
      expect(after).toMatchObject({ fileCount: COUNT, missing: [], mismatched: [], unknown: [] });
    } finally {
      await server.close();
    }
  }, 600_000);

  it('an upgrade plan over 50 000 entries: replaced, added and deleted counted exactly', () => {
    const next = createManifest('1.1.0', [
      ...Array.from({ length: COUNT }, (_, i) => i)
        .filter((i) => i % 100 !== 3) // 500 deleted
        .map((i) => ({ name: name(i), hash: sha256(body(i, i % 50 === 1 ? 'b' : 'a')) })), // 1 000 replaced
      ...Array.from({ length: 500 }, (_, k) => ({ name: `new/n-${k}.class`, hash: sha256(body(k, 'new')) })),
    ]);
    const plan = planApply(manifest, next);
    const count = (op: string): number => plan.filter((step) => step.op === op).length;
    expect([count('replace'), count('add'), count('delete'), count('commit')]).toEqual([1_000, 500, 500, 1]);
    expect(filesToStage(plan)).toHaveLength(1_500);
  });

  it.skipIf(!existsSync(builtCli))('a whole `start --offline` over it: exit 0, peak RSS far below the 574 MB the probe measured', () => {
    const run = spawnSync(process.execPath, [path.join(repoRoot, 'dist/bench/rss-child.js'), builtCli, 'start', '--offline', '--json', '--client-dir', client], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ state: 'ready', exitCode: 0 });
    const rssKb = Number(/RSS_KB=(\d+)/.exec(run.stderr)?.[1]);
    // Measured 222 MB after the fixes (a no-op launch alone is about 100 MB); 621 MB before them.
    expect(rssKb).toBeGreaterThan(0);
    expect(rssKb).toBeLessThan(350 * 1024);
  }, 600_000);
});
