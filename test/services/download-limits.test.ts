// The limits that keep a download from filling the disk or running forever (issue 17, item 1):
// the manifest's size, max-file-size without one, the free-space reserve, the per-file deadline,
// and a disk that fills up (ENOSPC through /dev/full, a deterministic full disk).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpgradeError } from '../../src/errors.js';
import { downloadFile, type DownloadJob } from '../../src/services/download.js';
import { createHttpClient } from '../../src/services/http-client.js';
import type { RetryPolicy } from '../../src/services/retry-delay.js';
import { appJarJob } from '../helpers/download-job.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const retry: RetryPolicy = { retries: 3, baseDelayMs: 10, maxDelayMs: 50 };
const client = createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 20_000, retry, env: {} });
const fast = { retry, random: () => 0, sleep: () => Promise.resolve() };
const FILE = '/1.2.0/lib/app.jar';

let server: TestServer;
let dir: string;
const body = randomBytes(100 * 1024);

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'download-limits-'));
  server = await startTestServer({ [FILE]: body });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const job = (overrides: Partial<DownloadJob> = {}): DownloadJob => appJarJob(server.url, dir, body, overrides);
const unsized = (): DownloadJob => {
  const { expectedSize: _ignored, ...rest } = job();
  return rest;
};

async function failure(promise: Promise<unknown>): Promise<UpgradeError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UpgradeError);
  return error as UpgradeError;
}

async function stagingFiles(): Promise<string[]> {
  return (await readdir(path.join(dir, 'staging', 'lib')).catch(() => [])).sort();
}

describe('a download never writes more than it may', () => {
  it('a Content-Length 100× the manifest size is refused before the body is read; nothing is kept', async () => {
    server.setKnobs(FILE, { padTo: body.length * 100 });
    const received: number[] = [];
    const error = await failure(downloadFile(client, job(), { ...fast, onProgress: (p) => received.push(p.bytes) }));
    expect(error.code).toBe('HASH_MISMATCH');
    expect(await stagingFiles()).toEqual([]);
    expect(received).toEqual([]); // not one body byte was taken
    expect(server.requestsFor(FILE)).toHaveLength(2); // the one re-download of a corrupt file
  });

  it('without a size in the manifest, an endless body stops at max-file-size: DOWNLOAD_TOO_LARGE (21), part deleted, no retry', async () => {
    server.setKnobs(FILE, { padTo: 8 * 1024 * 1024, chunked: true });
    const received: number[] = [];
    const limits = { maxFileSize: 256 * 1024 };
    const error = await failure(downloadFile(client, unsized(), { ...fast, limits, onProgress: (p) => received.push(p.bytes) }));
    expect(Math.max(...received)).toBeLessThanOrEqual(limits.maxFileSize);
    expect(error.code).toBe('DOWNLOAD_TOO_LARGE');
    expect(error.exitCode).toBe(21);
    expect(await stagingFiles()).toEqual([]);
    expect(server.requestsFor(FILE)).toHaveLength(1);
  });

  it('without a size in the manifest, a Content-Length over max-file-size is refused before reading', async () => {
    server.setKnobs(FILE, { padTo: 8 * 1024 * 1024 });
    const error = await failure(downloadFile(client, unsized(), { ...fast, limits: { maxFileSize: 256 * 1024 } }));
    expect(error.code).toBe('DOWNLOAD_TOO_LARGE');
    expect(error.details).toMatchObject({ size: 8 * 1024 * 1024, limit: 256 * 1024 });
    expect(await stagingFiles()).toEqual([]);
  });

  it('a file within max-file-size downloads as before', async () => {
    const result = await downloadFile(client, unsized(), { ...fast, limits: { maxFileSize: body.length } });
    expect(result.bytesFetched).toBe(body.length);
  });

  it('the free-space reserve refuses a download before anything is written (IO_FAILED, 21)', async () => {
    const error = await failure(downloadFile(client, job(), { ...fast, limits: { freeSpaceReserve: Number.MAX_SAFE_INTEGER } }));
    expect(error.code).toBe('IO_FAILED');
    expect(error.exitCode).toBe(21);
    expect(error.details['reason']).toBe('free-space-reserve');
    expect(server.requests).toHaveLength(0);
    expect(await stagingFiles()).toEqual([]);
  });

  it('a trickle is stopped by the per-file deadline; the bytes so far are kept for the next run', async () => {
    server.setKnobs(FILE, { trickle: { bytes: 1024, everyMs: 50 } });
    const error = await failure(downloadFile(client, job(), { ...fast, limits: { deadlineMs: 400 } }));
    expect(error.code).toBe('DOWNLOAD_FAILED');
    expect(error.details['deadlineMs']).toBe(400);
    const part = await stat(job().partPath);
    expect(part.size).toBeGreaterThan(0);
    expect(part.size).toBeLessThan(body.length);
  });
});

describe.skipIf(!existsSync('/dev/full'))('a full disk (ENOSPC from /dev/full)', () => {
  it('a write that fails with ENOSPC deletes the part and ends IO_FAILED (21) naming the full disk', async () => {
    // The validator written beside the part is the first write of a fresh download: make it hit a full device.
    const metaTemp = `${job().partPath}.meta`;
    await mkdir(path.dirname(metaTemp), { recursive: true });
    await symlink('/dev/full', metaTemp);
    const error = await failure(downloadFile(client, job(), fast));
    expect(error.code).toBe('IO_FAILED');
    expect(error.details['reason']).toBe('ENOSPC');
    expect(error.message).toMatch(/disk is full/);
    expect(await stagingFiles()).toEqual([]); // the part and its validator (the seam itself) are gone
    expect(server.requestsFor(FILE)).toHaveLength(1); // no retry on a full disk
  });
});
