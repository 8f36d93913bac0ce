// The on-demand hash pool: small files hashed inline, the threads started only for a large one,
// digests identical to sha256sum's either way, and errors that keep the fs code verify relies on.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnDemandHashPool, INLINE_HASH_MAX_BYTES } from '../../src/services/hash-on-demand.js';
import { createHashPool, type HashPool } from '../../src/services/hash-pool.js';

function sha256sum(file: string): string {
  return (execFileSync('sha256sum', ['--binary', file], { encoding: 'utf8' }).split(' ')[0] ?? '').toUpperCase();
}

describe('createOnDemandHashPool', () => {
  let dir = '';
  const sizes: Record<string, number> = {
    'empty.jar': 0,
    'small.jar': 64 * 1024,
    'at-the-limit.jar': INLINE_HASH_MAX_BYTES,
    'over-the-limit.jar': INLINE_HASH_MAX_BYTES + 1,
    'large.jar': 5 * INLINE_HASH_MAX_BYTES + 7,
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hash-on-demand-'));
    for (const [name, size] of Object.entries(sizes)) writeFileSync(path.join(dir, name), randomBytes(size));
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  /** A pool whose start is counted. */
  function counted(): { pool: HashPool; starts: () => number } {
    let starts = 0;
    const pool = createOnDemandHashPool(() => {
      starts += 1;
      return createHashPool(2);
    });
    return { pool, starts: () => starts };
  }

  it('hashes files up to the limit without starting a thread, as sha256sum does', async () => {
    const { pool, starts } = counted();
    try {
      for (const name of ['empty.jar', 'small.jar', 'at-the-limit.jar']) {
        const file = path.join(dir, name);
        await expect(pool.hashFile(file)).resolves.toEqual({ hash: sha256sum(file), size: sizes[name] });
      }
      expect(starts()).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('starts the threads once, with the first larger file, and hashes it as sha256sum does', async () => {
    const { pool, starts } = counted();
    try {
      const large = ['over-the-limit.jar', 'large.jar', 'small.jar'].map((name) => path.join(dir, name));
      const digests = await Promise.all(large.map((file) => pool.hashFile(file)));
      expect(digests.map((d) => d.hash)).toEqual(large.map(sha256sum));
      expect(digests.map((d) => d.size)).toEqual([sizes['over-the-limit.jar'], sizes['large.jar'], sizes['small.jar']]);
      expect(starts()).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('rejects a missing file with its fs code and path, and closes without ever starting', async () => {
    const { pool, starts } = counted();
    const missing = path.join(dir, 'missing.jar');
    await expect(pool.hashFile(missing)).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining(missing) as unknown });
    await pool.close();
    expect(starts()).toBe(0);
  });
});
