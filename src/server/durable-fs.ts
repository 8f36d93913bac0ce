// Swapping a whole release folder for publish: a power cut leaves the previous release or the new
// one on the server, never a mix. File-level durable writes are the shared services/atomic-file.ts.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fsyncPath } from '../services/atomic-file.js';

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
