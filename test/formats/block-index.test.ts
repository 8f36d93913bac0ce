import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOCK_INDEX_ATTRIBUTE, blockIndexHash, blockIndexSegments, indexBlocks, parseBlockIndex, serializeBlockIndex } from '../../src/formats/block-index.js';
import { createManifest, parseManifest, serializeManifest } from '../../src/formats/manifest.js';
import { mulberry32 } from '../helpers/random.js';

function seeded(size: number, seed: number): Buffer {
  const random = mulberry32(seed);
  return Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)));
}

describe('block index', () => {
  const data = seeded(250_000, 11);
  const index = indexBlocks(data);

  it('hashes every chunk with SHA-256 and reads back what it wrote', () => {
    for (const chunk of index.chunks) {
      expect(chunk.hash).toBe(createHash('sha256').update(data.subarray(chunk.offset, chunk.offset + chunk.length)).digest('hex'));
    }
    const bytes = serializeBlockIndex(index);
    expect(bytes.length).toBe(32 + 36 * index.chunks.length);
    expect(parseBlockIndex(bytes)).toEqual(index);
  });

  it.each([
    ['bad magic', (b: Buffer) => b.write('XXXXXXXX', 0)],
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['wrong size', (b: Buffer) => b.writeBigUInt64BE(1n, 20)],
    ['zero-length chunk', (b: Buffer) => b.writeUInt32BE(0, 32)],
    ['bad parameters', (b: Buffer) => b.writeUInt32BE(3, 12)],
  ])('refuses an index with %s', (_name, damage) => {
    const bytes = Buffer.from(serializeBlockIndex(index));
    const result = damage(bytes);
    expect(() => parseBlockIndex(Buffer.isBuffer(result) ? result : bytes)).toThrow();
  });

  it('reads Block-Index-SHA-256 from a manifest section, ignoring malformed values', () => {
    const hash = 'ab'.repeat(32);
    const file = 'CD'.repeat(32);
    const written = createManifest('1.2.0.1', [
      { name: 'a.jar', hash: file, extra: [[BLOCK_INDEX_ATTRIBUTE, hash]] },
      { name: 'b.jar', hash: file, extra: [[BLOCK_INDEX_ATTRIBUTE, 'nope']] },
      { name: 'c.jar', hash: file },
    ]);
    // Wrapped at 72 bytes as Java writes it, and read back whole.
    const manifest = parseManifest(serializeManifest(written));
    expect(manifest.entries.map((entry) => blockIndexHash(entry))).toEqual([hash.toUpperCase(), undefined, undefined]);
    expect(blockIndexSegments('sql/1.2.0/a b.sql')).toEqual(['blockmap', 'sql', '1.2.0', 'a b.sql.blockmap']);
  });
});
