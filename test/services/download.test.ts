import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IntegrityError, NetworkError, UpgradeError } from '../../src/errors.js';
import { downloadFile, type DownloadJob, type DownloadProgress } from '../../src/services/download.js';
import { createHttpClient } from '../../src/services/http-client.js';
import type { RetryPolicy } from '../../src/services/retry-delay.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { appJarJob, sha } from '../helpers/download-job.js';

const retry: RetryPolicy = { retries: 3, baseDelayMs: 10, maxDelayMs: 50 };
const client = createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 300, retry, env: {} });
const fast = { retry, random: () => 0, sleep: () => Promise.resolve() };

let server: TestServer;
let dir: string;
const body = randomBytes(300 * 1024);

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'download-'));
  server = await startTestServer({ '/1.2.0/lib/app.jar': body });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function job(overrides: Partial<DownloadJob> = {}): DownloadJob {
  return appJarJob(server.url, dir, body, overrides);
}

async function stagingFiles(): Promise<string[]> {
  return (await readdir(path.join(dir, 'staging', 'lib')).catch(() => [])).sort();
}

describe('downloadFile', () => {
  it('downloads, verifies and renames into place, leaving no part or meta', async () => {
    const progress: DownloadProgress[] = [];
    const result = await downloadFile(client, job({ expectedSha256: sha(body).toLowerCase() }), {
      ...fast,
      onProgress: (p) => progress.push(p),
    });
    expect(result).toEqual({ label: 'app.jar', finalPath: job().finalPath, bytesFetched: body.length, resumed: false, alreadyPresent: false });
    expect((await readFile(job().finalPath)).equals(body)).toBe(true);
    expect(await stagingFiles()).toEqual(['app.jar']);
    expect(server.requests).toHaveLength(1);
    expect(progress.at(-1)).toEqual({ label: 'app.jar', bytes: body.length, total: body.length });
    expect(progress.map((p) => p.bytes)).toEqual([...progress.map((p) => p.bytes)].sort((a, b) => a - b));
  });

  it('works without expectedSize, validators or Content-Length', async () => {
    server.setKnobs('*', { etag: 'none', lastModified: false, chunked: true });
    const progress: DownloadProgress[] = [];
    await downloadFile(client, job({ expectedSize: undefined }), { ...fast, onProgress: (p) => progress.push(p) });
    expect(sha(await readFile(job().finalPath))).toBe(sha(body));
    expect(progress.at(-1)).toEqual({ label: 'app.jar', bytes: body.length });
  });

  it('is done without a request when finalPath is already right, and is safe to run twice', async () => {
    await downloadFile(client, job(), fast);
    server.resetCounters();
    const again = await downloadFile(client, job(), fast);
    expect(again).toMatchObject({ alreadyPresent: true, bytesFetched: 0 });
    expect(server.requests).toHaveLength(0);
    expect(await stagingFiles()).toEqual(['app.jar']);
  });

  it('replaces a wrong file at finalPath', async () => {
    await downloadFile(client, job(), fast);
    await rm(job().finalPath);
    await import('node:fs/promises').then((fs) => fs.writeFile(job().finalPath, Buffer.alloc(body.length)));
    const result = await downloadFile(client, job(), fast);
    expect(result.alreadyPresent).toBe(false);
    expect(sha(await readFile(job().finalPath))).toBe(sha(body));
  });

  it('retries a 500 and succeeds', async () => {
    server.setKnobs('/1.2.0/lib/app.jar', { failFirst: 2 });
    const delays: number[] = [];
    await downloadFile(client, job(), { ...fast, sleep: (ms) => (delays.push(ms), Promise.resolve()) });
    expect(server.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(delays).toEqual([5, 10]); // equal jitter with random() = 0: half of 10, half of 20
  });

  it('gives up after the retries with DOWNLOAD_FAILED naming the file, URL and status', async () => {
    server.setKnobs('/1.2.0/lib/app.jar', { failFirst: 100, failStatus: 503 });
    const error = await downloadFile(client, job({ url: job().url.replace('http://', 'http://user:secret@') }), fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { file: 'app.jar', status: 503, attempts: retry.retries + 1 } });
    expect((error as NetworkError).message).toContain('app.jar');
    expect((error as NetworkError).message).not.toContain('secret');
    expect(String((error as NetworkError).details['url'])).not.toContain('secret');
    expect(server.requests).toHaveLength(retry.retries + 1);
    expect(existsSync(job().finalPath)).toBe(false);
  });

  it.each([404, 403])('does not retry HTTP %i', async (status) => {
    server.setKnobs('/1.2.0/lib/app.jar', { status });
    const error = await downloadFile(client, job(), fast).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { status, attempts: 1 } });
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a missing file either', async () => {
    const error = await downloadFile(client, job({ url: `${server.url}1.2.0/lib/nope.jar` }), fast).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { status: 404 } });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a connection refused, then fails with DOWNLOAD_FAILED', async () => {
    const url = job().url;
    await server.close();
    const error = await downloadFile(client, job({ url }), fast).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { attempts: retry.retries + 1 } });
    expect(String((error as Error).message)).toMatch(/ECONNREFUSED/);
    server = await startTestServer();
  });

  it('retries a stall longer than the read timeout and resumes', async () => {
    server.setKnobs('/1.2.0/lib/app.jar', { stallMs: 1_500, stallAfterBytes: 100 * 1024 });
    const result = await downloadFile(client, job(), fast);
    expect(server.requests.map((r) => r.status)).toEqual([200, 206]);
    expect(server.requests[1]?.headers.range).toMatch(/^bytes=\d+-$/);
    expect(result.resumed).toBe(true);
    expect(sha(await readFile(job().finalPath))).toBe(sha(body));
  });

  it('finishes a slow but steady trickle (the read timeout is about silence, not speed)', async () => {
    const small = randomBytes(8 * 1024);
    server.setFile('/slow.bin', small);
    server.setKnobs('/slow.bin', { trickle: { bytes: 1024, everyMs: 100 } });
    const result = await downloadFile(client, job({ url: `${server.url}slow.bin`, expectedSha256: sha(small), expectedSize: small.length }), fast);
    expect(result.bytesFetched).toBe(small.length);
    expect(server.requests).toHaveLength(1);
  });

  it('fails with HASH_MISMATCH after one fresh re-download, leaving nothing behind', async () => {
    server.setKnobs('/1.2.0/lib/app.jar', { corrupt: true });
    const error = await downloadFile(client, job(), fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error).toMatchObject({ code: 'HASH_MISMATCH', details: { file: 'app.jar', expected: sha(body) } });
    expect((error as IntegrityError).details['actual']).toMatch(/^[0-9A-F]{64}$/);
    expect(server.requests.map((r) => [r.status, r.headers.range])).toEqual([[200, undefined], [200, undefined]]);
    expect(await stagingFiles()).toEqual([]);
  });

  it('recovers when only the first download was corrupt', async () => {
    server.setKnobs('/1.2.0/lib/app.jar', { corrupt: true });
    await downloadFile(client, job(), {
      ...fast,
      onProgress: (p) => {
        if (p.bytes === body.length) server.setKnobs('/1.2.0/lib/app.jar', {});
      },
    });
    expect(server.requests).toHaveLength(2);
    expect(sha(await readFile(job().finalPath))).toBe(sha(body));
  });

  it('stops reading a body larger than expectedSize', async () => {
    const big = randomBytes(body.length * 4);
    server.setFile('/1.2.0/lib/app.jar', big);
    server.setKnobs('*', { etag: 'none' });
    const error = await downloadFile(client, job(), fast).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HASH_MISMATCH', details: { actualSize: big.length } });
    // Content-Length said so: the body was not read, nothing of it reached the disk.
    expect(server.requests).toHaveLength(2);
    expect(await stagingFiles()).toEqual([]);
  });

  it('stops mid-stream when a body of unannounced length outgrows expectedSize', async () => {
    server.setFile('/1.2.0/lib/app.jar', Buffer.concat([body, randomBytes(body.length)]));
    server.setKnobs('*', { chunked: true });
    const sizes: number[] = [];
    const error = await downloadFile(client, job(), { ...fast, onProgress: (p) => sizes.push(p.bytes) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HASH_MISMATCH' });
    expect((error as IntegrityError).details['actualSize']).toBeGreaterThan(body.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(body.length);
    expect(await stagingFiles()).toEqual([]);
  });

  it('reports a local write failure as IO_FAILED, not a network error', async () => {
    const blocked = path.join(dir, 'file-not-folder');
    await import('node:fs/promises').then((fs) => fs.writeFile(blocked, 'x'));
    const error = await downloadFile(client, job({ partPath: path.join(blocked, 'a.part'), finalPath: path.join(dir, 'a') }), fast).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UpgradeError);
    expect(error).toMatchObject({ code: 'IO_FAILED', details: { file: 'app.jar' } });
    expect(server.requests).toHaveLength(0);
  });
});
