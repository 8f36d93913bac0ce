// Where manifest names land on disk. Every name is checked to stay inside lib/ before any file
// operation, and no symlinked folder inside lib/ is followed out of it.
import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { FormatError } from '../errors.js';
import { assertSafeManifestName } from '../formats/manifest-name.js';

/** Absolute path of a manifest name inside libDir; throws MANIFEST_NAME_UNSAFE for anything that could escape. */
export function resolveInLib(libDir: string, name: string): string {
  assertSafeManifestName(name);
  const root = path.resolve(libDir);
  const target = path.resolve(root, ...name.split('/'));
  if (!target.startsWith(root + path.sep)) {
    throw new FormatError('MANIFEST_NAME_UNSAFE', `manifest name '${name}' resolves outside ${root}`, { details: { name } });
  }
  return target;
}

/** Throws when a folder between libDir and target is a symlink (a rename there could write outside lib/). */
export async function assertNoSymlinkedFolders(libDir: string, target: string): Promise<void> {
  const root = path.resolve(libDir);
  const parts = path.relative(root, path.dirname(target)).split(path.sep).filter((part) => part !== '');
  let current = root;
  for (const part of parts) {
    current = path.join(current, part);
    try {
      const stat = await fs.lstat(current);
      if (stat.isSymbolicLink()) {
        throw new FormatError('MANIFEST_NAME_UNSAFE', `refusing to write through the symlinked folder ${current}`, {
          details: { path: current },
        });
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
  }
}

/** The first folder between libDir and target that is a symlink (or not a folder), or undefined: files below it are untrusted. */
export async function symlinkedFolderOn(libDir: string, target: string): Promise<string | undefined> {
  const root = path.resolve(libDir);
  const parts = path.relative(root, path.dirname(target)).split(path.sep).filter((part) => part !== '');
  let current = root;
  for (const part of parts) {
    current = path.join(current, part);
    const stat = await fs.lstat(current).catch(() => undefined);
    if (stat === undefined) return undefined;
    if (!stat.isDirectory()) return current;
  }
  return undefined;
}

/** Removes every symlink (never its target) standing where a folder of target's path should be; returns what was removed. */
export async function removeSymlinkedFolders(libDir: string, target: string): Promise<string[]> {
  const removed: string[] = [];
  for (let link = await symlinkedFolderOn(libDir, target); link !== undefined; link = await symlinkedFolderOn(libDir, target)) {
    await fs.rm(link, { force: true }); // a symlink or a file: unlinked, whatever it points to is untouched
    removed.push(link);
  }
  return removed;
}

/** Every file (and symlink) under libDir as manifest-style names with '/' separators, sorted. */
export async function listLibFiles(libDir: string): Promise<string[]> {
  const names: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), name);
      else names.push(name);
    }
  };
  await walk(path.resolve(libDir), '');
  return names.sort();
}

const CORE_PREFIXES = ['registration-client-', 'registration-services-'] as const;

/** The core family of a lib/ file (`registration-client` or `registration-services`), or undefined (DESIGN §2). */
export function coreFamily(name: string): string | undefined {
  if (name.includes('/') || !name.endsWith('.jar')) return undefined;
  const prefix = CORE_PREFIXES.find((p) => name.startsWith(p));
  return prefix?.slice(0, -1);
}

/** Removes empty folders under libDir left behind by deletions (never libDir itself). */
export async function pruneEmptyFolders(libDir: string): Promise<void> {
  const prune = async (dir: string): Promise<boolean> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    let empty = true;
    for (const entry of entries) {
      if (entry.isDirectory() && (await prune(path.join(dir, entry.name)))) {
        await fs.rmdir(path.join(dir, entry.name));
      } else {
        empty = false;
      }
    }
    return empty;
  };
  try {
    await prune(path.resolve(libDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
