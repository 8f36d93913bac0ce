// rollout.json on the server root: each write a new serial, signed with the manifest's scheme,
// publish starting a new version at --rollout-percent.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRolloutDocument } from '../../src/rollout/rollout-document.js';
import { publishRelease } from '../../src/server/publish.js';
import { readRolloutFile, rolloutPaths, updateRolloutFile } from '../../src/server/rollout-file.js';
import { isValidSignature } from '../../src/services/manifest-signature.js';
import { tempDir, writeTree } from '../helpers/station.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
let root: string;
let libDir: string;

beforeEach(async () => {
  root = await tempDir('rcu-rollout-root-');
  libDir = await tempDir('rcu-rollout-lib-');
  await writeTree(libDir, { 'a.jar': 'a' });
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
  await fs.rm(libDir, { recursive: true, force: true });
});

describe('updateRolloutFile', () => {
  it('writes a new serial each time and signs the exact bytes', async () => {
    const first = await updateRolloutFile(root, () => ({ version: '1.2.0.2', percent: 10, paused: false, channels: {} }), { signKey: privateKey });
    const second = await updateRolloutFile(root, (current) => ({ ...current!.document, percent: 50 }), { signKey: privateKey });
    expect([first?.document.serial, second?.document.serial]).toEqual([1, 2]);
    const paths = rolloutPaths(root);
    const bytes = await fs.readFile(paths.document);
    expect(parseRolloutDocument(bytes, paths.document)).toMatchObject({ version: '1.2.0.2', percent: 50, serial: 2 });
    expect(isValidSignature(bytes, await fs.readFile(paths.signature), publicKey)).toBe(true);
  });

  it('removes a stale signature when writing unsigned', async () => {
    await updateRolloutFile(root, () => ({ version: '1.2.0.2', percent: 10, paused: false, channels: {} }), { signKey: privateKey });
    await updateRolloutFile(root, (current) => ({ ...current!.document, paused: true }));
    expect(existsSync(rolloutPaths(root).signature)).toBe(false);
    expect(await readRolloutFile(root)).toMatchObject({ signed: false, document: { paused: true, serial: 2 } });
  });

  it('serialises concurrent writers: no serial is written twice', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => updateRolloutFile(root, () => ({ version: '1.2.0.2', percent: i, paused: false, channels: {} }))),
    );
    expect((await readRolloutFile(root))?.document.serial).toBe(8);
  });

  it('refuses to rewrite a malformed document (ROLLOUT_MALFORMED)', async () => {
    await fs.mkdir(rolloutPaths(root).serverDir, { recursive: true });
    await fs.writeFile(rolloutPaths(root).document, '{"version": 1}');
    await expect(updateRolloutFile(root, () => ({ version: '1.2.0.2', percent: 10, paused: false, channels: {} }))).rejects.toMatchObject({
      code: 'ROLLOUT_MALFORMED',
    });
  });
});

describe('publish and the rollout document', () => {
  it('writes no rollout.json by default (nothing changes for those who never use rollouts)', async () => {
    const result = await publishRelease({ version: '1.2.0.1', libDir, outRoot: root, unchecked: true });
    expect(result.rollout).toBeNull();
    expect(existsSync(rolloutPaths(root).document)).toBe(false);
  });

  it('starts a new version at --rollout-percent, signed with the manifest key', async () => {
    const keyFile = path.join(root, '..', `${path.basename(root)}-key.pem`);
    await fs.writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const result = await publishRelease({ version: '1.2.0.2', libDir, outRoot: root, rolloutPercent: 10, signKeyPath: keyFile, unchecked: true });
    await fs.rm(keyFile);
    expect(result.rollout).toMatchObject({ version: '1.2.0.2', percent: 10, paused: false, serial: 1 });
    const paths = rolloutPaths(root);
    expect(isValidSignature(await fs.readFile(paths.document), await fs.readFile(paths.signature), publicKey)).toBe(true);
  });

  it('a later version starts at 100 % by default, keeping channel shares; a hotfix keeps the rollout', async () => {
    await publishRelease({ version: '1.2.0.2', libDir, outRoot: root, rolloutPercent: 10, unchecked: true });
    await updateRolloutFile(root, (current) => ({ ...current!.document, channels: { pilot: 100 }, paused: true }));
    await publishRelease({ version: '1.2.0.2', libDir, outRoot: root, unchecked: true });
    expect((await readRolloutFile(root))?.document).toMatchObject({ version: '1.2.0.2', percent: 10, paused: true, serial: 2 });
    const next = await publishRelease({ version: '1.2.0.3', libDir, outRoot: root, unchecked: true });
    expect(next.rollout).toEqual({ version: '1.2.0.3', percent: 100, paused: false, channels: { pilot: 100 }, serial: 3 });
  });

  it('refuses to replace a signed rollout with an unsigned one before anything is published', async () => {
    await updateRolloutFile(root, () => ({ version: '1.2.0.1', percent: 10, paused: false, channels: {} }), { signKey: privateKey });
    await expect(publishRelease({ version: '1.2.0.2', libDir, outRoot: root, unchecked: true })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(existsSync(path.join(rolloutPaths(root).serverDir, '1.2.0.2'))).toBe(false);
  });
});
