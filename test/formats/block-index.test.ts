import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_INDEX_ATTRIBUTE,
  blockIndexHash,
  blockIndexSegments,
  DEFAULT_HASH_BYTES,
  indexBlocks,
  parseBlockIndex,
  serializeBlockIndex,
  type BlockIndex,
} from '../../src/formats/block-index.js';
import { chunkBuffer, DEFAULT_CHUNK_PARAMS } from '../../src/formats/fastcdc.js';
import { createManifest, parseManifest, serializeManifest } from '../../src/formats/manifest.js';
import { blockIndexV1 } from '../helpers/block-index-v1.js';
import { mulberry32 } from '../helpers/random.js';

function seeded(size: number, seed: number): Buffer {
  const random = mulberry32(seed);
  return Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)));
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('block index', () => {
  const data = seeded(250_000, 11);
  const index = indexBlocks(data);

  it('keeps the first DEFAULT_HASH_BYTES of every chunk\'s SHA-256 and reads back what it wrote', () => {
    expect(index.segmentation).toBe('plain'); // random bytes are no zip
    expect(index.hashBytes).toBe(DEFAULT_HASH_BYTES);
    expect(index.chunks.map(({ offset, length }) => ({ offset, length }))).toEqual(chunkBuffer(data));
    for (const chunk of index.chunks) expect(chunk.hash).toBe(sha256Hex(data.subarray(chunk.offset, chunk.offset + chunk.length)).slice(0, 2 * DEFAULT_HASH_BYTES));
    const bytes = serializeBlockIndex(index);
    // Magic, two bytes, five varints, then per chunk a 2- or 3-byte length and the hash bytes.
    expect(bytes.length).toBeLessThanOrEqual(10 + 5 * 5 + (3 + DEFAULT_HASH_BYTES) * index.chunks.length);
    expect(bytes.length).toBeGreaterThanOrEqual(10 + 5 + (2 + DEFAULT_HASH_BYTES) * index.chunks.length);
    expect(parseBlockIndex(bytes)).toEqual(index);
  });

  it.each([4, 8, 32])('writes and reads %i hash bytes per chunk', (hashBytes) => {
    const wide = indexBlocks(data, { hashBytes, params: { min: 1024, avg: 4096, max: 16384 } });
    expect(wide.chunks[0]?.hash).toHaveLength(2 * hashBytes);
    expect(parseBlockIndex(serializeBlockIndex(wide))).toEqual(wide);
  });

  const damage = (change: (index: BlockIndex) => BlockIndex) => serializeBlockIndex(change(structuredClone(index)));
  it.each([
    ['bad magic', () => Buffer.concat([Buffer.from('XXXXXXXX'), serializeBlockIndex(index).subarray(8)])],
    ['truncated', () => serializeBlockIndex(index).subarray(0, -1)],
    ['a byte after the chunks', () => Buffer.concat([serializeBlockIndex(index), Buffer.from([0])])],
    ['wrong size', () => damage((i) => ({ ...i, size: i.size + 1 }))],
    ['zero-length chunk', () => damage((i) => ({ ...i, chunks: [{ offset: 0, length: 0, hash: i.chunks[0]!.hash }, ...i.chunks] }))],
    ['a chunk longer than max', () => damage((i) => ({ ...i, size: i.size + i.params.max, chunks: [{ offset: 0, length: 2 * i.params.max, hash: i.chunks[0]!.hash }, ...i.chunks.slice(1)] }))],
    ['bad parameters', () => damage((i) => ({ ...i, params: { ...i.params, avg: 3000 } }))],
    ['3 hash bytes', () => Buffer.from(serializeBlockIndex(index)).fill(3, 9, 10)],
    ['an unknown segmentation', () => Buffer.from(serializeBlockIndex(index)).fill(7, 8, 9)],
    ['a varint that never ends', () => Buffer.concat([serializeBlockIndex(index).subarray(0, 10), Buffer.alloc(12, 0xff)])],
  ])('refuses a version 2 index with %s', (_name, bytes) => {
    expect(() => parseBlockIndex(bytes())).toThrow();
  });

  it('reads a version 1 index (releases published before) as plain chunks with whole SHA-256s', () => {
    const v1 = blockIndexV1(data);
    expect(v1.length).toBe(32 + 36 * chunkBuffer(data).length);
    const parsed = parseBlockIndex(v1);
    expect(parsed).toEqual({ ...indexBlocks(data, { hashBytes: 32, segmentation: 'plain' }) });
    expect(parsed.chunks[0]?.hash).toBe(sha256Hex(data.subarray(0, parsed.chunks[0]!.length)));
  });

  it.each([
    ['bad magic', (b: Buffer) => b.write('RCUBIDX9', 0)],
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['wrong size', (b: Buffer) => b.writeBigUInt64BE(1n, 20)],
    ['zero-length chunk', (b: Buffer) => b.writeUInt32BE(0, 32)],
    ['bad parameters', (b: Buffer) => b.writeUInt32BE(3, 12)],
  ])('refuses a version 1 index with %s', (_name, change) => {
    const bytes = blockIndexV1(data);
    const result = change(bytes);
    expect(() => parseBlockIndex(Buffer.isBuffer(result) ? result : bytes)).toThrow();
  });

  it('a v2 index of the same file is several times smaller than its v1 index', () => {
    const v2 = serializeBlockIndex(indexBlocks(data, { params: DEFAULT_CHUNK_PARAMS }));
    expect(v2.length * 4).toBeLessThan(blockIndexV1(data).length);
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
