// Verifies lib/ against a manifest: hashes every listed file on all cores and lists what is
// missing, changed, or not in the manifest. Reads only; never changes a file.
import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { Manifest } from '../formats/manifest.js';
import { eachLimited } from './each-limited.js';
import type { HashPool } from './hash-pool.js';
import { listLibFiles, resolveInLib, symlinkedFolderOn } from './lib-paths.js';

/** Files checked at once: enough to keep every hashing thread busy, few enough that 50 000 files are not 50 000 pending stats. */
const IN_FLIGHT = 64;

/** What verify found. */
export interface LibFindings {
  version: string;
  fileCount: number;
  totalBytes: number;
  missing: string[];
  mismatched: string[];
  unknown: string[];
}

/** Hashes every file the manifest lists and compares; unknown = files in lib/ the manifest does not list. */
export async function verifyLib(libDir: string, manifest: Manifest, pool: HashPool): Promise<LibFindings> {
  const missing: string[] = [];
  const mismatched: string[] = [];
  let totalBytes = 0;
  // The folders on the way are the same for every file of a folder: checked once per folder.
  const folders = new Map<string, Promise<string | undefined>>();
  const linkedFolderOf = (file: string): Promise<string | undefined> => {
    const folder = path.dirname(file);
    let known = folders.get(folder);
    if (known === undefined) folders.set(folder, (known = symlinkedFolderOn(libDir, file)));
    return known;
  };
  await eachLimited(manifest.entries, IN_FLIGHT, async (entry) => {
    const file = resolveInLib(libDir, entry.name);
    // A folder on the way that is a symlink leads elsewhere: what is there is not lib/ and is replaced.
    if ((await linkedFolderOf(file)) !== undefined) {
      mismatched.push(entry.name);
      return;
    }
    let stat;
    try {
      // Synchronous: a stat from the page cache is cheaper than its promise round trip.
      stat = lstatSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
        missing.push(entry.name);
        return;
      }
      throw error;
    }
    // A symlink or folder where a file should be is never trusted: it is replaced by the real file.
    if (!stat.isFile()) {
      mismatched.push(entry.name);
      return;
    }
    const digest = await pool.hashFile(file);
    totalBytes += digest.size;
    if (digest.hash !== entry.hash.toUpperCase()) mismatched.push(entry.name);
  });
  const listed = new Set(manifest.entries.map((entry) => entry.name));
  const unknown = (await listLibFiles(libDir)).filter((name) => !listed.has(name));
  return {
    version: manifest.version,
    fileCount: manifest.entries.length,
    totalBytes,
    missing: missing.sort(),
    mismatched: mismatched.sort(),
    unknown,
  };
}
