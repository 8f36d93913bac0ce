import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadAll, type DownloadJob, type DownloadResult } from '../../src/services/download.js';
import { createHttpClient } from '../../src/services/http-client.js';
import type { RetryPolicy } from '../../src/services/retry-delay.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex').toUpperCase();
const retry: RetryPolicy = { retries: 2, baseDelayMs: 10, maxDelayMs: 50 };
const client = createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 2_000, retry, env: {} });
const fast = { retry, random: () => 0, sleep: () => Promise.resolve() };

const files = Array.from({ length: 20 }, (_, i) => [`lib/file-${i}.jar`, randomBytes(8 * 1024 + i * 1000)] as const);
let server: TestServer;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'download-all-'));
  server = await startTestServer(Object.fromEntries(files.map(([name, body]) => [`/1.2.0/${name}`, body])), { '*': { latencyMs: 50 } });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function jobs(): DownloadJob[] {
  return files.map(([name, body]) => ({
    url: `${server.url}1.2.0/${name}`,
    partPath: path.join(dir, 'staging', `${name}.part`),
    finalPath: path.join(dir, 'staging', name),
    expectedSha256: sha(body),
    expectedSize: body.length,
    label: name,
  }));
}

describe('downloadAll', () => {
  it.each([1, 3, 4])('downloads 20 files with at most %i in flight, all verified, results in job order', async (concurrency) => {
    const done: string[] = [];
    const results = await downloadAll(client, jobs(), { ...fast, concurrency, onFileDone: (r) => done.push(r.label) });
    expect(server.maxInFlight).toBeLessThanOrEqual(concurrency);
    if (concurrency > 1) expect(server.maxInFlight).toBeGreaterThan(1);
    expect(results.map((r) => r.label)).toEqual(files.map(([name]) => name));
    expect(done.sort()).toEqual(files.map(([name]) => name).sort());
    for (const [name, body] of files) expect(sha(await readFile(path.join(dir, 'staging', name)))).toBe(sha(body));
    expect(server.requests).toHaveLength(20);
  });

  it('defaults to 4 in flight', async () => {
    await downloadAll(client, jobs(), fast);
    expect(server.maxInFlight).toBeLessThanOrEqual(4);
    expect(server.maxInFlight).toBeGreaterThan(1);
  });

  it('second run finds everything present and fetches nothing', async () => {
    await downloadAll(client, jobs(), { ...fast, concurrency: 4 });
    server.resetCounters();
    const again = await downloadAll(client, jobs(), { ...fast, concurrency: 4 });
    expect(again.every((r: DownloadResult) => r.alreadyPresent)).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('rejects with the first permanent failure and stops the others', async () => {
    server.setKnobs('/1.2.0/lib/file-1.jar', { status: 404 });
    const error = await downloadAll(client, jobs(), { ...fast, concurrency: 2 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { file: 'lib/file-1.jar', status: 404 } });
    expect((error as Error).message).toContain('lib/file-1.jar');
    expect(server.requests.length).toBeLessThan(files.length);
    expect(existsSync(path.join(dir, 'staging', 'lib/file-19.jar'))).toBe(false);
  });

  it('rejects with a HASH_MISMATCH of one file', async () => {
    const broken = jobs();
    broken[5] = { ...broken[5]!, expectedSha256: '0'.repeat(64) };
    const error = await downloadAll(client, broken, { ...fast, concurrency: 4 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HASH_MISMATCH', details: { file: 'lib/file-5.jar' } });
  });

  it('stops when the caller aborts, keeping parts for the next run', async () => {
    const controller = new AbortController();
    const error = await downloadAll(client, jobs(), {
      ...fast,
      concurrency: 2,
      signal: controller.signal,
      onFileDone: () => controller.abort(),
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(server.requests.length).toBeLessThan(files.length);
  });

  it('returns [] for no jobs and refuses a bad pool size or clashing paths', async () => {
    expect(await downloadAll(client, [], fast)).toEqual([]);
    await expect(downloadAll(client, jobs(), { ...fast, concurrency: 0 })).rejects.toThrow(RangeError);
    const [first] = jobs();
    await expect(downloadAll(client, [first!, { ...first!, label: 'again' }], fast)).rejects.toThrow(/share/);
  });
});

describe('downloadAll with concurrency auto', () => {
  const many = Array.from({ length: 64 }, (_, i) => [`lib/many-${i}.jar`, randomBytes(4 * 1024)] as const);
  let slow: TestServer;
  let out: string;
  beforeEach(async () => {
    out = await mkdtemp(path.join(tmpdir(), 'download-auto-'));
    slow = await startTestServer(Object.fromEntries(many.map(([name, body]) => [`/1.2.0/${name}`, body])), { '*': { latencyMs: 80 } });
  });
  afterEach(async () => {
    await slow.close();
    await rm(out, { recursive: true, force: true });
  });
  const manyJobs = (): DownloadJob[] =>
    many.map(([name, body]) => ({
      url: `${slow.url}1.2.0/${name}`,
      partPath: path.join(out, `${name}.part`),
      finalPath: path.join(out, name),
      expectedSha256: sha(body),
      expectedSize: body.length,
      label: name,
    }));

  it('starts at 8 and puts more files in flight on a link that answers slowly', async () => {
    const changes: string[] = [];
    await downloadAll(client, manyJobs(), { ...fast, concurrency: 'auto', onConcurrency: (limit, reason) => changes.push(`${limit} ${reason}`) });
    expect(changes[0]).toBe('16 grew');
    expect(changes).toContain('32 grew');
    expect(slow.maxInFlight).toBeGreaterThan(16);
    expect(slow.maxInFlight).toBeLessThanOrEqual(32);
    for (const [name, body] of many) expect(sha(await readFile(path.join(out, name)))).toBe(sha(body));
  });

  it('halves the files in flight when requests fail, and still gets every file', async () => {
    for (const [name] of many.slice(0, 3)) slow.setKnobs(`/1.2.0/${name}`, { failFirst: 1, failStatus: 503, latencyMs: 80 });
    const changes: string[] = [];
    await downloadAll(client, manyJobs(), { ...fast, concurrency: 'auto', onConcurrency: (limit, reason) => changes.push(`${limit} ${reason}`) });
    expect(changes.slice(0, 2)).toEqual(['4 errors', '2 errors']);
    expect(changes).not.toContain('16 grew');
    expect(slow.maxInFlight).toBeLessThanOrEqual(8);
    for (const [name, body] of many) expect(sha(await readFile(path.join(out, name)))).toBe(sha(body));
  });
});
