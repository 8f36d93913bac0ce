// A HashPool that costs nothing until it is needed: a small file is hashed on the calling thread
// (reading it once is cheaper than handing it to a thread), and the worker threads start with the
// first large file. A launch that verifies a few small jars never starts a thread; a station of
// hundreds of MiB still hashes on every core.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createHashPool, type FileDigest, type HashPool } from './hash-pool.js';

/** Files up to this size are hashed on the calling thread. */
export const INLINE_HASH_MAX_BYTES = 1024 * 1024;

/** A pool that hashes small files inline and starts `startPool()` (default: one thread per core) on the first large one. */
export function createOnDemandHashPool(startPool: () => HashPool = () => createHashPool()): HashPool {
  let pool: HashPool | undefined;
  return {
    async hashFile(file: string): Promise<FileDigest> {
      const small = await hashIfSmall(file);
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
async function hashIfSmall(file: string): Promise<FileDigest | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    if (size > INLINE_HASH_MAX_BYTES) return undefined;
    // Read to the end, not `size` bytes: the file may have grown since the stat.
    const bytes = await handle.readFile();
    if (bytes.length > INLINE_HASH_MAX_BYTES) return undefined;
    return { hash: createHash('sha256').update(bytes).digest('hex').toUpperCase(), size: bytes.length };
  } catch (error) {
    // The pool's workers reject the same way: the file named, the fs code kept.
    const { code, message } = error as NodeJS.ErrnoException;
    throw Object.assign(new Error(`${file}: ${message}`), { code });
  } finally {
    await handle?.close();
  }
}
