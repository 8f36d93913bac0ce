import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { parseRangeAnswer } from '../../src/services/delta/byte-ranges.js';
import { rawRequest } from './raw-http.js';

const SECRET = 'TOP-SECRET-OUTSIDE-ROOT';

describe('serve: static server', () => {
  let base: string;
  let root: string;
  let server: StaticServer;
  const jar = randomBytes(1000);

  beforeAll(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'serve-test-'));
    root = path.join(base, 'root');
    await fs.mkdir(path.join(root, 'registration-client', '1.2.0', 'lib'), { recursive: true });
    await fs.writeFile(path.join(root, 'registration-client', '1.2.0', 'lib', 'a.jar'), jar);
    await fs.writeFile(path.join(root, 'registration-client', 'maven-metadata.xml'), '<metadata/>');
    await fs.writeFile(path.join(root, 'registration-client', '1.2.0', 'MANIFEST.MF'), 'Manifest-Version: 1.2.0\r\n');
    await fs.writeFile(path.join(root, 'empty.txt'), '');
    await fs.mkdir(path.join(root, 'registration-client', '.1.3.tmp-1'));
    await fs.writeFile(path.join(root, 'registration-client', '.1.3.tmp-1', 'MANIFEST.MF'), SECRET);
    await fs.writeFile(path.join(base, 'secret.txt'), SECRET);
    await fs.symlink(path.join(base, 'secret.txt'), path.join(root, 'leak.txt'));
    await fs.symlink(base, path.join(root, 'leakdir'));
    await fs.symlink('registration-client/1.2.0/lib/a.jar', path.join(root, 'inside.jar'));
    server = await startStaticServer({ root });
  });

  afterAll(async () => {
    await server.close();
    await fs.rm(base, { recursive: true, force: true });
  });

  const jarPath = 'registration-client/1.2.0/lib/a.jar';
  const get = (p: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(new URL(p, server.url), { headers });

  it('answers on an ephemeral port with a http://host:port/ url', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('serves a whole file with validators and content type', async () => {
    const res = await get(jarPath);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(jar);
    expect(res.headers.get('content-type')).toBe('application/java-archive');
    expect(res.headers.get('content-length')).toBe('1000');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+"$/);
    expect(res.headers.get('last-modified')).toMatch(/GMT$/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect((await get('registration-client/maven-metadata.xml')).headers.get('content-type')).toBe('application/xml');
    expect((await get('registration-client/1.2.0/MANIFEST.MF')).headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('answers Range bytes=0-9 with 206 and exactly 10 bytes', async () => {
    const res = await get(jarPath, { Range: 'bytes=0-9' });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 0-9/1000');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(jar.subarray(0, 10));
  });

  it('answers open-ended and suffix ranges', async () => {
    const open = await get(jarPath, { Range: 'bytes=990-' });
    expect(open.status).toBe(206);
    expect(Buffer.from(await open.arrayBuffer())).toEqual(jar.subarray(990));
    const suffix = await get(jarPath, { Range: 'bytes=-5' });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get('content-range')).toBe('bytes 995-999/1000');
    expect(Buffer.from(await suffix.arrayBuffer())).toEqual(jar.subarray(995));
    const clipped = await get(jarPath, { Range: 'bytes=998-5000' });
    expect(clipped.headers.get('content-range')).toBe('bytes 998-999/1000');
  });

  it('answers an unsatisfiable range with 416 and the size', async () => {
    const res = await get(jarPath, { Range: 'bytes=1000-' });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */1000');
    expect((await get('empty.txt', { Range: 'bytes=0-0' })).status).toBe(416);
  });

  it('answers several ranges as multipart/byteranges, and overlapping ones with the full body', async () => {
    const res = await get(jarPath, { Range: 'bytes=0-1,5-6,990-' });
    expect(res.status).toBe(206);
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    const parts = parseRangeAnswer(res.headers.get('content-type') ?? undefined, undefined, body, 1000);
    expect(parts.map((part) => [part.start, part.bytes.length])).toEqual([[0, 2], [5, 2], [990, 10]]);
    const whole = Buffer.from(await (await get(jarPath)).arrayBuffer());
    for (const part of parts) expect(part.bytes).toEqual(whole.subarray(part.start, part.start + part.bytes.length));
    const overlapping = await get(jarPath, { Range: 'bytes=0-10,5-6' });
    expect(overlapping.status).toBe(200);
    expect((await overlapping.arrayBuffer()).byteLength).toBe(1000);
  });

  it('honours If-Range with the current ETag or date and ignores Range on a mismatch', async () => {
    const head = await get(jarPath);
    const etag = head.headers.get('etag') ?? '';
    const lastModified = head.headers.get('last-modified') ?? '';
    expect((await get(jarPath, { Range: 'bytes=0-9', 'If-Range': etag })).status).toBe(206);
    expect((await get(jarPath, { Range: 'bytes=0-9', 'If-Range': lastModified })).status).toBe(206);
    const stale = await get(jarPath, { Range: 'bytes=0-9', 'If-Range': '"not-the-tag"' });
    expect(stale.status).toBe(200);
    expect(Buffer.from(await stale.arrayBuffer())).toEqual(jar);
    const old = await get(jarPath, { Range: 'bytes=0-9', 'If-Range': 'Thu, 01 Jan 1998 00:00:00 GMT' });
    expect(old.status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const res = await rawRequest(server.port, `/${jarPath}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1000');
    expect(res.headers.etag).toMatch(/^"/);
    expect(res.body.length).toBe(0);
  });

  it('keeps a stable ETag and answers If-None-Match with 304', async () => {
    const first = (await get(jarPath)).headers.get('etag') ?? '';
    const second = (await get(jarPath)).headers.get('etag') ?? '';
    expect(second).toBe(first);
    const res = await get(jarPath, { 'If-None-Match': first });
    expect(res.status).toBe(304);
    expect(res.headers.get('etag')).toBe(first);
    expect((await get(jarPath, { 'If-None-Match': '"other"' })).status).toBe(200);
  });

  it('changes the ETag when a file is rewritten in the same second with the same size', async () => {
    const file = path.join(root, 'hotfix.jar');
    await fs.writeFile(file, Buffer.alloc(64, 1));
    const before = (await get('hotfix.jar')).headers.get('etag');
    const stat = await fs.stat(file);
    // a hotfix publish: new bytes, same size, same mtime second
    const next = `${file}.new`;
    await fs.writeFile(next, Buffer.alloc(64, 2));
    await fs.utimes(next, stat.atime, stat.mtime);
    await fs.rename(next, file);
    const res = await get('hotfix.jar', { 'If-None-Match': before ?? '' });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).not.toBe(before);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.alloc(64, 2));
  });

  it('never lists directories', async () => {
    expect((await get('')).status).toBe(404);
    expect((await get('registration-client/')).status).toBe(404);
    expect((await get('registration-client/1.2.0')).status).toBe(404);
  });

  it.each([
    '/../secret.txt',
    '/registration-client/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/registration-client/%2E%2E/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/registration-client/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/secret.txt%00.jar',
    '/leak.txt',
    '/leakdir/secret.txt',
    '/registration-client/.1.3.tmp-1/MANIFEST.MF',
    'http://127.0.0.1/../secret.txt',
  ])('refuses %s without leaking the file', async (target) => {
    const res = await rawRequest(server.port, target);
    expect([400, 403, 404]).toContain(res.status);
    expect(res.body.toString('latin1')).not.toContain(SECRET);
  });

  it('follows a symlink that stays inside the root', async () => {
    const res = await get('inside.jar');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(jar);
  });

  it('answers other methods with 405', async () => {
    const res = await rawRequest(server.port, `/${jarPath}`, { method: 'POST', headers: { 'Content-Length': '0' } });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('serves a file of 5 MB streamed', async () => {
    const big = randomBytes(5 * 1024 * 1024);
    await fs.writeFile(path.join(root, 'big.zip'), big);
    const res = await get('big.zip', { Range: 'bytes=1048576-' });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-type')).toBe('application/zip');
    // Buffer.equals: vitest's deep toEqual walks 4 MB element by element
    expect(Buffer.from(await res.arrayBuffer()).equals(big.subarray(1048576))).toBe(true);
  });
});
