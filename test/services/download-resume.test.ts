import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadFile, type DownloadJob } from '../../src/services/download.js';
import { createHttpClient } from '../../src/services/http-client.js';
import type { RetryPolicy } from '../../src/services/retry-delay.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { appJarJob, sha } from '../helpers/download-job.js';

const retry: RetryPolicy = { retries: 2, baseDelayMs: 10, maxDelayMs: 50 };
const client = createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 2_000, retry, env: {} });
const fast = { retry, random: () => 0, sleep: () => Promise.resolve() };
const FILE = '/1.2.0/lib/app.jar';

let server: TestServer;
let dir: string;
const body = randomBytes(512 * 1024);
const other = randomBytes(512 * 1024);

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'resume-'));
  server = await startTestServer({ [FILE]: body });
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function job(overrides: Partial<DownloadJob> = {}): DownloadJob {
  return appJarJob(server.url, dir, body, overrides);
}

/** A part and its meta as a killed process would have left them. */
async function leavePart(bytes: Buffer, meta: Record<string, string>): Promise<void> {
  await mkdir(path.dirname(job().partPath), { recursive: true });
  await writeFile(job().partPath, bytes);
  await writeFile(`${job().partPath}.meta`, JSON.stringify({ url: job().url, expectedSha256: sha(body), ...meta }));
}

async function expectInstalled(): Promise<void> {
  expect(sha(await readFile(job().finalPath))).toBe(sha(body));
  expect(existsSync(job().partPath)).toBe(false);
  expect(existsSync(`${job().partPath}.meta`)).toBe(false);
}

describe('downloadFile resumes', () => {
  it('after a dropped connection, fetching only the rest with Range and If-Range', async () => {
    server.setKnobs(FILE, { resetAfterBytes: 200 * 1024 });
    const result = await downloadFile(client, job(), fast);
    const [first, second] = server.requests;
    expect([first?.status, second?.status]).toEqual([200, 206]);
    expect(second?.headers['if-range']).toBe(server.etagOf(FILE));
    const offset = Number(/^bytes=(\d+)-$/.exec(second?.headers.range ?? '')?.[1]);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(200 * 1024);
    expect(result).toMatchObject({ resumed: true, alreadyPresent: false });
    expect(result.bytesFetched).toBeLessThan(body.length * 1.5); // not downloaded twice
    expect(server.bytesSent).toBe(200 * 1024 + (body.length - offset));
    await expectInstalled();
  });

  it('across a process restart, from a part and meta left on disk', async () => {
    await leavePart(body.subarray(0, 123_456), { etag: server.etagOf(FILE) ?? '' });
    const result = await downloadFile(client, job(), fast);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers.range).toBe('bytes=123456-');
    expect(result).toMatchObject({ resumed: true, bytesFetched: body.length - 123_456 });
    await expectInstalled();
  });

  it('after an abort mid-way: the part and meta stay, the next call fetches the rest', async () => {
    server.setKnobs(FILE, { trickle: { bytes: 16 * 1024, everyMs: 5 } });
    const controller = new AbortController();
    const first = await downloadFile(client, job(), {
      ...fast,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytes >= 100 * 1024) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((first as Error).name).toBe('AbortError');
    expect(existsSync(job().partPath)).toBe(true);
    expect(existsSync(`${job().partPath}.meta`)).toBe(true);
    expect(existsSync(job().finalPath)).toBe(false);

    server.resetCounters();
    server.setKnobs(FILE, {});
    const second = await downloadFile(client, job(), fast);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers.range).toMatch(/^bytes=\d+-$/);
    expect(second.resumed).toBe(true);
    expect(second.bytesFetched).toBeLessThan(body.length - 90 * 1024);
    await expectInstalled();
  });

  it('without validators, with a plain Range (the final hash guards it)', async () => {
    server.setKnobs(FILE, { etag: 'none', lastModified: false, resetAfterBytes: 100_000 });
    await downloadFile(client, job(), fast);
    expect(server.requests[1]).toMatchObject({ status: 206 });
    expect(server.requests[1]?.headers['if-range']).toBeUndefined();
    await expectInstalled();
  });

  it.each([
    ['no ETag', 'none'],
    ['a weak ETag', 'weak'],
  ] as const)('with Last-Modified as If-Range when the server sends %s', async (_name, etag) => {
    server.setKnobs(FILE, { etag, resetAfterBytes: 100_000 });
    await downloadFile(client, job(), fast);
    expect(server.requests[1]?.headers['if-range']).toMatch(/GMT$/);
    expect(server.requests[1]?.status).toBe(206);
    await expectInstalled();
  });

  it('keeps going while each attempt makes progress, even past `retries` drops', async () => {
    server.setKnobs(FILE, { resetAfterBytes: 64 * 1024, resetTimes: 100 });
    const result = await downloadFile(client, job(), fast);
    // More drops than `retries` allows, yet it finishes: each attempt grew the part.
    expect(server.requests.length).toBeGreaterThan(retry.retries + 1);
    expect(result.bytesFetched).toBeLessThan(body.length * 1.5);
    await expectInstalled();
  });
});

describe('downloadFile starts over', () => {
  it('when the server answers 200 instead of 206', async () => {
    server.setKnobs(FILE, { ignoreRange: true, resetAfterBytes: 200 * 1024 });
    const result = await downloadFile(client, job(), fast);
    expect(server.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(server.requests[1]?.headers.range).toBeDefined();
    expect(result.resumed).toBe(false);
    expect(result.bytesFetched).toBeGreaterThan(body.length);
    expect(result.bytesFetched).toBeLessThanOrEqual(200 * 1024 + body.length);
    await expectInstalled();
  });

  it('but gives up when the server drops every full answer at the same point (no progress)', async () => {
    server.setKnobs(FILE, { ignoreRange: true, resetAfterBytes: 100 * 1024, resetTimes: 100 });
    const error = await downloadFile(client, job(), fast).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { file: 'app.jar' } });
    expect(server.requests).toHaveLength(retry.retries + 1); // the part never grows past the first drop
  });

  it('when the ETag changed between the part and the resume (If-Range → 200)', async () => {
    server.setFile(FILE, other); // a stale copy first …
    server.setKnobs(FILE, { resetAfterBytes: 200 * 1024 });
    const staleEtag = server.etagOf(FILE);
    const result = await downloadFile(client, job(), {
      ...fast,
      sleep: () => (server.setFile(FILE, body), Promise.resolve()), // … then the right one
    });
    expect(server.requests[1]?.headers['if-range']).toBe(staleEtag);
    expect(server.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(result.bytesFetched).toBeGreaterThan(body.length);
    expect(result.bytesFetched).toBeLessThanOrEqual(200 * 1024 + body.length);
    await expectInstalled();
  });

  it('when a server ignores If-Range and sends a range of a changed file', async () => {
    await leavePart(other.subarray(0, 100_000), { etag: '"an-older-etag"' });
    server.setKnobs(FILE, { ignoreIfRange: true });
    await downloadFile(client, job(), fast);
    expect(server.requests.map((r) => [r.status, r.headers.range])).toEqual([
      [206, 'bytes=100000-'],
      [200, undefined],
    ]);
    await expectInstalled();
  });

  it.each([
    ['another URL', { url: 'http://elsewhere.invalid/app.jar' }],
    ['another expected hash', { expectedSha256: sha(other) }],
  ])('when the meta is for %s', async (_name, meta) => {
    await leavePart(other.subarray(0, 100_000), { etag: server.etagOf(FILE) ?? '', ...meta });
    await downloadFile(client, job(), fast);
    expect(server.requests.map((r) => r.headers.range)).toEqual([undefined]);
    await expectInstalled();
  });

  it('when a part has no meta, or a torn one', async () => {
    await leavePart(other.subarray(0, 100_000), {});
    await writeFile(`${job().partPath}.meta`, '{"url": "http://');
    await downloadFile(client, job(), fast);
    expect(server.requests.map((r) => r.headers.range)).toEqual([undefined]);
    await expectInstalled();
  });
});

describe('downloadFile with a part that is already whole', () => {
  it('commits a complete part without a request when expectedSize is known', async () => {
    await leavePart(body, { etag: server.etagOf(FILE) ?? '' });
    const result = await downloadFile(client, job(), fast);
    expect(server.requests).toHaveLength(0);
    expect(result).toMatchObject({ bytesFetched: 0, alreadyPresent: false });
    await expectInstalled();
  });

  it('treats 416 as "nothing more": a complete part is verified and committed', async () => {
    await leavePart(body, { etag: server.etagOf(FILE) ?? '' });
    const result = await downloadFile(client, job({ expectedSize: undefined }), fast);
    expect(server.requests.map((r) => [r.status, r.headers.range])).toEqual([[416, `bytes=${body.length}-`]]);
    expect(result.bytesFetched).toBe(0);
    await expectInstalled();
  });

  it('treats 416 on a stale, longer part as "start over"', async () => {
    await leavePart(Buffer.concat([other, Buffer.alloc(10)]), { etag: server.etagOf(FILE) ?? '' });
    await downloadFile(client, job({ expectedSize: undefined }), fast);
    expect(server.requests.map((r) => r.status)).toEqual([416, 200]);
    await expectInstalled();
  });

  it('discards a part longer than expectedSize without asking the server for a range', async () => {
    await leavePart(Buffer.concat([body, Buffer.alloc(10)]), { etag: server.etagOf(FILE) ?? '' });
    await downloadFile(client, job(), fast);
    expect(server.requests.map((r) => [r.status, r.headers.range])).toEqual([[200, undefined]]);
    await expectInstalled();
  });
});
