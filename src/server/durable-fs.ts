// Durable writes for publish: fsync what was written, then make it visible by rename, so a
// power cut leaves the previous release or the new one on the server, never a torn one.
import fs from 'node:fs/promises';
import path from 'node:path';

/** fsyncs a file or folder (folders: so renames and new entries inside survive power loss). */
export async function fsyncPath(target: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(target, 'r');
    await handle.sync();
  } catch (error) {
    // Some filesystems cannot open or sync a folder; the data itself was already synced.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle?.close();
  }
}

/** Writes `data` beside `file`, fsyncs it and renames it over `file`. */
export async function writeFileDurably(file: string, data: Uint8Array | string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  try {
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } finally {
    await fs.rm(temp, { force: true });
  }
  await fsyncPath(path.dirname(file));
}

/**
 * Puts the folder `fresh` at `target`, replacing what was there: the old one is renamed aside,
 * the new one renamed in, then the old one deleted. Readers see the old or the new release (for
 * the instant between the two renames, none: a 404 the client retries), never a mix.
 */
export async function swapDirectory(fresh: string, target: string): Promise<void> {
  const parent = path.dirname(target);
  const aside = path.join(parent, `.${path.basename(target)}.old-${process.pid}`);
  await fs.rm(aside, { recursive: true, force: true });
  let replaced = false;
  try {
    await fs.rename(target, aside);
    replaced = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    await fs.rename(fresh, target);
  } catch (error) {
    if (replaced) await fs.rename(aside, target);
    throw error;
  }
  await fsyncPath(parent);
  if (replaced) await fs.rm(aside, { recursive: true, force: true });
}
