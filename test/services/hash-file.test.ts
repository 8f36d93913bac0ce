import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Bytes, sha256File } from '../../src/services/hash-file.js';

/** The reference: coreutils' sha256sum, uppercased as the manifest writes hashes. */
function sha256sum(file: string): string {
  return (execFileSync('sha256sum', ['--binary', file], { encoding: 'utf8' }).split(' ')[0] ?? '').toUpperCase();
}

describe('sha256File and sha256Bytes', () => {
  let dir = '';
  const contents: Record<string, Buffer> = {
    'empty.bin': Buffer.alloc(0),
    'one-byte.bin': Buffer.from([0]),
    'text with spaces é.txt': Buffer.from('Manifest-Version: 1.2.0.2\r\n\r\n'),
    'exactly-1MiB.bin': randomBytes(1024 * 1024),
    '1MiB-plus-one.bin': randomBytes(1024 * 1024 + 1),
    'multi-MB.bin': randomBytes(7 * 1024 * 1024 + 12345),
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hash-file-'));
    for (const [name, data] of Object.entries(contents)) writeFileSync(path.join(dir, name), data);
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(contents))('hashes %s as sha256sum does, in uppercase', async (name) => {
    const file = path.join(dir, name);
    const expected = sha256sum(file);
    expect(expected).toMatch(/^[0-9A-F]{64}$/);
    await expect(sha256File(file)).resolves.toBe(expected);
    expect(sha256Bytes(contents[name] ?? Buffer.alloc(0))).toBe(expected);
  });

  it('knows the hash of nothing', () => {
    expect(sha256Bytes(new Uint8Array())).toBe('E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855');
  });

  it('rejects with the file system error for a missing file', async () => {
    await expect(sha256File(path.join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects for a directory', async () => {
    await expect(sha256File(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
