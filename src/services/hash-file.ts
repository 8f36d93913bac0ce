// SHA-256 of files and bytes, as the manifest writes it (uppercase hex).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

// Large reads keep hashing a multi-GB database or jar fast without holding it in memory.
const CHUNK_BYTES = 1024 * 1024;

/** SHA-256 of a file in uppercase hex, read as a stream in 1 MiB chunks; rejects with the fs error. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex').toUpperCase();
}

/** SHA-256 of bytes in uppercase hex. */
export function sha256Bytes(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').toUpperCase();
}
