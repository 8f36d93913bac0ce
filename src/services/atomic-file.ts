// Durable file writes: write beside, fsync, rename over, fsync the folder — a kill at any instant
// leaves either the old file or the new one, never a torn one.
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** fsyncs a file or folder (folders: so renames inside survive power loss; a no-op where folders cannot be opened). */
export async function fsyncPath(target: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(target, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle?.close();
  }
}

/** fsyncs a folder so a rename inside it survives power loss. */
export const fsyncDir = fsyncPath;

/** fsyncs one file's data. */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `file` atomically and durably. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
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
  await fsyncDir(dir);
}

/** Moves a file into place by rename (same filesystem) and makes the move durable. */
export async function moveFileDurably(from: string, to: string): Promise<void> {
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.rename(from, to);
  await fsyncDir(path.dirname(to));
}
