// deploy/nginx.conf as production runs it: HTTPS on a certificate, serving a release signed by
// publish --sign-key. A station that requires signatures and trusts the CA patches itself through
// it; one that does not trust the CA reaches nothing (20) and changes nothing.
import { promises as fs } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxAvailable, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { hashTree, installStation, runCli, tempDir } from '../helpers/station.js';
import { makeKeyPair, makeTlsFiles, opensslAvailable, publishSigned, releaseFiles, type KeyPair, type TlsFiles } from '../trust/trust-fixtures.js';

describe.runIf(nginxAvailable && opensslAvailable)('deploy/nginx.conf with TLS, as in production', () => {
  let root: string;
  let tls: TlsFiles;
  let keys: KeyPair;
  let nginx: RunningNginx;

  beforeAll(async () => {
    root = await tempDir('rcu-nginx-tls-');
    tls = await makeTlsFiles();
    keys = await makeKeyPair();
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    nginx = await startNginx({ root, tls: { cert: tls.serverCert, key: tls.serverKey } });
  });

  afterAll(async () => {
    await nginx?.stop();
  });

  it('answers HTTPS only, with HSTS and no-cache', async () => {
    expect(nginx.url.startsWith('https://127.0.0.1:')).toBe(true);
    const ca = await fs.readFile(tls.caCert);
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      https.get(new URL('registration-client/1.0.0/MANIFEST.MF', nginx.url), { ca }, (response) => {
        response.resume();
        resolve({ status: response.statusCode, ...response.headers });
      }).on('error', reject);
    });
    expect(headers).toMatchObject({ status: 200, 'strict-transport-security': 'max-age=31536000', 'cache-control': 'no-cache' });
    // Plain HTTP on the TLS port is refused by nginx (400), never served.
    const plain = await fetch(nginx.url.replace('https://', 'http://') + 'registration-client/1.0.0/MANIFEST.MF');
    expect(plain.status).toBe(400);
  });

  it('a station that requires signatures patches itself over HTTPS with the CA file; without it, exit 20 and nothing changes', async () => {
    const client = path.join(await tempDir('rcu-nginx-tls-station-'), 'station');
    await installStation(root, '1.0.0', client);
    await fs.rm(path.join(client, 'lib', 'common-lib.jar'));
    const url = `${nginx.url}registration-client/`;
    const base = ['start', '--client-dir', client, '--server-url', url, '--public-key', keys.publicKey, '--json'];

    const untrusted = await runCli(base);
    expect(untrusted.code, untrusted.stdout).toBe(20);
    expect(await fs.readdir(path.join(client, 'lib'))).not.toContain('common-lib.jar');

    const trusted = await runCli([...base, '--ca-file', tls.caCert]);
    expect(trusted.code, trusted.stdout).toBe(0);
    expect(JSON.parse(trusted.stdout)).toMatchObject({ state: 'ready', patched: ['common-lib.jar'] });
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client', '1.0.0', 'lib')));
  });
});
