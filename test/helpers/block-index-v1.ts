// Version 1 block indexes, as releases published before version 2 carry them: written here by
// hand from the layout (big-endian header, u32 length + full SHA-256 per chunk), so the reader's
// compatibility is tested against the format, not against a writer that no longer ships.
import { chunkBuffer, DEFAULT_CHUNK_PARAMS, type ChunkParams } from '../../src/formats/fastcdc.js';
import { createHash } from 'node:crypto';

/** The version 1 index of `data`: plain FastCDC chunks, each with its whole SHA-256. */
export function blockIndexV1(data: Uint8Array, params: ChunkParams = DEFAULT_CHUNK_PARAMS): Buffer {
  const spans = chunkBuffer(data, params);
  const head = Buffer.alloc(32);
  head.write('RCUBIDX1', 0, 'ascii');
  head.writeUInt32BE(params.min, 8);
  head.writeUInt32BE(params.avg, 12);
  head.writeUInt32BE(params.max, 16);
  head.writeBigUInt64BE(BigInt(data.length), 20);
  head.writeUInt32BE(spans.length, 28);
  const entries = spans.map(({ offset, length }) => {
    const entry = Buffer.alloc(36);
    entry.writeUInt32BE(length, 0);
    createHash('sha256').update(data.subarray(offset, offset + length)).digest().copy(entry, 4);
    return entry;
  });
  return Buffer.concat([head, ...entries]);
}
