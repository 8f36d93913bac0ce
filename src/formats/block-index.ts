// The block index of one release file (DESIGN §13): its content-defined chunks, each with its
// length and a hash. Published beside the release as `<version>/blockmap/<name>.blockmap`; the
// file's MANIFEST.MF section names the index's own SHA-256 (Block-Index-SHA-256), so a signed or
// hash-checked manifest covers it. MOSIP's clients ignore the attribute.
//
// Version 2 (written): "RCUBIDX2", u8 segmentation (0 plain, 1 zip), u8 hash bytes, then unsigned
// LEB128 varints min, avg, max, file size, chunk count, and per chunk a varint length followed by
// the first `hash bytes` of its SHA-256. Version 1 (still read, so releases published before keep
// their differential downloads): "RCUBIDX1", u32 min, avg, max, u64 size, u32 count, then per
// chunk u32 length + 32 bytes of SHA-256, all big-endian, plain segmentation.
//
// Why truncated hashes are enough: a chunk hash only says where the station may already hold the
// bytes. Correctness never rests on it: the assembled file is checked against the manifest's full
// SHA-256 and fetched whole on a mismatch. A false match needs a local chunk of the same length
// whose first 5 hash bytes equal a target chunk's: 2^-40 per pair, about 10^-6 per file even for
// a thousand chunks on each side, and it then costs one whole download, never a wrong file. zsync
// keeps 4 + 2 bytes per 2 KiB block for the same reason. 5 bytes instead of 32 make the index,
// which every differential download fetches first, about four times smaller (see BENCHMARKS.md).
import { createHash } from 'node:crypto';
import { chunkBuffer, chunkSegments, validChunkParams, DEFAULT_CHUNK_PARAMS, type ChunkParams, type ChunkSpan } from './fastcdc.js';
import type { ManifestEntry } from './manifest.js';
import { readVarint, writeVarint } from './varint.js';
import { zipCutPoints } from './zip-segments.js';

/** One chunk of the indexed file. */
export interface IndexedChunk {
  offset: number;
  length: number;
  /** The first hashBytes of the chunk's SHA-256, lowercase hex. */
  hash: string;
}

/** How a file is cut before chunking: 'zip' at its records (zipCutPoints) when it is a zip read there, 'plain' never. */
export type Segmentation = 'plain' | 'zip';

/** A file described as chunks. */
export interface BlockIndex {
  params: ChunkParams;
  segmentation: Segmentation;
  /** Bytes of SHA-256 kept per chunk (32 in a version 1 index). */
  hashBytes: number;
  size: number;
  chunks: IndexedChunk[];
}

/** Manifest attribute (in a file's section) holding the SHA-256 of that file's block index. */
export const BLOCK_INDEX_ATTRIBUTE = 'Block-Index-SHA-256';
/** Files smaller than this get no index: an index and a range request cost about what they could save. */
export const MIN_INDEXED_SIZE = 64 * 1024;
/** Bytes of SHA-256 publish keeps per chunk. */
export const DEFAULT_HASH_BYTES = 5;

const MAGIC_V1 = Buffer.from('RCUBIDX1', 'ascii');
const MAGIC_V2 = Buffer.from('RCUBIDX2', 'ascii');
const HEADER_V1 = MAGIC_V1.length + 4 * 3 + 8 + 4;
const ENTRY_V1 = 4 + 32;
const SEGMENTATIONS: readonly Segmentation[] = ['plain', 'zip'];

/** Options of indexBlocks. */
export interface IndexOptions {
  params?: ChunkParams;
  /** 'zip' (default) cuts at zip records when the file is a zip, 'plain' never. */
  segmentation?: Segmentation;
  hashBytes?: number;
}

/** Chunks `data` and hashes every chunk. */
export function indexBlocks(data: Uint8Array, options: IndexOptions = {}): BlockIndex {
  const params = options.params ?? DEFAULT_CHUNK_PARAMS;
  const hashBytes = options.hashBytes ?? DEFAULT_HASH_BYTES;
  const segmentation = options.segmentation === 'plain' || zipCutPoints(data) === undefined ? 'plain' : 'zip';
  const chunks = hashChunks(data, chunkLike(data, { params, segmentation }), hashBytes);
  return { params, segmentation, hashBytes, size: data.length, chunks };
}

/** The chunks of any file (a station's local copy), cut as `index` says; a file that is not a zip is chunked plainly. */
export function chunkLike(data: Uint8Array, index: Pick<BlockIndex, 'params' | 'segmentation'>): ChunkSpan[] {
  const cuts = index.segmentation === 'zip' ? zipCutPoints(data) : undefined;
  return cuts === undefined ? chunkBuffer(data, index.params) : chunkSegments(data, cuts, index.params);
}

/** Hashes spans of `data` as an index with `hashBytes` does. */
export function hashChunks(data: Uint8Array, spans: readonly ChunkSpan[], hashBytes: number): IndexedChunk[] {
  return spans.map(({ offset, length }) => ({ offset, length, hash: chunkHash(data.subarray(offset, offset + length), hashBytes) }));
}

/** The first `hashBytes` of the SHA-256 of `bytes`, lowercase hex. */
export function chunkHash(bytes: Uint8Array, hashBytes: number): string {
  return createHash('sha256').update(bytes).digest().toString('hex', 0, hashBytes);
}

/** The published bytes of an index (version 2). */
export function serializeBlockIndex(index: BlockIndex): Buffer {
  const parts: number[] = [SEGMENTATIONS.indexOf(index.segmentation), index.hashBytes];
  for (const value of [index.params.min, index.params.avg, index.params.max, index.size, index.chunks.length]) writeVarint(parts, value);
  const head = Buffer.concat([MAGIC_V2, Buffer.from(parts)]);
  const body: Buffer[] = [];
  for (const chunk of index.chunks) {
    const length: number[] = [];
    writeVarint(length, chunk.length);
    body.push(Buffer.from(length), Buffer.from(chunk.hash, 'hex'));
  }
  return Buffer.concat([head, ...body]);
}

/** Reads index bytes (version 1 or 2); throws an Error saying what is wrong (the caller then fetches the file whole). */
export function parseBlockIndex(bytes: Uint8Array): BlockIndex {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = data.subarray(0, MAGIC_V2.length);
  if (magic.equals(MAGIC_V1)) return parseVersion1(data);
  if (!magic.equals(MAGIC_V2)) throw new Error('not a block index (bad magic or too short)');
  const segmentation = SEGMENTATIONS[data[8] ?? -1];
  const hashBytes = data[9] ?? 0;
  if (segmentation === undefined) throw new Error(`block index has unknown segmentation ${data[8] ?? 'none'}`);
  if (hashBytes < 4 || hashBytes > 32) throw new Error(`block index keeps ${hashBytes} hash bytes per chunk, outside 4..32`);
  const cursor = { at: 10 };
  const params = { min: readVarint(data, cursor), avg: readVarint(data, cursor), max: readVarint(data, cursor) };
  const size = readVarint(data, cursor);
  const count = readVarint(data, cursor);
  if (!validChunkParams(params)) throw new Error(`block index has invalid chunk parameters ${JSON.stringify(params)}`);
  const chunks: IndexedChunk[] = [];
  let offset = 0;
  for (let index = 0; index < count; index += 1) {
    const length = readVarint(data, cursor);
    if (length < 1 || length > params.max) throw new Error(`block index chunk ${index} has length ${length}, outside 1..${params.max}`);
    if (cursor.at + hashBytes > data.length) throw new Error(`block index is cut short in chunk ${index}`);
    chunks.push({ offset, length, hash: data.toString('hex', cursor.at, cursor.at + hashBytes) });
    cursor.at += hashBytes;
    offset += length;
  }
  if (cursor.at !== data.length) throw new Error(`block index has ${data.length - cursor.at} bytes after its ${count} chunks`);
  if (offset !== size) throw new Error(`block index chunks cover ${offset} bytes, the file has ${size}`);
  return { params, segmentation, hashBytes, size, chunks };
}

function parseVersion1(data: Buffer): BlockIndex {
  if (data.length < HEADER_V1) throw new Error('not a block index (bad magic or too short)');
  const params = { min: data.readUInt32BE(8), avg: data.readUInt32BE(12), max: data.readUInt32BE(16) };
  if (!validChunkParams(params)) throw new Error(`block index has invalid chunk parameters ${JSON.stringify(params)}`);
  const size = Number(data.readBigUInt64BE(20));
  const count = data.readUInt32BE(28);
  if (data.length !== HEADER_V1 + count * ENTRY_V1) throw new Error(`block index of ${count} chunks should be ${HEADER_V1 + count * ENTRY_V1} bytes, is ${data.length}`);
  const chunks: IndexedChunk[] = [];
  let offset = 0;
  for (let at = HEADER_V1; at < data.length; at += ENTRY_V1) {
    const length = data.readUInt32BE(at);
    if (length < 1 || length > params.max) throw new Error(`block index chunk ${chunks.length} has length ${length}, outside 1..${params.max}`);
    chunks.push({ offset, length, hash: data.toString('hex', at + 4, at + ENTRY_V1) });
    offset += length;
  }
  if (offset !== size) throw new Error(`block index chunks cover ${offset} bytes, the file has ${size}`);
  return { params, segmentation: 'plain', hashBytes: 32, size, chunks };
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
