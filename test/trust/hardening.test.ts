// Hardening end to end: symlinks never lead a write out of the client folder, credentials in the
// server URL never reach the log or the output, and HTTPS works with a private CA (and a proxy).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { filesUnder } from '../helpers/serve-root.js';
import { hashTree, installStation, runCli, tempDir } from '../helpers/station.js';
import { startForwardProxy, startTestServer, type TestServer } from '../helpers/test-server.js';
import {
  makeKeyPair,
  makeTlsFiles,
  opensslAvailable,
  opensslSignBytes,
  publishSigned,
  rawManifest,
  releaseFiles,
  stationSnapshot,
  type KeyPair,
  type TlsFiles,
} from './trust-fixtures.js';

let keys: KeyPair;
let root: string;
let client: string;
let outside: string;
let closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if (opensslAvailable) keys = await makeKeyPair();
});

beforeEach(async () => {
  root = await tempDir('rcu-hard-root-');
  const base = await tempDir('rcu-hard-');
  client = path.join(base, 'station');
  outside = path.join(base, 'outside');
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, 'precious.txt'), 'not the upgrader\'s');
});

/** The folder outside the client holds exactly what it held before the run. */
async function expectOutsideUntouched(): Promise<void> {
  expect(await fs.readdir(outside)).toEqual(['precious.txt']);
  expect(await fs.readFile(path.join(outside, 'precious.txt'), 'utf8')).toBe("not the upgrader's");
}

afterEach(async () => {
  for (const close of closers) await close();
  closers = [];
});

async function serve(options: { tls?: TlsFiles } = {}): Promise<{ url: string; server: TestServer }> {
  const tls = options.tls === undefined ? {} : { tls: { key: await fs.readFile(options.tls.serverKey), cert: await fs.readFile(options.tls.serverCert) } };
  const server = await startTestServer(await filesUnder(root), {}, tls);
  closers.push(() => server.close());
  return { url: `${server.url}registration-client/`, server };
}

const run = (command: string, url: string, ...extra: string[]) =>
  runCli([command, '--client-dir', client, '--server-url', url, '--json', '--retries', '0', ...extra]);

describe.runIf(opensslAvailable)('symlinks never lead a write out of the client folder', () => {
  it('a symlinked folder inside lib/ and a signed manifest name routed through it: the link is replaced by a real folder, nothing written outside (issue 17)', async () => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0', { 'plugins/plugin.jar': 'plugin' }), keys.privateKey);
    await installStation(root, '1.0.0', client);
    await fs.copyFile(path.join(root, 'registration-client/1.0.0/MANIFEST.MF.sig'), path.join(client, 'MANIFEST.MF.sig'));
    await fs.rm(path.join(client, 'lib', 'plugins'), { recursive: true });
    await fs.symlink(outside, path.join(client, 'lib', 'plugins'));
    const { url } = await serve();

    const repaired = await run('start', url, '--public-key', keys.publicKey);
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(repaired.json).toMatchObject({ patched: ['plugins/plugin.jar'], removed: [] });
    await expectOutsideUntouched();
    expect((await fs.lstat(path.join(client, 'lib', 'plugins'))).isDirectory()).toBe(true);
    expect(await fs.readFile(path.join(client, 'lib', 'plugins', 'plugin.jar'), 'utf8')).toBe('plugin');
  });

  it('a new version whose file goes through a symlinked lib/ folder: staged, but applying it is refused and rolled back', async () => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    await publishSigned(root, '1.1.0', releaseFiles('1.1.0', { 'plugins/plugin.jar': 'plugin' }), keys.privateKey);
    await installStation(root, '1.0.0', client);
    await fs.copyFile(path.join(root, 'registration-client/1.0.0/MANIFEST.MF.sig'), path.join(client, 'MANIFEST.MF.sig'));
    const { url } = await serve();
    const key = ['--public-key', keys.publicKey];
    expect((await run('upgrade', url, '--yes', ...key)).code).toBe(10);
    await fs.symlink(outside, path.join(client, 'lib', 'plugins'));

    const applied = await run('start', url, ...key);
    expect(applied.code, applied.stdout).toBe(65);
    expect(applied.json).toMatchObject({ state: 'failed', installedVersion: '1.0.0', error: { code: 'MANIFEST_NAME_UNSAFE' } });
    await expectOutsideUntouched();
    for (const name of ['MANIFEST.MF', 'MANIFEST.MF.sig']) {
      expect((await fs.readFile(path.join(client, name))).equals(await fs.readFile(path.join(root, 'registration-client/1.0.0', name))), name).toBe(true);
    }
  });

  it.each(['upgrade', 'patch'] as const)('a symlinked folder inside the %s staging area: nothing is written outside', async (area) => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0', { 'plugins/plugin.jar': 'plugin v1' }), keys.privateKey);
    await publishSigned(root, '1.1.0', releaseFiles('1.1.0', { 'plugins/plugin.jar': 'plugin v2' }), keys.privateKey);
    await installStation(root, '1.0.0', client);
    const staging = path.join(client, '.upgrade', 'staging', ...(area === 'upgrade' ? ['upgrade', '1.1.0', 'lib'] : ['patch']));
    await fs.mkdir(staging, { recursive: true });
    await fs.symlink(outside, path.join(staging, 'plugins'));
    await fs.rm(path.join(client, 'lib', 'plugins', 'plugin.jar'));
    const { url } = await serve();

    const result = area === 'upgrade' ? await run('upgrade', url, '--yes', '--public-key', keys.publicKey) : await run('start', url, '--public-key', keys.publicKey);
    // Refused before the lock is taken: every symlink under .upgrade/ is (issue 17).
    expect(result.code, result.stdout).toBe(64);
    expect(result.json).toMatchObject({ error: { code: 'CONFIG_INVALID', details: { path: path.join(staging, 'plugins') } } });
    await expectOutsideUntouched();
  });
});

describe.runIf(opensslAvailable)('unsafe names in a validly signed manifest (a stolen key or a broken build)', () => {
  it.each([
    ['a ../ path', '../../outside/evil.jar'],
    ['a ../ path behind a folder', 'plugins/../../../outside/evil.jar'],
    ['backslashes', 'plugins\\..\\..\\..\\outside\\evil.jar'],
    ['an absolute path', 'ABSOLUTE'],
  ])('%s is refused before any file operation: exit 65, nothing written', async (_what, name) => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    await installStation(root, '1.0.0', client);
    await fs.copyFile(path.join(root, 'registration-client/1.0.0/MANIFEST.MF.sig'), path.join(client, 'MANIFEST.MF.sig'));
    const evilName = name === 'ABSOLUTE' ? path.join(outside, 'evil.jar') : name;
    const evil = Buffer.from('evil');
    const files = Object.entries(releaseFiles('1.0.0')).map(([file, content]) => ({ name: file, content: Buffer.from(content) }));
    const manifest = rawManifest('1.0.0', [...files, { name: evilName, content: evil }]);
    const { url, server } = await serve();
    server.setFile('/registration-client/1.0.0/MANIFEST.MF', manifest);
    server.setFile('/registration-client/1.0.0/MANIFEST.MF.sig', await opensslSignBytes(keys.privateKey, manifest));
    const before = await stationSnapshot(client);

    const refused = await run('start', url, '--public-key', keys.publicKey);
    expect(refused.code, refused.stdout).toBe(65);
    expect(refused.json).toMatchObject({ error: { code: 'MANIFEST_NAME_UNSAFE' } });
    await expectOutsideUntouched();
    expect(await stationSnapshot(client)).toEqual(before);
    expect(server.requests.filter((r) => r.path.includes('evil'))).toEqual([]);
  });
});

describe('credentials in the server URL', () => {
  it('never appear in registration.log, stdout or stderr — on success and on every kind of error', async () => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'));
    await installStation(root, '1.0.0', client);
    await fs.rm(path.join(client, 'lib', 'common-lib.jar'));
    const { server } = await serve();
    const base = `http://user:secret@${server.url.slice('http://'.length)}`;
    const outputs: string[] = [];
    const attempt = async (args: string[], expected: number) => {
      const result = await runCli(['start', '--client-dir', client, '--retries', '0', ...args]);
      expect(result.code, result.stdout + result.stderr).toBe(expected);
      outputs.push(result.stdout, result.stderr);
    };

    await attempt(['--server-url', `${base}registration-client/`, '--json'], 0);
    await attempt(['--server-url', `${base}registration-client/`], 0);
    await attempt(['--server-url', `${base}nowhere/`], 20); // 404 on the manifest
    await attempt(['--server-url', `${base}nowhere/`, '--json'], 20);
    await attempt(['--server-url', 'http://user:secret@127.0.0.1:9/registration-client/', '--json', '--log-level', 'debug'], 0); // offline
    await attempt(['--server-url', 'ftp://user:secret@127.0.0.1/registration-client/'], 64); // invalid setting
    await attempt(['--server-url', 'ftp://user:secret@127.0.0.1/registration-client/', '--json'], 64);
    server.setKnobs('/registration-client/1.0.0/lib/common-lib.jar', { corrupt: true });
    await fs.rm(path.join(client, 'lib', 'common-lib.jar'));
    await attempt(['--server-url', `${base}registration-client/`, '--json'], 65); // hash mismatch

    // The credentials were used (HTTP basic auth) …
    expect(server.requests.some((r) => r.headers.authorization === `Basic ${Buffer.from('user:secret').toString('base64')}`)).toBe(true);
    // … and never shown.
    const log = await fs.readFile(path.join(client, 'registration.log'), 'utf8');
    expect(log).toContain('127.0.0.1');
    const jsonLog = await fs.readFile(path.join(client, '.upgrade', 'registration.jsonl'), 'utf8');
    for (const text of [log, jsonLog, ...outputs]) expect(text).not.toContain('secret');
  });
});

describe.runIf(opensslAvailable)('HTTPS with a private CA', () => {
  it('start works with --ca-file, fails with exit 20 without it, and works through an HTTPS proxy', async () => {
    const tls = await makeTlsFiles();
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    await installStation(root, '1.0.0', client);
    await fs.rm(path.join(client, 'lib', 'common-lib.jar'));
    const { url, server } = await serve({ tls });
    expect(url.startsWith('https://127.0.0.1:')).toBe(true);

    const untrusted = await run('start', url, '--public-key', keys.publicKey);
    expect(untrusted.code, untrusted.stdout).toBe(20);
    expect(untrusted.json).toMatchObject({ error: { code: 'BUILD_STATUS_CHECK_FAILED' } });
    expect(await fs.readdir(path.join(client, 'lib'))).not.toContain('common-lib.jar');

    const trusted = await run('start', url, '--public-key', keys.publicKey, '--ca-file', tls.caCert);
    expect(trusted.code, trusted.stdout).toBe(0);
    expect(trusted.json).toMatchObject({ state: 'ready', patched: ['common-lib.jar'] });
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client/1.0.0/lib')));

    const proxy = await startForwardProxy();
    closers.push(() => proxy.close());
    await fs.rm(path.join(client, 'lib', 'common-lib.jar'));
    server.resetCounters();
    const proxied = await runCli(['start', '--client-dir', client, '--server-url', url, '--json', '--public-key', keys.publicKey, '--ca-file', tls.caCert], {
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: '' },
    });
    expect(proxied.code, proxied.stdout).toBe(0);
    expect(proxied.json).toMatchObject({ patched: ['common-lib.jar'] });
    expect(proxy.seen.some((line) => line.startsWith('CONNECT 127.0.0.1:'))).toBe(true);
  });

  it('the CA file may come from reg.upgrader.ca-file; an unreadable one is a configuration error (64)', async () => {
    const tls = await makeTlsFiles();
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0', { 'mosip-application.properties': 'reg.upgrader.ca-file=certs/ca.pem\n' }));
    await installStation(root, '1.0.0', client);
    const { url } = await serve({ tls });
    const missing = await run('start', url);
    expect(missing.code, missing.stdout).toBe(64);
    expect(missing.json).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
    await fs.mkdir(path.join(client, 'certs'));
    await fs.copyFile(tls.caCert, path.join(client, 'certs', 'ca.pem'));
    const trusted = await run('start', url);
    expect(trusted.code, trusted.stdout).toBe(0);
  });
});
