import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { downloadFile, type DownloadJob } from '../../src/services/download.js';
import { createHttpClient, proxyForUrl, type HttpOptions } from '../../src/services/http-client.js';
import { startForwardProxy, startTestServer, type TestProxy, type TestServer } from '../helpers/test-server.js';

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex').toUpperCase();
const base: HttpOptions = { connectTimeoutMs: 2_000, readTimeoutMs: 2_000, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } };
const fast = { retry: base.retry, random: () => 0, sleep: () => Promise.resolve() };
const body = randomBytes(64 * 1024);

describe('proxyForUrl', () => {
  const http = new URL('http://updates.example.org:8080/registration-client/');
  const https = new URL('https://updates.example.org/registration-client/');
  it.each([
    ['no proxy variables', http, {}, undefined],
    ['HTTP_PROXY for http', http, { HTTP_PROXY: 'http://proxy:3128' }, 'http://proxy:3128/'],
    ['http_proxy wins over HTTP_PROXY', http, { http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:2' }, 'http://lower:1/'],
    ['HTTP_PROXY is not used for https', https, { HTTP_PROXY: 'http://proxy:3128' }, undefined],
    ['HTTPS_PROXY for https', https, { HTTPS_PROXY: 'http://proxy:3128' }, 'http://proxy:3128/'],
    ['a proxy without scheme', http, { http_proxy: 'proxy:3128' }, 'http://proxy:3128/'],
    ['an empty variable', http, { http_proxy: '', HTTP_PROXY: 'http://upper:2' }, 'http://upper:2/'],
    ['NO_PROXY=*', http, { HTTP_PROXY: 'http://p:1', NO_PROXY: '*' }, undefined],
    ['NO_PROXY exact host', http, { HTTP_PROXY: 'http://p:1', NO_PROXY: 'updates.example.org' }, undefined],
    ['NO_PROXY domain suffix', http, { HTTP_PROXY: 'http://p:1', no_proxy: 'example.org' }, undefined],
    ['NO_PROXY .domain', http, { HTTP_PROXY: 'http://p:1', NO_PROXY: 'localhost, .example.org' }, undefined],
    ['NO_PROXY *.domain', http, { HTTP_PROXY: 'http://p:1', NO_PROXY: '*.example.org' }, undefined],
    ['NO_PROXY host:port that matches', http, { HTTP_PROXY: 'http://p:1', NO_PROXY: 'updates.example.org:8080' }, undefined],
    ['NO_PROXY host:port for another port', http, { HTTP_PROXY: 'http://p:1', NO_PROXY: 'updates.example.org:9090' }, 'http://p:1/'],
    ['NO_PROXY that only shares a suffix', http, { HTTP_PROXY: 'http://p:1', NO_PROXY: 'ample.org' }, 'http://p:1/'],
    ['NO_PROXY [IPv6]', new URL('http://[::1]:80/'), { HTTP_PROXY: 'http://p:1', NO_PROXY: '[::1]' }, undefined],
    ['NO_PROXY bare IPv6', new URL('http://[::1]:80/'), { HTTP_PROXY: 'http://p:1', NO_PROXY: '::1' }, undefined],
    ['NO_PROXY [IPv6]:port', new URL('http://[::1]:8080/'), { HTTP_PROXY: 'http://p:1', NO_PROXY: '[::1]:8080' }, undefined],
  ])('%s', (_name, target, env, expected) => {
    expect(proxyForUrl(target, env)?.href).toBe(expected);
  });

  it('refuses a proxy setting that is not a URL, at client creation', () => {
    expect(() => createHttpClient({ ...base, env: { HTTPS_PROXY: 'ftp://proxy:21' } })).toThrow(ConfigError);
    expect(() => createHttpClient({ ...base, env: { http_proxy: 'http://[bad' } })).toThrow(/HTTP_PROXY/);
  });

  it('refuses an unreadable CA file with CONFIG_INVALID', () => {
    expect(() => createHttpClient({ ...base, caFile: '/nonexistent/ca.pem' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('downloads through a proxy', () => {
  let server: TestServer;
  let proxy: TestProxy;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'proxy-'));
    server = await startTestServer({ '/a.jar': body });
    proxy = await startForwardProxy();
  });
  afterAll(async () => {
    await Promise.all([server.close(), proxy.close()]);
    await rm(dir, { recursive: true, force: true });
  });
  const job = (name: string): DownloadJob => ({
    url: `${server.url}a.jar`,
    partPath: path.join(dir, `${name}.part`),
    finalPath: path.join(dir, name),
    expectedSha256: sha(body),
    label: name,
  });

  it('sends http requests to HTTP_PROXY in absolute-URI form', async () => {
    const client = createHttpClient({ ...base, env: { HTTP_PROXY: proxy.url } });
    await downloadFile(client, job('via-proxy'), fast);
    expect(proxy.seen).toEqual([`${server.url}a.jar`]);
    expect(server.requests[0]?.headers.host).toBe(new URL(server.url).host);
    expect(sha(await readFile(path.join(dir, 'via-proxy')))).toBe(sha(body));
  });

  it('resumes through the proxy too (Range and If-Range pass through)', async () => {
    server.setKnobs('/a.jar', { resetAfterBytes: 20_000 });
    const before = proxy.seen.length;
    const client = createHttpClient({ ...base, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 }, env: { http_proxy: proxy.url } });
    const result = await downloadFile(client, job('resumed'), { ...fast, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    expect(proxy.seen.length - before).toBe(2);
    expect(result.resumed).toBe(true);
    server.setKnobs('/a.jar', {});
  });

  it('goes direct for hosts in NO_PROXY', async () => {
    const before = proxy.seen.length;
    const client = createHttpClient({ ...base, env: { HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' } });
    await downloadFile(client, job('direct'), fast);
    expect(proxy.seen.length).toBe(before);
  });
});

let openssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  openssl = false;
}

describe.runIf(openssl)('https with a private CA', () => {
  let server: TestServer;
  let proxy: TestProxy;
  let dir: string;
  let caFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tls-'));
    caFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    server = await startTestServer({ '/a.jar': body }, {}, { tls: { key: await readFile(keyFile), cert: await readFile(caFile) } });
    proxy = await startForwardProxy();
  });
  afterAll(async () => {
    await Promise.all([server.close(), proxy.close()]);
    await rm(dir, { recursive: true, force: true });
  });
  const job = (name: string): DownloadJob => ({
    url: `${server.url}a.jar`,
    partPath: path.join(dir, `${name}.part`),
    finalPath: path.join(dir, name),
    expectedSha256: sha(body),
    label: name,
  });

  it('trusts the server with caFile, and not without it (no retry on a certificate error)', async () => {
    await downloadFile(createHttpClient({ ...base, caFile, env: {} }), job('trusted'), fast);
    const untrusted = await downloadFile(createHttpClient({ ...base, retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 1 }, env: {} }), job('untrusted'), {
      ...fast,
      retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 1 },
    }).catch((e: unknown) => e);
    expect(untrusted).toMatchObject({ code: 'DOWNLOAD_FAILED', details: { attempts: 1 } });
  });

  it('tunnels https through HTTPS_PROXY with CONNECT', async () => {
    const client = createHttpClient({ ...base, caFile, env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: 'http://unused.invalid:1' } });
    await downloadFile(client, job('tunnelled'), fast);
    expect(proxy.seen).toEqual([`CONNECT ${new URL(server.url).host}`]);
    expect(sha(await readFile(path.join(dir, 'tunnelled')))).toBe(sha(body));
  });
});
