// Releases published before block index version 2 keep their differential downloads: a station
// reads their version 1 index (plain chunks, whole SHA-256s) and assembles the file from it.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../../src/server/serve.js';
import { downloadDelta } from '../../../src/services/delta/download-delta.js';
import { createHttpClient } from '../../../src/services/http-client.js';
import { blockIndexV1 } from '../../helpers/block-index-v1.js';
import { sha256, tempDir } from '../../helpers/station.js';

const retry = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const blocks = Array.from({ length: 32 }, () => randomBytes(16 * 1024));
const v1 = Buffer.concat(blocks);
const v2 = Buffer.concat(blocks.map((block, i) => (i === 10 ? randomBytes(block.length) : block)));

describe('a version 1 block index (published before version 2)', () => {
  let root: string;
  let server: StaticServer;

  beforeAll(async () => {
    root = await tempDir('rcu-index-v1-');
    await fs.mkdir(path.join(root, 'srv'));
    await fs.writeFile(path.join(root, 'srv', 'module.jar'), v2);
    await fs.writeFile(path.join(root, 'srv', 'module.jar.blockmap'), blockIndexV1(v2));
    await fs.writeFile(path.join(root, 'old.jar'), v1);
    server = await startStaticServer({ root: path.join(root, 'srv') });
  });
  afterAll(async () => {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('still assembles the file from the old copy, fetching only the changed part', async () => {
    const index = await fs.readFile(path.join(root, 'srv', 'module.jar.blockmap'));
    const finalPath = path.join(root, 'out', 'module.jar');
    const result = await downloadDelta(
      createHttpClient({ connectTimeoutMs: 5000, readTimeoutMs: 5000, retry }),
      { url: `${server.url}module.jar`, partPath: `${finalPath}.part`, finalPath, expectedSha256: sha256(v2), expectedSize: v2.length, label: 'module.jar' },
      { indexUrl: `${server.url}module.jar.blockmap`, indexSha256: sha256(index), localFiles: [path.join(root, 'old.jar')] },
      { retry },
    );
    expect(sha256(await fs.readFile(finalPath))).toBe(sha256(v2));
    expect(result.bytesReused ?? 0).toBeGreaterThan(v2.length * 0.8);
    expect(result.bytesFetched).toBeLessThan(index.length + 16 * 1024 * 3);
  });
});
