// Where a station may already hold most of a file it must fetch (DESIGN §13): the file itself in
// lib/ (an old version, a damaged copy), then files of the same name stem and another version
// (kernel-core-1.2.0.1.jar for kernel-core-1.2.0.2.jar). Wiring for patch and staging lives here too.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Got } from 'got';
import { blockIndexHash, blockIndexSegments } from '../../formats/block-index.js';
import type { Manifest } from '../../formats/manifest.js';
import { downloadFile, type DownloadAllOptions, type DownloadJob, type DownloadOptions, type DownloadResult } from '../download.js';
import { assertNoSymlinkedFolders, resolveInLib } from '../lib-paths.js';
import type { Logger } from '../logger.js';
import { downloadDelta } from './download-delta.js';

/** Same-stem files of other versions taken as sources at most (each is read and chunked). */
const MAX_STEM_SOURCES = 3;

/** `kernel-core-1.2.0.1.jar` → `kernel-core` + `.jar`: the name without its version. */
export function nameStem(name: string): { stem: string; extension: string } {
  const base = path.posix.basename(name);
  const extension = path.posix.extname(base);
  const stem = base.slice(0, base.length - extension.length).replace(/-\d[^/]*$/, '');
  return { stem, extension };
}

/** Regular files of lib/ that may share chunks with `name`, best first. */
export async function findLocalSources(libDir: string, name: string): Promise<string[]> {
  const own = resolveInLib(libDir, name);
  await assertNoSymlinkedFolders(libDir, own);
  const folder = path.dirname(own);
  const wanted = nameStem(name);
  const siblings = (await fs.readdir(folder).catch(() => [] as string[]))
    .filter((file) => file !== path.basename(own))
    .filter((file) => {
      const other = nameStem(file);
      return other.stem === wanted.stem && other.extension === wanted.extension;
    })
    .sort()
    .reverse() // the highest version first: the likeliest to share chunks
    .slice(0, MAX_STEM_SOURCES);
  const sources: string[] = [];
  for (const file of [own, ...siblings.map((sibling) => path.join(folder, sibling))]) {
    const info = await fs.lstat(file).catch(() => undefined);
    if (info?.isFile() === true) sources.push(file); // never a symlink: it could lead out of lib/
  }
  return sources;
}

/** URL of a file's block index in a release. */
export function releaseBlockIndexUrl(serverUrl: string, version: string, name: string): string {
  return new URL([version, ...blockIndexSegments(name)].map((segment) => encodeURIComponent(segment)).join('/'), serverUrl).toString();
}

/** What a download step needs to fetch its files differentially. */
export interface DeltaWiring {
  serverUrl: string;
  /** The manifest of the files being fetched (names their block indexes). */
  manifest: Manifest;
  /** The station's lib/, where local sources are looked for. */
  libDir: string;
  /** `--whole-files`: never differential. */
  wholeFiles: boolean;
  logger: Logger;
}

/** A `download` for downloadAll: differential where the manifest names a block index, else whole. */
export function deltaDownload(wiring: DeltaWiring): NonNullable<DownloadAllOptions['download']> {
  const entries = new Map(wiring.manifest.entries.map((entry) => [entry.name, entry]));
  return async (client: Got, job: DownloadJob, options: DownloadOptions): Promise<DownloadResult> => {
    const entry = entries.get(job.label);
    const indexSha256 = entry === undefined ? undefined : blockIndexHash(entry);
    if (wiring.wholeFiles || indexSha256 === undefined) return downloadFile(client, job, options);
    const delta = {
      indexUrl: releaseBlockIndexUrl(wiring.serverUrl, wiring.manifest.version, job.label),
      indexSha256,
      localFiles: await findLocalSources(wiring.libDir, job.label),
    };
    return downloadDelta(client, job, delta, { ...options, log: (message, details) => wiring.logger.info(message, details) });
  };
}
