import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/formats/manifest.js';
import { parseMavenMetadata } from '../../src/formats/maven-metadata.js';
import { publishRelease } from '../../src/server/publish.js';
import { nginxAvailable, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { rawRequest } from './raw-http.js';
import { sha256sum, TRICKY_NAMES, writeLib } from './release-fixture.js';

const SECRET = 'TOP-SECRET-OUTSIDE-ROOT';

describe.skipIf(!nginxAvailable)('deploy/nginx.conf on a real nginx', () => {
  let base: string;
  let nginx: RunningNginx;

  beforeAll(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'nginx-conf-'));
    const release = path.join(base, 'root', 'registration-client', '1.0.0');
    await fs.mkdir(path.join(release, 'lib'), { recursive: true });
    await fs.writeFile(path.join(release, 'MANIFEST.MF'), 'Manifest-Version: 1.0.0\r\n\r\n');
    await fs.writeFile(path.join(release, 'lib', 'a.jar'), Buffer.alloc(100, 7));
    await fs.writeFile(path.join(base, 'root', 'registration-client', 'maven-metadata.xml'), '<metadata/>');
    await fs.mkdir(path.join(base, 'root', 'registration-client', '.1.1.tmp-9'));
    await fs.writeFile(path.join(base, 'root', 'registration-client', '.1.1.tmp-9', 'MANIFEST.MF'), SECRET);
    await fs.writeFile(path.join(base, 'secret.txt'), SECRET);
    await fs.symlink(path.join(base, 'secret.txt'), path.join(base, 'root', 'leak.txt'));
    nginx = await startNginx({ root: path.join(base, 'root') });
  });

  afterAll(async () => {
    await nginx?.stop();
    await fs.rm(base, { recursive: true, force: true });
  });

  it('serves release files with types, no-cache and byte ranges', async () => {
    const manifest = await fetch(new URL('registration-client/1.0.0/MANIFEST.MF', nginx.url));
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    const metadata = await fetch(new URL('registration-client/maven-metadata.xml', nginx.url));
    expect(metadata.headers.get('content-type')).toBe('application/xml');
    expect(metadata.headers.get('cache-control')).toBe('no-cache');
    const jar = await fetch(new URL('registration-client/1.0.0/lib/a.jar', nginx.url), { headers: { Range: 'bytes=0-9' } });
    expect(jar.status).toBe(206);
    expect(jar.headers.get('content-type')).toBe('application/java-archive');
    expect(jar.headers.get('etag')).toMatch(/^"/);
    expect((await jar.arrayBuffer()).byteLength).toBe(10);
  });

  it('never lists directories, serves dotfiles or follows symlinks', async () => {
    for (const target of ['/registration-client/', '/registration-client/.1.1.tmp-9/MANIFEST.MF', '/leak.txt', '/../secret.txt', '/%2e%2e/secret.txt']) {
      const res = await rawRequest(nginx.port, target);
      expect([400, 403, 404], target).toContain(res.status);
      expect(res.body.toString('latin1')).not.toContain(SECRET);
    }
  });

  it('limits the rate when asked', async () => {
    const slow = await startNginx({ root: path.join(base, 'root'), limitRate: '1k' });
    try {
      const body = Buffer.alloc(2000, 1);
      await fs.writeFile(path.join(base, 'root', 'slow.zip'), body);
      const started = Date.now();
      const res = await fetch(new URL('slow.zip', slow.url));
      expect((await res.arrayBuffer()).byteLength).toBe(2000);
      expect(Date.now() - started).toBeGreaterThan(800);
    } finally {
      await slow.stop();
    }
  });
});

describe.skipIf(!nginxAvailable)('a published release served by nginx', () => {
  let base: string;
  let nginx: RunningNginx;

  beforeAll(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'nginx-release-'));
    await writeLib(path.join(base, 'lib'), TRICKY_NAMES, 'v1');
    await publishRelease({ unchecked: true, version: '1.1.5.5', libDir: path.join(base, 'lib'), outRoot: path.join(base, 'out') });
    await publishRelease({ unchecked: true, version: '1.2.0.1', libDir: path.join(base, 'lib'), outRoot: path.join(base, 'out') });
    nginx = await startNginx({ root: path.join(base, 'out') });
  });

  afterAll(async () => {
    await nginx?.stop();
    await fs.rm(base, { recursive: true, force: true });
  });

  const clientUrl = (): string => new URL('registration-client/', nginx.url).toString();

  it('offers the new version in maven-metadata.xml', async () => {
    const res = await fetch(new URL('maven-metadata.xml', clientUrl()));
    expect(res.status).toBe(200);
    expect(parseMavenMetadata(await res.text()).versions).toEqual(['1.2.0.1', '1.1.5.5']);
  });

  it('serves MANIFEST.MF and every file it lists, byte for byte', async () => {
    const res = await fetch(new URL('1.2.0.1/MANIFEST.MF', clientUrl()));
    expect(res.status).toBe(200);
    const manifest = parseManifest(Buffer.from(await res.arrayBuffer()));
    expect(manifest.entries).toHaveLength(TRICKY_NAMES.length);
    for (const entry of manifest.entries) {
      const url = new URL(`1.2.0.1/lib/${entry.name.split('/').map(encodeURIComponent).join('/')}`, clientUrl());
      const file = await fetch(url);
      expect(file.status, entry.name).toBe(200);
      const bytes = Buffer.from(await file.arrayBuffer());
      const onDisk = path.join(base, 'out', 'registration-client', '1.2.0.1', 'lib', ...entry.name.split('/'));
      expect(bytes.equals(await fs.readFile(onDisk)), entry.name).toBe(true);
      expect(sha256sum(onDisk)).toBe(entry.hash);
    }
  });

  it('answers Range bytes=0-9 on a jar with 206, 10 bytes and an ETag', async () => {
    const url = new URL('1.2.0.1/lib/registration-client-1.2.0.jar', clientUrl());
    const full = Buffer.from(await (await fetch(url)).arrayBuffer());
    const res = await fetch(url, { headers: { Range: 'bytes=0-9' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('etag')).toMatch(/^"/);
    expect(res.headers.get('content-range')).toBe(`bytes 0-9/${full.length}`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(full.subarray(0, 10));
    const again = await fetch(url, { headers: { 'If-None-Match': res.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
  });

  it('gives a file a new ETag when a hotfix rewrites it with the same size at once', async () => {
    const url = new URL('1.2.0.1/lib/registration-client-1.2.0.jar', clientUrl());
    const before = await fetch(url);
    const etag = before.headers.get('etag') ?? '';
    await writeLib(path.join(base, 'lib'), ['registration-client-1.2.0.jar'], 'v2'); // same size
    await publishRelease({ unchecked: true, version: '1.2.0.1', libDir: path.join(base, 'lib'), outRoot: path.join(base, 'out') });
    const after = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    const stale = await fetch(url, { headers: { Range: 'bytes=0-9', 'If-Range': etag } });
    expect(stale.status).toBe(200);
    expect((await stale.text()).startsWith('v2:')).toBe(true);
  });

  it('serves reg-client.zip as application/zip', async () => {
    const res = await fetch(new URL('1.2.0.1/reg-client.zip', clientUrl()), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
  });
});
