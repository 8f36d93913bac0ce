// Signed manifests (DESIGN §10): `MANIFEST.MF.sig` is the raw SHA256withRSA (PKCS#1 v1.5)
// signature over the exact bytes of MANIFEST.MF — what `openssl dgst -sha256 -sign` writes and
// MOSIP's launcher checks. Bytes are verified as received, before anything parses them.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Got } from 'got';
import { ConfigError, IntegrityError, NetworkError, redactUrl } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';

/** The public key a station trusts, with the file it came from (for messages). */
export interface TrustedKey {
  key: KeyObject;
  file: string;
}

/** A signature is far smaller than this (RSA-16384 → 2 KiB): a bigger body is not a signature. */
const MAX_SIGNATURE_BYTES = 64 * 1024;

/** Path (or URL) of the detached signature of a manifest: `<manifest>.sig`. */
export function signaturePathOf(manifest: string): string {
  return `${manifest}.sig`;
}

/**
 * Reads the station's public key: a PEM public key or an X.509 certificate (MOSIP's `provider.pem`).
 * An RSA key is required; a private key is refused (a station must never hold the signing key).
 */
export async function loadPublicKey(file: string, key: string): Promise<TrustedKey> {
  const invalid = (expected: string, cause?: unknown): ConfigError =>
    new ConfigError('CONFIG_INVALID', `invalid configuration: ${key} = '${file}'; expected ${expected}`, {
      ...(cause === undefined ? {} : { cause }),
      details: { key, value: file, expected },
    });
  let pem: string;
  try {
    pem = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw invalid(`a readable PEM file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, error);
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw invalid('a public key or certificate, not a private key (make one with: openssl pkey -in private.pem -pubout)');
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(pem);
  } catch (error) {
    throw invalid('a PEM public key (BEGIN PUBLIC KEY) or X.509 certificate', error);
  }
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw invalid(`an RSA key (SHA256withRSA, as MOSIP signs); this one is ${publicKey.asymmetricKeyType ?? 'unknown'}`);
  }
  return { key: publicKey, file };
}

/** True when `signature` is the SHA256withRSA signature of exactly `data` under `key`. */
export function isValidSignature(data: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  try {
    return verify('sha256', data, key, signature);
  } catch {
    return false; // malformed signature bytes are just a wrong signature
  }
}

/** Throws IntegrityError SIGNATURE_INVALID (exit 65) unless `signature` signs `data`. */
export function assertSignature(data: Uint8Array, signature: Uint8Array, trusted: TrustedKey, source: string): void {
  if (!isValidSignature(data, signature, trusted.key)) {
    const shown = redactUrl(source);
    throw new IntegrityError(
      'SIGNATURE_INVALID',
      `the signature ${signaturePathOf(shown)} does not match ${shown} under the public key ${trusted.file}: the manifest was altered, or signed with another key; nothing was changed`,
      { details: { manifest: shown, key: trusted.file } },
    );
  }
}

/** A manifest as received: its exact bytes and, when a key is configured, its verified signature. */
export interface ReceivedManifest {
  body: Buffer;
  signature: Buffer | null;
}

/**
 * Fetches a release's MANIFEST.MF and — with a key — its `.sig`, verifying the exact bytes before
 * anyone parses them. A missing (404/410) or wrong signature → SIGNATURE_INVALID (exit 65).
 */
export async function fetchSignedManifest(
  client: Got,
  url: string,
  trusted: TrustedKey | undefined,
  signal?: AbortSignal,
): Promise<ReceivedManifest> {
  const options = signal === undefined ? {} : { signal };
  // Imported here: the rest of this module runs on every launch (the local manifest's check), offline
  // too, and fetch-resource loads the HTTP client's library.
  const { fetchBytes } = await import('./fetch-resource.js');
  const { body } = await fetchBytes(client, url, options);
  if (trusted === undefined) return { body, signature: null };
  const sigUrl = signaturePathOf(url);
  let signature: Buffer;
  try {
    signature = (await fetchBytes(client, sigUrl, { ...options, maxBytes: MAX_SIGNATURE_BYTES })).body;
  } catch (error) {
    const status = error instanceof NetworkError ? error.details['status'] : undefined;
    if (status !== 404 && status !== 410) throw error;
    throw new IntegrityError(
      'SIGNATURE_INVALID',
      `${redactUrl(sigUrl)} is missing (HTTP ${status}) and a public key is configured (${trusted.file}): an unsigned manifest is refused; nothing was changed`,
      { cause: error, details: { manifest: redactUrl(url), status } },
    );
  }
  assertSignature(body, signature, trusted, url);
  return { body, signature };
}

/**
 * Reads the detached signature beside a local manifest and checks it against `bytes` (the exact
 * bytes read from that manifest). Missing or wrong → SIGNATURE_INVALID (exit 65).
 */
export async function assertLocalSignature(manifestPath: string, bytes: Buffer, trusted: TrustedKey): Promise<void> {
  const sigPath = signaturePathOf(manifestPath);
  let signature: Buffer;
  try {
    signature = await fs.readFile(sigPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new IntegrityError(
      'SIGNATURE_INVALID',
      `${sigPath} is missing and a public key is configured (${trusted.file}): the local manifest cannot be trusted — go online so the signed manifest can be fetched`,
      { details: { manifest: manifestPath } },
    );
  }
  assertSignature(bytes, signature, trusted, manifestPath);
}

/**
 * Writes a received manifest as received (never re-serialised): its signature first, then the
 * manifest. Without a signature, a stale `.sig` is removed so it never sits beside other bytes.
 */
export async function storeReceivedManifest(manifestPath: string, received: ReceivedManifest): Promise<void> {
  await storeSignature(manifestPath, received.signature);
  await writeFileAtomic(manifestPath, received.body);
}

/** Writes (or, for null, removes) the `.sig` beside a manifest. */
export async function storeSignature(manifestPath: string, signature: Buffer | null): Promise<void> {
  const sigPath = signaturePathOf(manifestPath);
  if (signature === null) await fs.rm(sigPath, { force: true });
  else await writeFileAtomic(sigPath, signature);
}

/** Copies the `.sig` of one manifest beside another (or removes the target's when there is none). */
export async function copySignature(fromManifest: string, toManifest: string): Promise<void> {
  const signature = await fs.readFile(signaturePathOf(fromManifest)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  await storeSignature(toManifest, signature);
}
