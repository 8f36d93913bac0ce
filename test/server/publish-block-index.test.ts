import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockIndexHash, blockIndexSegments, parseBlockIndex } from '../../src/formats/block-index.js';
import { parseManifest } from '../../src/formats/manifest.js';
import { publishRelease } from '../../src/server/publish.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('publish writes block indexes (DESIGN §13)', () => {
  let base: string;
  beforeEach(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'publish-index-'));
  });
  afterEach(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('indexes every file of 64 KiB or more and names the index hash in its manifest section', async () => {
    const lib = path.join(base, 'lib');
    await fs.mkdir(path.join(lib, 'nested dir'), { recursive: true });
    const big = randomBytes(300_000);
    await fs.writeFile(path.join(lib, 'nested dir', 'big module-1.0.jar'), big);
    await fs.writeFile(path.join(lib, 'small.properties'), 'a=b\n');
    const release = await publishRelease({ version: '1.0.0', libDir: lib, outRoot: path.join(base, 'out'), unchecked: true });
    const manifest = parseManifest(await fs.readFile(release.manifestPath));
    const [bigEntry, smallEntry] = ['nested dir/big module-1.0.jar', 'small.properties'].map((name) => manifest.entries.find((e) => e.name === name));
    expect(blockIndexHash(smallEntry!)).toBeUndefined();
    const indexBytes = await fs.readFile(path.join(release.releaseDir, ...blockIndexSegments('nested dir/big module-1.0.jar')));
    expect(blockIndexHash(bigEntry!)).toBe(sha256(indexBytes).toUpperCase());
    const index = parseBlockIndex(indexBytes);
    expect(index.size).toBe(big.length);
    for (const chunk of index.chunks) expect(sha256(big.subarray(chunk.offset, chunk.offset + chunk.length))).toBe(chunk.hash);
    // The block index is not a release file: the manifest lists lib/ only.
    expect(manifest.entries.map((e) => e.name).sort()).toEqual(['nested dir/big module-1.0.jar', 'small.properties']);
  });
});
