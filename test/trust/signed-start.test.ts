// `start` with signed manifests, end to end: the built CLI, openssl-made keys, a real HTTP server
// that can be made hostile (tampered manifest, stale or missing signature, another key).
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serveRoot } from '../helpers/serve-root.js';
import { hashTree, installStation, runCli, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import {
  blessInManifest,
  makeKeyPair,
  opensslAvailable,
  opensslSign,
  publishSigned,
  releaseFiles,
  releasePath,
  stationSnapshot,
  type KeyPair,
} from './trust-fixtures.js';

let keys: KeyPair;
let otherKeys: KeyPair;
let root: string;
let client: string;
let server: TestServer | undefined;

beforeAll(async () => {
  if (!opensslAvailable) return;
  keys = await makeKeyPair('release');
  otherKeys = await makeKeyPair('attacker');
});

beforeEach(async () => {
  root = await tempDir('rcu-trust-root-');
  client = path.join(await tempDir('rcu-trust-client-'), 'station');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(): Promise<{ url: string; server: TestServer }> {
  server = await serveRoot(root);
  return { url: `${server.url}registration-client/`, server };
}

const start = (url: string, ...extra: string[]) => runCli(['start', '--client-dir', client, '--server-url', url, '--json', '--retries', '0', ...extra]);
const logOf = () => fs.readFile(path.join(client, 'registration.log'), 'utf8');
const MF = '/registration-client/1.0.0/MANIFEST.MF';

/** The manifest a hostile server sends: common-lib.jar's hash swapped for its own jar's. */
const tamper = (manifest: Buffer, evil: Buffer): Buffer => blessInManifest(manifest, 'common-lib.jar', evil);

describe.runIf(opensslAvailable)('start with --public-key', () => {
  it('valid signature: the damaged file is patched and the signature is kept beside the local manifest', async () => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    await installStation(root, '1.0.0', client);
    await fs.writeFile(path.join(client, 'lib', 'common-lib.jar'), 'damaged');
    const { url } = await serve();

    const run = await start(url, '--public-key', keys.publicKey);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.json).toMatchObject({ state: 'ready', patched: ['common-lib.jar'] });
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(releasePath(root, '1.0.0', 'lib')));
    const sig = await fs.readFile(path.join(client, 'MANIFEST.MF.sig'));
    expect(sig.equals(await fs.readFile(releasePath(root, '1.0.0', 'MANIFEST.MF.sig')))).toBe(true);
    expect(await logOf()).toContain('signature of');
    expect(await logOf()).not.toContain('checked by hash only');

    // Offline, the local signature is re-checked: intact → 0.
    const offline = await runCli(['start', '--client-dir', client, '--offline', '--json', '--public-key', keys.publicKey]);
    expect(offline.code, offline.stdout).toBe(0);
  });

  it('a signature made by openssl dgst -sha256 -sign verifies in the client (a signed hotfix replaces the manifest)', async () => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'));
    await installStation(root, '1.0.0', client);
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0', { 'hotfix.jar': 'hotfix' }));
    await fs.writeFile(releasePath(root, '1.0.0', 'MANIFEST.MF.sig'), opensslSign(keys.privateKey, releasePath(root, '1.0.0', 'MANIFEST.MF')));
    const { url } = await serve();

    const run = await start(url, '--public-key', keys.publicKey);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.json).toMatchObject({ patched: ['hotfix.jar'] });
    expect((await fs.readFile(path.join(client, 'MANIFEST.MF'))).equals(await fs.readFile(releasePath(root, '1.0.0', 'MANIFEST.MF')))).toBe(true);
    expect((await fs.readFile(path.join(client, 'MANIFEST.MF.sig'))).equals(await fs.readFile(releasePath(root, '1.0.0', 'MANIFEST.MF.sig')))).toBe(true);
  });

  it('tampered manifest with the stale signature: exit 65, nothing downloaded, the station unchanged, the reason logged', async () => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    await installStation(root, '1.0.0', client);
    await fs.writeFile(path.join(client, 'lib', 'common-lib.jar'), 'damaged');
    const before = await stationSnapshot(client);
    const { url, server: hostile } = await serve();
    const evil = Buffer.from('evil code');
    hostile.setFile(MF, tamper(await fs.readFile(releasePath(root, '1.0.0', 'MANIFEST.MF')), evil));
    hostile.setFile('/registration-client/1.0.0/lib/common-lib.jar', evil);

    const run = await start(url, '--public-key', keys.publicKey);
    expect(run.code, run.stdout + run.stderr).toBe(65);
    expect(run.json).toMatchObject({ state: 'failed', error: { code: 'SIGNATURE_INVALID' } });
    expect(await stationSnapshot(client)).toEqual(before);
    expect(hostile.requestsFor('/registration-client/1.0.0/lib/common-lib.jar')).toHaveLength(0);
    expect(await logOf()).toMatch(/SIGNATURE_INVALID|signature .* does not match/);
  });

  it.each([
    ['missing (404)', 'missing'],
    ['made with another key', 'other'],
    ['garbage', 'garbage'],
  ] as const)('signature %s while a key is configured: exit 65, nothing touched', async (_what, kind) => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), kind === 'other' ? otherKeys.privateKey : keys.privateKey);
    await installStation(root, '1.0.0', client);
    await fs.rm(path.join(client, 'lib', 'common-lib.jar'));
    const before = await stationSnapshot(client);
    const { url, server: hostile } = await serve();
    if (kind === 'missing') hostile.removeFile(`${MF}.sig`);
    if (kind === 'garbage') hostile.setFile(`${MF}.sig`, Buffer.from('not a signature'));

    const run = await start(url, '--public-key', keys.publicKey);
    expect(run.code, run.stdout + run.stderr).toBe(65);
    expect(run.json).toMatchObject({ error: { code: 'SIGNATURE_INVALID' } });
    expect(await stationSnapshot(client)).toEqual(before);
    expect(await logOf()).toContain(kind === 'missing' ? 'MANIFEST.MF.sig is missing' : 'does not match');
  });

  it('without a key: hashes only, as MOSIP 1.2 — said once in the log, and a tampered manifest is obeyed', async () => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    await installStation(root, '1.0.0', client);
    await fs.rm(path.join(client, 'lib', 'common-lib.jar'));
    const { url, server: hostile } = await serve();
    const evil = Buffer.from('evil code');
    hostile.setFile(MF, tamper(await fs.readFile(releasePath(root, '1.0.0', 'MANIFEST.MF')), evil));
    hostile.setFile('/registration-client/1.0.0/lib/common-lib.jar', evil);

    const run = await start(url);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // The threat model's point: without a key the server decides what runs on the station.
    expect((await fs.readFile(path.join(client, 'lib', 'common-lib.jar'))).equals(evil)).toBe(true);
    expect((await logOf()).match(/checked by hash only/g)).toHaveLength(1);
  });

  it('offline with a key: a missing or tampered local signature → 65, nothing touched', async () => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    await installStation(root, '1.0.0', client);
    const offline = () => runCli(['start', '--client-dir', client, '--offline', '--json', '--public-key', keys.publicKey]);

    const unsigned = await offline();
    expect(unsigned.code).toBe(65);
    expect(unsigned.json).toMatchObject({ error: { code: 'SIGNATURE_INVALID' } });

    await fs.copyFile(releasePath(root, '1.0.0', 'MANIFEST.MF.sig'), path.join(client, 'MANIFEST.MF.sig'));
    expect((await offline()).code).toBe(0);

    // A local user edits the manifest to bless a file of their own.
    await fs.writeFile(path.join(client, 'lib', 'common-lib.jar'), 'local change');
    await fs.writeFile(path.join(client, 'MANIFEST.MF'), tamper(await fs.readFile(path.join(client, 'MANIFEST.MF')), Buffer.from('local change')));
    const before = await stationSnapshot(client);
    const tampered = await offline();
    expect(tampered.code).toBe(65);
    expect(await stationSnapshot(client)).toEqual(before);
  });

  it('the key may come from mosip.reg.upgrade.public-key, relative to the client folder', async () => {
    const properties = 'mosip.reg.upgrade.public-key=keys/provider.pem\n';
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0', { 'mosip-application.properties': properties }), otherKeys.privateKey);
    await installStation(root, '1.0.0', client);
    await fs.mkdir(path.join(client, 'keys'));
    await fs.copyFile(keys.publicKey, path.join(client, 'keys', 'provider.pem'));
    const { url } = await serve();
    const run = await start(url);
    expect(run.code, run.stdout).toBe(65);
    expect(String((run.json?.error as { message: string }).message)).toContain(path.join(client, 'keys', 'provider.pem'));
  });

  it('refuses a private key, a non-PEM file or a missing file as the public key: exit 64 before anything', async () => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    await installStation(root, '1.0.0', client);
    const junk = path.join(client, 'junk.pem');
    await fs.writeFile(junk, 'not a key');
    for (const key of [keys.privateKey, junk, path.join(client, 'missing.pem')]) {
      const run = await start('http://127.0.0.1:9/registration-client/', '--public-key', key);
      expect(run.code, key).toBe(64);
      expect(run.json).toMatchObject({ error: { code: 'CONFIG_INVALID', details: { key: 'mosip.reg.upgrade.public-key' } } });
    }
    expect(existsSync(path.join(client, '.upgrade'))).toBe(false);
  });
});
