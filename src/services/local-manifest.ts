// The installed release's MANIFEST.MF: its version is the installed version (DESIGN §2).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { parseManifest, type Manifest } from '../formats/manifest.js';
import { assertLocalSignature, type TrustedKey } from './manifest-signature.js';

/** The local manifest, with the exact bytes it was parsed from. */
export interface LocalManifest {
  path: string;
  bytes: Buffer;
  manifest: Manifest;
}

/** Path of the installed manifest. */
export function localManifestPath(clientDir: string): string {
  return path.join(clientDir, 'MANIFEST.MF');
}

/**
 * Reads and parses the installed manifest; a missing one means this is not a client installation
 * (exit 64). With a trusted key, the bytes are checked against `MANIFEST.MF.sig` before parsing.
 */
export async function readLocalManifest(clientDir: string, trusted?: TrustedKey): Promise<LocalManifest> {
  const file = localManifestPath(clientDir);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError(
        'CONFIG_INVALID',
        `${file} not found: ${clientDir} is not a registration client installation (use --client-dir)`,
        { details: { file } },
      );
    }
    throw error;
  }
  if (trusted !== undefined) await assertLocalSignature(file, bytes, trusted);
  return { path: file, bytes, manifest: parseManifest(bytes, file) };
}
