// Copying and measuring folders for backup and restore: every copied file is fsynced, links are
// copied as links (never followed), and a copy lands beside its target then is renamed over it.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { fsyncDir, fsyncFile } from './atomic-file.js';
import { sha256File } from './hash-file.js';

/** Total bytes of regular files under a path (a file, a folder, or nothing: 0). */
export async function treeSize(target: string): Promise<number> {
  let stat;
  try {
    stat = await fs.lstat(target);
  } catch {
    return 0;
  }
  if (stat.isFile()) return stat.size;
  if (!stat.isDirectory()) return 0;
  let total = 0;
  for (const entry of await fs.readdir(target)) total += await treeSize(path.join(target, entry));
  return total;
}

/** Copies a file or folder durably (reflink where the filesystem can, else a real copy). */
export async function copyTree(source: string, destination: string): Promise<void> {
  const stat = await fs.lstat(source);
  if (stat.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(source), destination);
    return;
  }
  if (stat.isFile()) {
    await fs.mkdir(path.dirname(destination), { recursive: true });
    await fs.copyFile(source, destination, constants.COPYFILE_FICLONE);
    await fsyncFile(destination);
    return;
  }
  if (!stat.isDirectory()) return;
  await fs.mkdir(destination, { recursive: true });
  for (const entry of await fs.readdir(source)) await copyTree(path.join(source, entry), path.join(destination, entry));
  await fsyncDir(destination);
}

/** Relative names ('/'-separated) of every file and link under dir. */
export async function listTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(current, entry.name), name);
      else out.push(name);
    }
  };
  await walk(dir, '');
  return out.sort();
}

/** Are two files byte-identical? (size first, then content). */
async function sameFile(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([fs.lstat(a).catch(() => undefined), fs.lstat(b).catch(() => undefined)]);
  if (sa === undefined || sb === undefined || !sa.isFile() || !sb.isFile() || sa.size !== sb.size) return false;
  const [ha, hb] = await Promise.all([sha256File(a), sha256File(b)]);
  return ha === hb;
}

/**
 * Makes `target` an exact copy of `source`, file by file: each differing file is copied into a
 * scratch folder beside the tree (`<target>.restore-tmp`, same filesystem) and renamed over, so a
 * kill leaves every file of the tree old or new and never a partial copy inside it; then files not
 * in source are removed. Idempotent: files already equal are skipped. Returns the names it changed.
 */
export async function mirrorTree(source: string, target: string): Promise<string[]> {
  const changed: string[] = [];
  const wanted = await listTree(source);
  const scratch = `${path.resolve(target)}.restore-tmp`;
  await fs.rm(scratch, { recursive: true, force: true });
  for (const name of wanted) {
    const from = path.join(source, ...name.split('/'));
    const to = path.join(target, ...name.split('/'));
    if (await sameFile(from, to)) continue;
    const temp = path.join(scratch, ...name.split('/'));
    await fs.mkdir(path.dirname(temp), { recursive: true });
    await copyTree(from, temp);
    const current = await fs.lstat(to).catch(() => undefined);
    if (current?.isDirectory() === true) await fs.rm(to, { recursive: true, force: true });
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.rename(temp, to);
    await fsyncDir(path.dirname(to));
    changed.push(name);
  }
  await fs.rm(scratch, { recursive: true, force: true });
  const keep = new Set(wanted);
  for (const name of await listTree(target)) {
    if (keep.has(name)) continue;
    await fs.rm(path.join(target, ...name.split('/')), { force: true });
    changed.push(name);
  }
  await removeFoldersNotIn(source, target);
  return changed;
}

/** Removes, deepest first, the empty folders under `target` that `source` does not have (an exact mirror). */
async function removeFoldersNotIn(source: string, target: string): Promise<void> {
  const walk = async (relative: string): Promise<void> => {
    const entries = await fs.readdir(path.join(target, relative), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const child = path.join(relative, entry.name);
      await walk(child);
      const inSource = await fs.lstat(path.join(source, child)).then((stats) => stats.isDirectory(), () => false);
      if (!inSource) await fs.rmdir(path.join(target, child)).catch(() => undefined);
    }
  };
  await walk('');
}
