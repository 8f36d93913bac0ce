// The block index of one release file (DESIGN §13): its content-defined chunks, each with its
// length and SHA-256. Published beside the release as `<version>/blockmap/<name>.blockmap`; the
// file's MANIFEST.MF section names the index's own SHA-256 (Block-Index-SHA-256), so a signed or
// hash-checked manifest covers it. MOSIP's clients ignore the attribute.
//
// Layout (big-endian): "RCUBIDX1", u32 min, u32 avg, u32 max, u64 file size, u32 chunk count,
// then per chunk u32 length + 32 bytes SHA-256.
import { createHash } from 'node:crypto';
import { chunkBuffer, validChunkParams, DEFAULT_CHUNK_PARAMS, type ChunkParams } from './fastcdc.js';
import type { ManifestEntry } from './manifest.js';

/** One chunk of the indexed file. */
export interface IndexedChunk {
  offset: number;
  length: number;
  /** SHA-256 of the chunk, lowercase hex. */
  hash: string;
}

/** A file described as chunks. */
export interface BlockIndex {
  params: ChunkParams;
  size: number;
  chunks: IndexedChunk[];
}

/** Manifest attribute (in a file's section) holding the SHA-256 of that file's block index. */
export const BLOCK_INDEX_ATTRIBUTE = 'Block-Index-SHA-256';
/** Files smaller than this get no index: an index and a range request cost about what they could save. */
export const MIN_INDEXED_SIZE = 64 * 1024;

const MAGIC = Buffer.from('RCUBIDX1', 'ascii');
const HEADER = MAGIC.length + 4 * 3 + 8 + 4;
const ENTRY = 4 + 32;

/** Chunks `data` and hashes every chunk. */
export function indexBlocks(data: Uint8Array, params: ChunkParams = DEFAULT_CHUNK_PARAMS): BlockIndex {
  const chunks = chunkBuffer(data, params).map(({ offset, length }) => ({
    offset,
    length,
    hash: createHash('sha256').update(data.subarray(offset, offset + length)).digest('hex'),
  }));
  return { params, size: data.length, chunks };
}

/** The published bytes of an index. */
export function serializeBlockIndex(index: BlockIndex): Buffer {
  const out = Buffer.alloc(HEADER + ENTRY * index.chunks.length);
  MAGIC.copy(out, 0);
  let at = MAGIC.length;
  at = out.writeUInt32BE(index.params.min, at);
  at = out.writeUInt32BE(index.params.avg, at);
  at = out.writeUInt32BE(index.params.max, at);
  at = out.writeBigUInt64BE(BigInt(index.size), at);
  at = out.writeUInt32BE(index.chunks.length, at);
  for (const chunk of index.chunks) {
    at = out.writeUInt32BE(chunk.length, at);
    at += Buffer.from(chunk.hash, 'hex').copy(out, at);
  }
  return out;
}

/** Reads index bytes; throws an Error saying what is wrong (the caller then fetches the file whole). */
export function parseBlockIndex(bytes: Uint8Array): BlockIndex {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length < HEADER || !data.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a block index (bad magic or too short)');
  const params = { min: data.readUInt32BE(8), avg: data.readUInt32BE(12), max: data.readUInt32BE(16) };
  if (!validChunkParams(params)) throw new Error(`block index has invalid chunk parameters ${JSON.stringify(params)}`);
  const size = Number(data.readBigUInt64BE(20));
  const count = data.readUInt32BE(28);
  if (data.length !== HEADER + count * ENTRY) throw new Error(`block index of ${count} chunks should be ${HEADER + count * ENTRY} bytes, is ${data.length}`);
  const chunks: IndexedChunk[] = [];
  let offset = 0;
  for (let at = HEADER; at < data.length; at += ENTRY) {
    const length = data.readUInt32BE(at);
    if (length < 1 || length > params.max) throw new Error(`block index chunk ${chunks.length} has length ${length}, outside 1..${params.max}`);
    chunks.push({ offset, length, hash: data.toString('hex', at + 4, at + ENTRY) });
    offset += length;
  }
  if (offset !== size) throw new Error(`block index chunks cover ${offset} bytes, the file has ${size}`);
  return { params, size, chunks };
}

/** SHA-256 (uppercase hex) of the entry's block index, or undefined when it has none or a malformed one. */
export function blockIndexHash(entry: ManifestEntry): string | undefined {
  const value = entry.attributes.find(([key]) => key.toLowerCase() === BLOCK_INDEX_ATTRIBUTE.toLowerCase())?.[1].trim();
  return value !== undefined && /^[0-9A-Fa-f]{64}$/.test(value) ? value.toUpperCase() : undefined;
}

/** Path of a file's block index inside the release folder, in URL segments. */
export function blockIndexSegments(name: string): string[] {
  return ['blockmap', ...`${name}.blockmap`.split('/')];
}
