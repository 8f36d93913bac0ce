// Version upgrades under trust rules, end to end: a signed release is staged and applied with its
// signature; a bad new-version signature leaves the station untouched; no downgrade unless
// allowed; a server that starts announcing an older "latest" is reported (freeze/rollback).
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { serveRoot } from '../helpers/serve-root.js';
import { hashTree, installStation, runCli, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { blessInManifest, makeKeyPair, opensslAvailable, publishSigned, releaseFiles, releasePath, stationSnapshot, type KeyPair } from './trust-fixtures.js';

let keys: KeyPair;
let root: string;
let client: string;
let closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if (opensslAvailable) keys = await makeKeyPair();
});

beforeEach(async () => {
  root = await tempDir('rcu-trust-up-root-');
  client = path.join(await tempDir('rcu-trust-up-client-'), 'station');
});

afterEach(async () => {
  for (const close of closers) await close();
  closers = [];
});

async function staticServer(): Promise<string> {
  const server: StaticServer = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
  closers.push(() => server.close());
  return `${server.url}registration-client/`;
}

async function hostileServer(): Promise<{ url: string; server: TestServer }> {
  const server = await serveRoot(root);
  closers.push(() => server.close());
  return { url: `${server.url}registration-client/`, server };
}

const run = (command: string, url: string, ...extra: string[]) =>
  runCli([command, '--client-dir', client, '--server-url', url, '--json', '--retries', '0', ...extra]);
const logOf = () => fs.readFile(path.join(client, 'registration.log'), 'utf8');

/** Installs 1.0.0 with its signature, as a signed installation would be. */
async function installSigned(version: string): Promise<void> {
  await installStation(root, version, client);
  await fs.copyFile(releasePath(root, version, 'MANIFEST.MF.sig'), path.join(client, 'MANIFEST.MF.sig'));
}

describe.runIf(opensslAvailable)('upgrading to a signed release', () => {
  it('upgrade --yes then start: applied with its signature (offline verification accepts it); rollback restores the old pair', async () => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    await publishSigned(root, '1.1.0', releaseFiles('1.1.0', { 'feature.jar': 'new in 1.1.0' }), keys.privateKey);
    await installSigned('1.0.0');
    const url = await staticServer();
    const key = ['--public-key', keys.publicKey];

    const staged = await run('upgrade', url, '--yes', ...key);
    expect(staged.code, staged.stdout + staged.stderr).toBe(10);
    const stageDir = path.join(client, '.upgrade', 'staging', 'upgrade', '1.1.0');
    expect((await fs.readFile(path.join(stageDir, 'MANIFEST.MF.sig'))).equals(await fs.readFile(releasePath(root, '1.1.0', 'MANIFEST.MF.sig')))).toBe(true);

    const applied = await run('start', url, ...key, '--keep-backups', '1');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.json).toMatchObject({ state: 'done', installedVersion: '1.1.0' });
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(releasePath(root, '1.1.0', 'lib')));
    for (const name of ['MANIFEST.MF', 'MANIFEST.MF.sig']) {
      expect((await fs.readFile(path.join(client, name))).equals(await fs.readFile(releasePath(root, '1.1.0', name))), name).toBe(true);
    }
    const offline = await runCli(['start', '--client-dir', client, '--offline', '--json', ...key]);
    expect(offline.code, offline.stdout).toBe(0);

    // The operator's rollback restores 1.0.0's manifest together with its own signature.
    const rolledBack = await runCli(['rollback', '--client-dir', client, '--yes', '--json', ...key]);
    expect(rolledBack.code, rolledBack.stdout).toBe(0);
    for (const name of ['MANIFEST.MF', 'MANIFEST.MF.sig']) {
      expect((await fs.readFile(path.join(client, name))).equals(await fs.readFile(releasePath(root, '1.0.0', name))), name).toBe(true);
    }
    expect((await runCli(['start', '--client-dir', client, '--offline', '--json', ...key])).code).toBe(0);
  });

  it.each([
    ['a tampered new manifest with its stale signature', 'tampered'],
    ['a missing new-version signature', 'missing'],
  ] as const)('%s: upgrade exits 65 and the installation is untouched', async (_what, kind) => {
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'), keys.privateKey);
    await publishSigned(root, '1.1.0', releaseFiles('1.1.0'), keys.privateKey);
    await installSigned('1.0.0');
    const { url, server } = await hostileServer();
    const newManifest = '/registration-client/1.1.0/MANIFEST.MF';
    if (kind === 'missing') server.removeFile(`${newManifest}.sig`);
    if (kind === 'tampered') {
      const evil = Buffer.from('evil');
      server.setFile(newManifest, blessInManifest(await fs.readFile(releasePath(root, '1.1.0', 'MANIFEST.MF')), 'common-lib.jar', evil));
      server.setFile('/registration-client/1.1.0/lib/common-lib.jar', evil);
    }
    const before = await stationSnapshot(client);

    const refused = await run('upgrade', url, '--yes', '--public-key', keys.publicKey);
    expect(refused.code, refused.stdout + refused.stderr).toBe(65);
    expect(refused.json).toMatchObject({ error: { code: 'SIGNATURE_INVALID' }, installedVersion: '1.0.0' });
    expect(await stationSnapshot(client)).toEqual(before);
    expect(server.requests.filter((r) => r.path.startsWith('/registration-client/1.1.0/lib/'))).toEqual([]);
    expect(existsSync(path.join(client, '.upgrade', 'staging', 'upgrade', '1.1.0', 'MANIFEST.MF'))).toBe(false);
    expect(await fs.readdir(path.join(client, 'BackUp')).catch(() => [])).toEqual([]);
    expect(await logOf()).toContain(kind === 'missing' ? 'MANIFEST.MF.sig is missing' : 'does not match');

    // The next launch starts the installed version as before.
    const next = await run('start', url, '--public-key', keys.publicKey);
    expect(next.code, next.stdout).toBe(0);
    expect(next.json).toMatchObject({ installedVersion: '1.0.0', state: 'upgradeAvailable' });
    expect(await stationSnapshot(client)).toEqual(before);
  });
});

describe('downgrade and freeze protection', () => {
  it('an older announced version is not offered nor staged; --allow-downgrade stages it and start applies it', async () => {
    await publishSigned(root, '1.1.0', releaseFiles('1.1.0'));
    await installStation(root, '1.1.0', client);
    await publishSigned(root, '1.0.0', releaseFiles('1.0.0'));
    const url = await staticServer();
    const before = await stationSnapshot(client);

    const started = await run('start', url);
    expect(started.code).toBe(0);
    expect(started.json).toMatchObject({ state: 'ready', latestVersion: '1.0.0', upgradeAvailable: false });
    expect(String(started.json?.warnings)).toContain('older than the installed 1.1.0: not offered');

    const refused = await run('upgrade', url, '--yes');
    expect(refused.code).toBe(64);
    expect(refused.json).toMatchObject({ error: { code: 'NO_UPGRADE_ANNOUNCED' } });
    expect(await stationSnapshot(client)).toEqual(before);

    const staged = await run('upgrade', url, '--yes', '--allow-downgrade');
    expect(staged.code, staged.stdout).toBe(10);
    const applied = await run('start', url);
    expect(applied.json).toMatchObject({ state: 'done', installedVersion: '1.0.0' });
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(releasePath(root, '1.0.0', 'lib')));
  });

  it('releaseOrder from the version mappings decides before the dotted numbers', async () => {
    await publishSigned(root, '1.1.0', releaseFiles('1.1.0'));
    await installStation(root, '1.1.0', client);
    await publishSigned(root, '1.2.0', releaseFiles('1.2.0'));
    const url = await staticServer();
    const mappings = JSON.stringify({ '1.2.0': { dbVersion: '1.2.0', releaseOrder: 1 }, '1.1.0': { dbVersion: '1.1.0', releaseOrder: 2 } });
    const started = await run('start', url, '--version-mappings', mappings);
    expect(started.json).toMatchObject({ state: 'ready', latestVersion: '1.2.0', upgradeAvailable: false });
    expect((await run('upgrade', url, '--yes', '--version-mappings', mappings)).code).toBe(64);
  });

  it('a server that starts announcing an older latest than before is reported as a possible freeze attack', async () => {
    for (const version of ['1.0.0', '1.2.0']) await publishSigned(root, version, releaseFiles(version));
    await installStation(root, '1.0.0', client);
    const url = await staticServer();
    const first = await run('start', url);
    expect(first.json).toMatchObject({ latestVersion: '1.2.0', upgradeAvailable: true, warnings: [] });

    // Old metadata replayed (here: 1.1.0 published after 1.2.0, so it is announced as latest).
    await publishSigned(root, '1.1.0', releaseFiles('1.1.0'));
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const frozen = await run('start', url);
      expect(frozen.code).toBe(0);
      expect(frozen.json).toMatchObject({ latestVersion: '1.1.0', upgradeAvailable: true });
      expect(String(frozen.json?.warnings)).toContain('older than 1.2.0 it announced before: possible freeze or rollback attack');
    }
    expect((await logOf()).match(/possible freeze or rollback attack/g)).toHaveLength(2);
  });
});
