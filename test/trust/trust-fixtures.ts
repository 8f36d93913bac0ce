// Fixtures of the trust tests: openssl-made keys and certificates, signed releases, and the
// station's files that a refused run must leave exactly as they were.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { createManifest, parseManifest, serializeManifest } from '../../src/formats/manifest.js';
import { publishRelease } from '../../src/server/publish.js';
import { bytesFor, sha256, tempDir, writeTree } from '../helpers/station.js';

/** True when the openssl command line is installed (every trust test makes its keys with it). */
export const opensslAvailable = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** True when a JDK is installed (to verify signatures as MOSIP's Java launcher does). */
export const javaAvailable = (() => {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** An RSA key pair as PEM files. */
export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

/** Makes a 2048-bit RSA key pair with openssl, as a release engineer would. */
export async function makeKeyPair(prefix = 'signing'): Promise<KeyPair> {
  const dir = await tempDir('rcu-keys-');
  const privateKey = path.join(dir, `${prefix}-private.pem`);
  const publicKey = path.join(dir, `${prefix}-public.pem`);
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', privateKey], { stdio: 'ignore' });
  execFileSync('openssl', ['pkey', '-in', privateKey, '-pubout', '-out', publicKey], { stdio: 'ignore' });
  return { privateKey, publicKey };
}

/** `openssl dgst -sha256 -sign key file`: the raw signature openssl makes. */
export function opensslSign(privateKey: string, file: string): Buffer {
  return execFileSync('openssl', ['dgst', '-sha256', '-sign', privateKey, file]);
}

/** `openssl dgst -sha256 -verify pub -signature sig file`: true when openssl says "Verified OK". */
export function opensslVerifies(publicKey: string, signature: string, file: string): boolean {
  try {
    return execFileSync('openssl', ['dgst', '-sha256', '-verify', publicKey, '-signature', signature, file]).toString().includes('Verified OK');
  } catch {
    return false;
  }
}

/** A CA and a server certificate it signed for 127.0.0.1, all openssl-made. */
export interface TlsFiles {
  caCert: string;
  serverKey: string;
  serverCert: string;
}

/** Makes a self-signed CA and a server certificate for IP 127.0.0.1 signed by it. */
export async function makeTlsFiles(): Promise<TlsFiles> {
  const dir = await tempDir('rcu-tls-');
  const file = (name: string) => path.join(dir, name);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Test Upgrade CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  await fs.writeFile(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return { caCert: file('ca.pem'), serverKey: file('server.key'), serverCert: file('server.pem') };
}

/** The files of a small release (two core jars, a library, a DB script). */
export function releaseFiles(version: string, extra: Record<string, Buffer | string> = {}): Record<string, Buffer | string> {
  return {
    [`registration-client-${version}.jar`]: bytesFor(`client-${version}`, 40_000),
    [`registration-services-${version}.jar`]: bytesFor(`services-${version}`, 30_000),
    'common-lib.jar': bytesFor(`common-${version}`, 20_000),
    [`sql/${version}/initial_db_scripts.sql`]: 'SELECT 1;\n',
    ...extra,
  };
}

/** Publishes a release from a file map, signed when a private key is given. */
export async function publishSigned(root: string, version: string, files: Record<string, Buffer | string>, signKeyPath?: string): Promise<void> {
  const libDir = await tempDir('rcu-lib-');
  await writeTree(libDir, files);
  await publishRelease({ unchecked: true, version, libDir, outRoot: root, signKeyPath });
  await fs.rm(libDir, { recursive: true, force: true });
}

/** Path of a published release's file (`MANIFEST.MF`, `MANIFEST.MF.sig`, `lib/…`). */
export function releasePath(root: string, version: string, name: string): string {
  return path.join(root, 'registration-client', version, ...name.split('/'));
}

/** Everything a refused run must not change: lib/, bin/ (symlinks as their targets), MANIFEST.MF and its signature. */
export async function stationSnapshot(clientDir: string): Promise<Record<string, string>> {
  const snap: Record<string, string> = {};
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const name = `${prefix}/${entry.name}`;
      const file = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) snap[name] = `symlink to ${await fs.readlink(file)}`;
      else if (entry.isDirectory()) await walk(file, name);
      else snap[name] = sha256(await fs.readFile(file));
    }
  };
  for (const part of ['lib', 'bin']) await walk(path.join(clientDir, part), part);
  for (const name of ['MANIFEST.MF', 'MANIFEST.MF.sig']) {
    const file = path.join(clientDir, name);
    snap[name] = existsSync(file) ? (await fs.readFile(file)).toString('base64') : '(absent)';
  }
  return snap;
}

/** A manifest as an attacker rewrites it: the entry `name` now blesses `content` (added if absent). */
export function blessInManifest(manifest: Buffer, name: string, content: Buffer): Buffer {
  const parsed = parseManifest(manifest);
  const files = parsed.entries.filter((entry) => entry.name !== name).map((entry) => ({ name: entry.name, hash: entry.hash }));
  return serializeManifest(createManifest(parsed.version, [...files, { name, hash: sha256(content) }]));
}

/** Manifest bytes written by hand (72-byte lines, CRLF), so even names no publisher would write can be signed. */
export function rawManifest(version: string, entries: Array<{ name: string; content: Buffer }>): Buffer {
  const line = (text: string): string[] => {
    const bytes = Buffer.from(text, 'utf8');
    const out = [bytes.subarray(0, 72).toString('utf8')];
    for (let offset = 72; offset < bytes.length; offset += 71) out.push(` ${bytes.subarray(offset, offset + 71).toString('utf8')}`);
    return out;
  };
  const lines = [`Manifest-Version: ${version}`, ''];
  for (const entry of entries) lines.push(...line(`Name: ${entry.name}`), ...line(`Content-Type: ${sha256(entry.content)}`), '');
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

/** Signs bytes with `openssl dgst -sha256 -sign`, as a release engineer (or one who stole the key) would. */
export async function opensslSignBytes(privateKey: string, data: Buffer): Promise<Buffer> {
  const dir = await tempDir('rcu-sign-bytes-');
  const file = path.join(dir, 'MANIFEST.MF');
  await fs.writeFile(file, data);
  return opensslSign(privateKey, file);
}
