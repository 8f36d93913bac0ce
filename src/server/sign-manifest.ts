// Signing a release's MANIFEST.MF (DESIGN §10): the raw SHA256withRSA (PKCS#1 v1.5) signature over
// the exact manifest bytes, byte for byte what `openssl dgst -sha256 -sign key.pem` writes and what
// MOSIP's launcher (Java `Signature.getInstance("SHA256withRSA")`) verifies.
import { constants, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import { ConfigError, IntegrityError } from '../errors.js';

/** Reads an RSA private key (PEM, unencrypted: PKCS#8 or PKCS#1) for `publish --sign-key`. */
export async function loadSigningKey(file: string): Promise<KeyObject> {
  const invalid = (expected: string, cause?: unknown): ConfigError =>
    new ConfigError('CONFIG_INVALID', `publish --sign-key ${file}: expected ${expected}`, {
      ...(cause === undefined ? {} : { cause }),
      details: { key: 'signKey', value: file, expected },
    });
  let pem: string;
  try {
    pem = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw invalid(`a readable PEM file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, error);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw invalid('an unencrypted PEM private key (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048)', error);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw invalid(`an RSA key (SHA256withRSA, as MOSIP signs); this one is ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  return key;
}

/** The detached signature of `manifest`; checked against the key's own public half before it is returned. */
export function signManifest(manifest: Uint8Array, key: KeyObject): Buffer {
  const signature = sign('sha256', manifest, { key, padding: constants.RSA_PKCS1_PADDING });
  if (!verify('sha256', manifest, createPublicKey(key), signature)) {
    throw new IntegrityError('SIGNATURE_INVALID', "the signature just made does not verify with the signing key's own public half; nothing was published");
  }
  return signature;
}
