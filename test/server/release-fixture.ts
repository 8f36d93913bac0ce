// Builds a lib/ folder for publish tests and reads what was published: hashes via the real
// `sha256sum`, zip entries via yauzl.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import yauzl from 'yauzl';

/** Names that stress MANIFEST.MF: nested, >72 bytes, spaces, non-ASCII (split mid-character). */
export const TRICKY_NAMES = [
  'registration-client-1.2.0.jar',
  'registration-services-1.2.0.jar',
  'sql/1.2.0/initial_db_scripts.sql',
  'sql/1.2.0/rollback_scripts.sql',
  `${'very-long-library-name-'.repeat(4)}1.2.0.jar`,
  'with space/name with spaces.jar',
  'ünïcødé-ライブラリ-名前-ünïcødé-ライブラリ-名前-ünïcødé-ライブラリ.jar',
];

/** Writes each name under `libDir` with content derived from `seed`, so a re-seed changes every hash. */
export async function writeLib(libDir: string, names: readonly string[], seed: string): Promise<void> {
  for (const name of names) {
    const file = path.join(libDir, ...name.split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, `${seed}:${name}\n`.repeat(50));
  }
}

/** SHA-256 of a file as the coreutils tool prints it, uppercased. */
export function sha256sum(file: string): string {
  const output = execFileSync('sha256sum', ['-b', file], { encoding: 'utf8' });
  return (output.split(' ')[0] ?? '').replace(/^\\/, '').toUpperCase();
}

/** Every entry of a zip, name to bytes. */
export async function readZip(zipPath: string): Promise<Map<string, Buffer>> {
  const zip = await yauzl.openPromise(zipPath);
  const entries = new Map<string, Buffer>();
  try {
    for await (const entry of zip.eachEntry()) {
      entries.set(entry.fileName, await buffer(await zip.openReadStreamPromise(entry)));
    }
  } finally {
    zip.close();
  }
  return entries;
}

/** Every path under `dir`, relative, `/`-separated, sorted (dot entries included). */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true });
  return entries.map((entry) => entry.split(path.sep).join('/')).sort();
}

/**
 * A spring.properties mapping each version (in order) to its own dbVersion, or (for versions
 * after `dbVersion`) to `dbVersion`: what publish's checks require.
 */
export function mappingsProperties(versions: readonly string[], dbVersion?: string): string {
  const shared = dbVersion === undefined ? -1 : versions.indexOf(dbVersion);
  const mappings = Object.fromEntries(
    versions.map((version, index) => [version, { dbVersion: shared >= 0 && index > shared ? (dbVersion ?? version) : version, releaseOrder: index + 1 }]),
  );
  return `mosip.registration.verion.upgrade.version-mappings=${JSON.stringify(mappings)}\n`;
}
