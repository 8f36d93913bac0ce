// The hash pool's threads run services/hash-worker.ts by its source text: the same digests as
// sha256sum, failures with the file and its fs code, both from the sources (as tests load them) and
// from the build (as the product runs them).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHashPool } from '../../src/services/hash-pool.js';
import { repoRoot } from '../helpers/station.js';

function sha256sum(file: string): string {
  return (execFileSync('sha256sum', ['--binary', file], { encoding: 'utf8' }).split(' ')[0] ?? '').toUpperCase();
}

describe('createHashPool', () => {
  let dir = '';
  let files: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hash-pool-'));
    files = [0, 1, (1 << 20) - 1, (1 << 20) + 1, 3 * (1 << 20) + 5].map((size, i) => {
      const file = path.join(dir, `f${i}.jar`);
      writeFileSync(file, randomBytes(size));
      return file;
    });
    mkdirSync(path.join(dir, 'a-folder.jar'));
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('hashes on its threads as sha256sum does, blocks of 1 MiB and their edges included', async () => {
    const pool = createHashPool(2);
    try {
      const digests = await Promise.all(files.map((file) => pool.hashFile(file)));
      expect(digests.map((d) => d.hash)).toEqual(files.map(sha256sum));
      expect(digests.map((d) => d.size)).toEqual([0, 1, (1 << 20) - 1, (1 << 20) + 1, 3 * (1 << 20) + 5]);
    } finally {
      await pool.close();
    }
  });

  it('rejects a missing file and a folder with the path and the fs code, and keeps serving', async () => {
    const pool = createHashPool(1);
    try {
      const missing = path.join(dir, 'missing.jar');
      await expect(pool.hashFile(missing)).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining(missing) as unknown });
      await expect(pool.hashFile(path.join(dir, 'a-folder.jar'))).rejects.toMatchObject({ code: 'EISDIR' });
      await expect(pool.hashFile(files[1] ?? '')).resolves.toEqual({ hash: sha256sum(files[1] ?? ''), size: 1 });
    } finally {
      await pool.close();
    }
  });

  it('runs the same worker from the build (npm run build)', () => {
    const built = path.join(repoRoot, 'dist', 'src', 'services', 'hash-pool.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`);
    const file = files[4] ?? '';
    const script = `const { createHashPool } = await import(${JSON.stringify(built)}); const pool = createHashPool(1);
      console.log(JSON.stringify(await pool.hashFile(${JSON.stringify(file)}))); await pool.close();`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ hash: sha256sum(file), size: 3 * (1 << 20) + 5 });
  });
});
