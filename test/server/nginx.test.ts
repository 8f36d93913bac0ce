import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxAvailable, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { rawRequest } from './raw-http.js';

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
      const body = Buffer.alloc(3000, 1);
      await fs.writeFile(path.join(base, 'root', 'slow.zip'), body);
      const started = Date.now();
      const res = await fetch(new URL('slow.zip', slow.url));
      expect((await res.arrayBuffer()).byteLength).toBe(3000);
      expect(Date.now() - started).toBeGreaterThan(1000);
    } finally {
      await slow.stop();
    }
  });
});
