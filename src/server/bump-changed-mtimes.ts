// nginx's ETag is "<mtime seconds>-<size>": a hotfix that rewrites a file with the same size in
// the same second would keep its ETag, and a client resuming with If-Range could splice old and
// new bytes. Before a re-published release is swapped in, every changed file is given an mtime
// past the old one, so nginx's ETag and Last-Modified always change with the content.
import fs from 'node:fs/promises';
import path from 'node:path';
import { manifestHashes, parseManifest } from '../formats/manifest.js';

/** Gives each file of `work` whose hash differs from the same name in `previousDir` an mtime at least 1 s past the old one. */
export async function bumpChangedMtimes(
  previousDir: string,
  work: string,
  files: ReadonlyArray<{ name: string; hash: string }>,
): Promise<void> {
  let oldHashes: Map<string, string>;
  try {
    oldHashes = manifestHashes(parseManifest(await fs.readFile(path.join(previousDir, 'MANIFEST.MF'))));
  } catch {
    return; // no previous release (or an unreadable one): nothing to be confused with
  }
  for (const file of files) {
    const oldHash = oldHashes.get(file.name);
    if (oldHash === undefined || oldHash === file.hash) continue;
    const relative = file.name.split('/');
    const old = await fs.stat(path.join(previousDir, 'lib', ...relative)).catch(() => undefined);
    if (old === undefined) continue;
    const fresh = path.join(work, 'lib', ...relative);
    const stats = await fs.stat(fresh);
    const oldSecond = Math.floor(old.mtimeMs / 1000);
    if (Math.floor(stats.mtimeMs / 1000) > oldSecond) continue;
    await fs.utimes(fresh, stats.atime, new Date((oldSecond + 1) * 1000));
  }
}
