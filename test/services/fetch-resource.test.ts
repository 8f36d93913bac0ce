import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NetworkError } from '../../src/errors.js';
import { fetchBytes } from '../../src/services/fetch-resource.js';
import { createHttpClient } from '../../src/services/http-client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const metadata = Buffer.from('<metadata><versioning><versions><version>1.2.0.1</version></versions></versioning></metadata>');
const retry = { retries: 2, baseDelayMs: 1, maxDelayMs: 2 };
const client = createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 300, retry, env: {} });

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ '/maven-metadata.xml': metadata, '/big.bin': Buffer.alloc(64 * 1024, 1) });
});
afterAll(() => server.close());
beforeEach(() => {
  server.resetCounters();
  server.setKnobs('*', {});
});

describe('fetchBytes', () => {
  it('returns status, body and ETag', async () => {
    const result = await fetchBytes(client, `${server.url}maven-metadata.xml`);
    expect(result).toEqual({ status: 200, body: metadata, etag: server.etagOf('/maven-metadata.xml') });
  });

  it("retries a 500 with the client's own policy, then succeeds", async () => {
    server.setKnobs('*', { failFirst: 2 });
    const result = await fetchBytes(client, `${server.url}maven-metadata.xml`);
    expect(result.body.equals(metadata)).toBe(true);
    expect(server.requests.map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('gives up after the retries with the last status', async () => {
    server.setKnobs('*', { status: 502 });
    const sleeps: number[] = [];
    const error = await fetchBytes(client, `${server.url}maven-metadata.xml`, {
      retry: { retries: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
      random: () => 1,
      sleep: (ms) => (sleeps.push(ms), Promise.resolve()),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { status: 502 } });
    expect(sleeps).toEqual([100, 200, 400, 800]);
    expect(server.requests).toHaveLength(5);
  });

  it.each([404, 403])('does not retry HTTP %i and names the redacted URL', async (status) => {
    server.setKnobs('*', { status });
    const url = `${server.url}maven-metadata.xml`.replace('http://', 'http://admin:hunter2@');
    const error = await fetchBytes(client, url).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { status, url: `${server.url}maven-metadata.xml` } });
    expect(String((error as Error).message)).not.toContain('hunter2');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a stall past the read timeout', async () => {
    server.setKnobs('*', { stallMs: 1_000 });
    const result = await fetchBytes(client, `${server.url}maven-metadata.xml`);
    expect(result.body.equals(metadata)).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('treats a read timeout of 0 as "no limit" (Java semantics)', async () => {
    server.setKnobs('*', { stallMs: 400 });
    const patient = createHttpClient({ connectTimeoutMs: 0, readTimeoutMs: 0, retry: { ...retry, retries: 0 }, env: {} });
    const result = await fetchBytes(patient, `${server.url}maven-metadata.xml`);
    expect(result.body.equals(metadata)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a body above maxBytes, without retrying', async () => {
    const error = await fetchBytes(client, `${server.url}big.bin`, { maxBytes: 1024 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { maxBytes: 1024 } });
    expect(server.requests).toHaveLength(1);
  });

  it('fails with DOWNLOAD_FAILED when nothing listens', async () => {
    const dead = await startTestServer();
    const url = `${dead.url}maven-metadata.xml`;
    await dead.close();
    const error = await fetchBytes(client, url, { sleep: () => Promise.resolve() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { attempts: 3 } });
    expect(String((error as Error).message)).toMatch(/ECONNREFUSED/);
  });

  it('stops when aborted', async () => {
    server.setKnobs('*', { latencyMs: 200 });
    const error = await fetchBytes(client, `${server.url}maven-metadata.xml`, { signal: AbortSignal.timeout(20) }).catch((e: unknown) => e);
    expect((error as Error).name).toMatch(/AbortError|TimeoutError/);
  });
});
