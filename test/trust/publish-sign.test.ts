// `publish --sign-key` end to end: the built CLI writes MANIFEST.MF.sig, byte for byte what
// `openssl dgst -sha256 -sign` makes, which openssl and Java's SHA256withRSA (MOSIP's launcher) accept.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir, writeTree } from '../helpers/station.js';
import { mappingsProperties } from '../server/release-fixture.js';
import { javaAvailable, makeKeyPair, opensslAvailable, opensslSign, opensslVerifies, releaseFiles, releasePath, type KeyPair } from './trust-fixtures.js';

let keys: KeyPair;
let base: string;
let libDir: string;
let outRoot: string;

beforeAll(async () => {
  if (opensslAvailable) keys = await makeKeyPair();
});

beforeEach(async () => {
  base = await tempDir('rcu-sign-');
  libDir = path.join(base, 'lib');
  outRoot = path.join(base, 'out');
  await writeTree(
    libDir,
    releaseFiles('1.2.0', {
      'folder with spaces/données.jar': 'accented name, long enough to wrap the manifest line',
      'spring.properties': mappingsProperties(['1.2.0']),
    }),
  );
});

describe.runIf(opensslAvailable)('publish --sign-key', () => {
  it('writes MANIFEST.MF.sig: openssl verifies it, and it is the very bytes openssl dgst -sign makes', async () => {
    const run = await runCli(['publish', '1.2.0', libDir, '--out', outRoot, '--sign-key', keys.privateKey, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const manifest = releasePath(outRoot, '1.2.0', 'MANIFEST.MF');
    const signature = releasePath(outRoot, '1.2.0', 'MANIFEST.MF.sig');
    expect(run.json).toMatchObject({ signature });
    expect(opensslVerifies(keys.publicKey, signature, manifest)).toBe(true);
    // PKCS#1 v1.5 is deterministic: the same key and bytes give the same signature.
    expect(opensslSign(keys.privateKey, manifest).equals(await fs.readFile(signature))).toBe(true);
    expect((await fs.readFile(signature)).length).toBe(256);
  });

  it.runIf(javaAvailable)("verifies with Java's Signature SHA256withRSA, as MOSIP's launcher checks it", async () => {
    expect((await runCli(['publish', '1.2.0', libDir, '--out', outRoot, '--sign-key', keys.privateKey])).code).toBe(0);
    const verifier = path.join(repoRoot, 'test/trust/fixtures/VerifySignature.java');
    const manifest = releasePath(outRoot, '1.2.0', 'MANIFEST.MF');
    const signature = releasePath(outRoot, '1.2.0', 'MANIFEST.MF.sig');
    expect(execFileSync('java', [verifier, keys.publicKey, manifest, signature]).toString()).toContain('VERIFIED');
    await fs.appendFile(manifest, 'X-Tampered: yes\r\n');
    expect(() => execFileSync('java', [verifier, keys.publicKey, manifest, signature], { stdio: 'pipe' })).toThrow();
  });

  it('re-publishing without --sign-key leaves no stale signature beside the new manifest', async () => {
    expect((await runCli(['publish', '1.2.0', libDir, '--out', outRoot, '--sign-key', keys.privateKey])).code).toBe(0);
    await writeTree(libDir, { 'hotfix.jar': 'hotfix' });
    expect((await runCli(['publish', '1.2.0', libDir, '--out', outRoot])).code).toBe(0);
    expect(existsSync(releasePath(outRoot, '1.2.0', 'MANIFEST.MF.sig'))).toBe(false);
  });

  it('refuses a public key, an EC key or a missing file as --sign-key (exit 64) before writing anything', async () => {
    const ecKey = path.join(base, 'ec.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', ecKey], { stdio: 'ignore' });
    for (const key of [keys.publicKey, ecKey, path.join(base, 'missing.pem')]) {
      const run = await runCli(['publish', '1.2.0', libDir, '--out', outRoot, '--sign-key', key, '--json']);
      expect(run.code, key).toBe(64);
      expect(run.json).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
    }
    expect(existsSync(outRoot)).toBe(false);
  });

  it('refuses a libDir holding a symlinked folder that leaves it (exit 64, nothing written)', async () => {
    const outside = path.join(base, 'outside');
    await writeTree(outside, { 'private.key': 'not for publishing' });
    await fs.symlink(outside, path.join(libDir, 'plugins'));
    const run = await runCli(['publish', '1.2.0', libDir, '--out', outRoot, '--sign-key', keys.privateKey, '--json']);
    expect(run.code).toBe(64);
    expect(run.json).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
    expect(String((run.json?.error as { message: string }).message)).toContain('outside libDir');
    expect(existsSync(outRoot)).toBe(false);
  });
});
