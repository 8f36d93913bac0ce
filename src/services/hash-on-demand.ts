// A HashPool that costs nothing until it is needed: a small file is hashed on the calling thread
// (reading it once is cheaper than handing it to a thread), and the worker threads start with the
// first large file. A launch that verifies a few small jars never starts a thread; a station of
// hundreds of MiB still hashes on every core.
//
// A small file is read with synchronous calls: open, fstat, read and close of a file up to 1 MiB
// take microseconds from the page cache, while four promise round trips through libuv's thread
// pool cost far more than the work (a 50 000-file station verified in a fraction of the time).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createHashPool, type FileDigest, type HashPool } from './hash-pool.js';

/** Files up to this size are hashed on the calling thread. */
export const INLINE_HASH_MAX_BYTES = 1024 * 1024;

/** A pool that hashes small files inline and starts `startPool()` (default: one thread per core) on the first large one. */
export function createOnDemandHashPool(startPool: () => HashPool = () => createHashPool()): HashPool {
  let pool: HashPool | undefined;
  return {
    async hashFile(file: string): Promise<FileDigest> {
      const small = hashIfSmall(file);
      if (small !== undefined) return small;
      pool ??= startPool();
      return pool.hashFile(file);
    },
    async close() {
      await pool?.close();
    },
  };
}

/** The digest of a file of at most INLINE_HASH_MAX_BYTES, read whole; undefined for a larger file. */
function hashIfSmall(file: string): FileDigest | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const { size } = fstatSync(fd);
    if (size > INLINE_HASH_MAX_BYTES) return undefined;
    // One read asking for more than the limit: a regular file answers short only at its end, so a
    // file that grew since the stat is still read to its end (and refused when now too large).
    const length = readSync(fd, block, 0, block.length, 0);
    if (length > INLINE_HASH_MAX_BYTES) return undefined;
    const hash = createHash('sha256').update(block.subarray(0, length));
    return { hash: hash.digest('hex').toUpperCase(), size: length };
  } catch (error) {
    // The pool's workers reject the same way: the file named, the fs code kept.
    const { code, message } = error as NodeJS.ErrnoException;
    throw Object.assign(new Error(`${file}: ${message}`), { code });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// One read buffer for every small file: a file is hashed from start to end before the next begins.
const block = Buffer.allocUnsafe(INLINE_HASH_MAX_BYTES + 1);
