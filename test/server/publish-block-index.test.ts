import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockIndexHash, blockIndexSegments, DEFAULT_HASH_BYTES, parseBlockIndex } from '../../src/formats/block-index.js';
import { parseManifest } from '../../src/formats/manifest.js';
import { zipCutPoints } from '../../src/formats/zip-segments.js';
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
    expect(index.hashBytes).toBe(DEFAULT_HASH_BYTES);
    expect(index.segmentation).toBe('plain'); // random bytes are not a zip
    for (const chunk of index.chunks) expect(sha256(big.subarray(chunk.offset, chunk.offset + chunk.length)).slice(0, 2 * index.hashBytes)).toBe(chunk.hash);
    // The block index is not a release file: the manifest lists lib/ only.
    expect(manifest.entries.map((e) => e.name).sort()).toEqual(['nested dir/big module-1.0.jar', 'small.properties']);
  });

  it('indexes a jar by its zip records, so a station chunks its old jar the same way', async () => {
    const lib = path.join(base, 'lib');
    await fs.mkdir(lib, { recursive: true });
    const jar = path.join(lib, 'module-1.0.jar');
    const script = 'import os, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n  for i in range(8): z.writestr(f"C{i}.class", os.urandom(20000))';
    execFileSync('python3', ['-c', script, jar]);
    const release = await publishRelease({ version: '1.0.0', libDir: lib, outRoot: path.join(base, 'out'), unchecked: true });
    const index = parseBlockIndex(await fs.readFile(path.join(release.releaseDir, ...blockIndexSegments('module-1.0.jar'))));
    expect(index.segmentation).toBe('zip');
    const starts = new Set(index.chunks.map((chunk) => chunk.offset));
    for (const cut of zipCutPoints(await fs.readFile(jar)) ?? []) expect(starts.has(cut)).toBe(true);
  });
});
