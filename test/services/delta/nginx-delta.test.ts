// Differential downloads against the production server: Debian's nginx on deploy/nginx.conf,
// answering several ranges per request as multipart/byteranges (at most max_ranges 16).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockIndexHash } from '../../../src/formats/block-index.js';
import { parseManifest } from '../../../src/formats/manifest.js';
import { downloadDelta } from '../../../src/services/delta/download-delta.js';
import { releaseBlockIndexUrl } from '../../../src/services/delta/local-sources.js';
import { createHttpClient } from '../../../src/services/http-client.js';
import { releaseFileUrl } from '../../../src/services/patch-lib.js';
import { nginxAvailable, startNginx, type RunningNginx } from '../../helpers/nginx.js';
import { publish, sha256, tempDir } from '../../helpers/station.js';

const retry = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const blocks = Array.from({ length: 96 }, () => randomBytes(16 * 1024));
const v1 = Buffer.concat(blocks);
// 100 bytes changed in 20 blocks 64 KiB apart: 20 separate ranges, more than nginx answers in one request.
const v2 = Buffer.concat(blocks.map((block, i) => (i % 4 === 2 && i < 80 ? Buffer.concat([block.subarray(0, 8000), randomBytes(100), block.subarray(8100)]) : block)));

describe.skipIf(!nginxAvailable)('differential downloads through nginx', () => {
  let root: string;
  let station: string;
  let nginx: RunningNginx;
  let serverUrl: string;
  let indexSha256: string;

  beforeAll(async () => {
    root = await tempDir('rcu-delta-nginx-');
    station = await tempDir('rcu-delta-nginx-station-');
    await publish(root, '2.0.0', { 'module-2.0.0.jar': v2 });
    nginx = await startNginx({ root });
    serverUrl = `${nginx.url}registration-client/`;
    const manifest = parseManifest(await fs.readFile(path.join(root, 'registration-client', '2.0.0', 'MANIFEST.MF')));
    indexSha256 = blockIndexHash(manifest.entries[0]!)!;
    await fs.writeFile(path.join(station, 'module-1.0.0.jar'), v1);
  });
  afterAll(async () => {
    await nginx.stop();
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(station, { recursive: true, force: true });
  });

  async function fetchWith(rangesPerRequest: number, dir: string): Promise<{ fetched: number; reused: number; requests: string[] }> {
    const before = (await fs.readFile(path.join(nginx.prefix, 'access.log'), 'utf8').catch(() => '')).split('\n').length;
    const finalPath = path.join(station, dir, 'module-2.0.0.jar');
    const result = await downloadDelta(
      createHttpClient({ connectTimeoutMs: 5000, readTimeoutMs: 5000, retry }),
      { url: releaseFileUrl(serverUrl, '2.0.0', 'module-2.0.0.jar'), partPath: `${finalPath}.part`, finalPath, expectedSha256: sha256(v2), expectedSize: v2.length, label: 'module-2.0.0.jar' },
      { indexUrl: releaseBlockIndexUrl(serverUrl, '2.0.0', 'module-2.0.0.jar'), indexSha256, localFiles: [path.join(station, 'module-1.0.0.jar')] },
      { retry, planLimits: { rangesPerRequest, maxRequests: 16, wholeAbove: 0.8 } },
    );
    expect(sha256(await fs.readFile(finalPath))).toBe(sha256(v2));
    const log = (await fs.readFile(path.join(nginx.prefix, 'access.log'), 'utf8')).split('\n').slice(before - 1).filter((line) => line.includes('/lib/'));
    return { fetched: result.bytesFetched, reused: result.bytesReused ?? 0, requests: log };
  }

  it('fetches the changed chunks in multipart/byteranges answers of at most 16 ranges', async () => {
    const { fetched, reused, requests } = await fetchWith(16, 'a');
    expect(requests.length).toBe(2); // 20 ranges: 16 + 4
    expect(requests.every((line) => line.includes('" 206 '))).toBe(true);
    expect(fetched).toBeLessThan(v2.length * 0.4);
    expect(fetched + reused).toBeGreaterThan(v2.length);
  });

  it('asks one range per request when nginx answers too many ranges with the whole file', async () => {
    const { fetched, requests } = await fetchWith(32, 'b');
    // The refused request is cut short; then one range per request, capped at 16 requests by
    // fetching the smallest gaps between the 20 ranges too.
    expect(requests.filter((line) => line.includes('" 200 ')).length).toBe(1);
    expect(requests.filter((line) => line.includes('" 206 ')).length).toBe(16);
    expect(fetched).toBeLessThan(v2.length * 0.6);
  });
});
