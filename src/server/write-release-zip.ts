// reg-client.zip: the full client for new installations — MANIFEST.MF at the root, files under lib/.
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

// A fixed timestamp (DOS, local time as zip stores it) so the same release makes the same bytes.
const ZIP_MTIME = new Date(2000, 0, 1, 0, 0, 0);
// Already compressed: deflating again costs time and saves nothing.
const STORED = new Set(['.jar', '.zip', '.war', '.gz', '.png', '.jpg']);

/** Writes the zip to `zipPath`: `manifest` as MANIFEST.MF, then each file as `lib/<name>` in order. */
export async function writeReleaseZip(
  zipPath: string,
  manifest: Buffer,
  files: ReadonlyArray<{ name: string; path: string }>,
): Promise<void> {
  const zip = new yazl.ZipFile();
  const common = { mtime: ZIP_MTIME, mode: 0o100644, forceDosTimestamp: true };
  zip.addBuffer(manifest, 'MANIFEST.MF', { ...common, compress: true });
  for (const file of files) {
    const compress = !STORED.has(path.extname(file.name).toLowerCase());
    zip.addFile(file.path, `lib/${file.name}`, { ...common, compress });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}
