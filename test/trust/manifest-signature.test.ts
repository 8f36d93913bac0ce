// The signature primitives on their own: which keys a station accepts, and what counts as a valid
// signature (openssl-made keys, MOSIP's provider.pem certificate form included).
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey, signManifest } from '../../src/server/sign-manifest.js';
import {
  assertLocalSignature,
  copySignature,
  isValidSignature,
  loadPublicKey,
  signaturePathOf,
} from '../../src/services/manifest-signature.js';
import { tempDir } from '../helpers/station.js';
import { makeKeyPair, opensslAvailable, opensslSign, type KeyPair } from './trust-fixtures.js';

const KEY = 'mosip.reg.upgrade.public-key';
let keys: KeyPair;
let dir: string;

beforeAll(async () => {
  if (!opensslAvailable) return;
  keys = await makeKeyPair();
  dir = await tempDir('rcu-sig-unit-');
});

describe.runIf(opensslAvailable)('manifest signatures', () => {
  it('accepts an X.509 certificate as the trusted key, as MOSIP ships provider.pem', async () => {
    const cert = path.join(dir, 'provider.pem');
    execFileSync('openssl', ['req', '-x509', '-key', keys.privateKey, '-out', cert, '-days', '2', '-subj', '/CN=MOSIP provider'], { stdio: 'ignore' });
    const trusted = await loadPublicKey(cert, KEY);
    const manifest = Buffer.from('Manifest-Version: 1.0.0\r\n\r\n');
    expect(isValidSignature(manifest, signManifest(manifest, await loadSigningKey(keys.privateKey)), trusted.key)).toBe(true);
  });

  it('refuses an EC public key: SHA256withRSA is the format', async () => {
    const ec = path.join(dir, 'ec.pem');
    const ecPub = path.join(dir, 'ec-pub.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', ec], { stdio: 'ignore' });
    execFileSync('openssl', ['pkey', '-in', ec, '-pubout', '-out', ecPub], { stdio: 'ignore' });
    await expect(loadPublicKey(ecPub, KEY)).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { key: KEY } });
  });

  it('a signature is valid for the exact bytes only: one changed byte, CRLF→LF, or a truncated signature fail', async () => {
    const trusted = await loadPublicKey(keys.publicKey, KEY);
    const file = path.join(dir, 'MANIFEST.MF');
    const bytes = Buffer.from('Manifest-Version: 1.0.0\r\n\r\nName: a.jar\r\nContent-Type: AB\r\n\r\n');
    await fs.writeFile(file, bytes);
    const signature = opensslSign(keys.privateKey, file);
    expect(isValidSignature(bytes, signature, trusted.key)).toBe(true);
    expect(isValidSignature(Buffer.from(bytes.toString().replace('a.jar', 'b.jar')), signature, trusted.key)).toBe(false);
    expect(isValidSignature(Buffer.from(bytes.toString().replace(/\r\n/g, '\n')), signature, trusted.key)).toBe(false);
    expect(isValidSignature(bytes, signature.subarray(0, 100), trusted.key)).toBe(false);
    expect(isValidSignature(bytes, Buffer.alloc(0), trusted.key)).toBe(false);
  });

  it('the local signature is checked beside the manifest; copySignature moves it with the manifest or removes a stale one', async () => {
    const trusted = await loadPublicKey(keys.publicKey, KEY);
    const from = path.join(dir, 'staged', 'MANIFEST.MF');
    const to = path.join(dir, 'station', 'MANIFEST.MF');
    await fs.mkdir(path.dirname(from), { recursive: true });
    await fs.mkdir(path.dirname(to), { recursive: true });
    const bytes = Buffer.from('Manifest-Version: 1.1.0\r\n\r\n');
    await fs.writeFile(from, bytes);
    await fs.writeFile(signaturePathOf(from), opensslSign(keys.privateKey, from));
    await fs.writeFile(to, bytes);
    await expect(assertLocalSignature(to, bytes, trusted)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });

    await copySignature(from, to);
    await expect(assertLocalSignature(to, bytes, trusted)).resolves.toBeUndefined();

    await fs.rm(signaturePathOf(from));
    await copySignature(from, to);
    expect(existsSync(signaturePathOf(to))).toBe(false);
  });
});
