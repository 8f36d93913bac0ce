// The one download job most downloader tests fetch: app.jar of release 1.2.0 into a staging folder.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { DownloadJob } from '../../src/services/download.js';

/** Uppercase SHA-256 of bytes. */
export const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex').toUpperCase();

/** A job for `<serverUrl>1.2.0/lib/app.jar` with `body`'s hash and size, staged under `dir`. */
export function appJarJob(serverUrl: string, dir: string, body: Buffer, overrides: Partial<DownloadJob> = {}): DownloadJob {
  return {
    url: `${serverUrl}1.2.0/lib/app.jar`,
    partPath: path.join(dir, 'staging', 'lib', 'app.jar.part'),
    finalPath: path.join(dir, 'staging', 'lib', 'app.jar'),
    expectedSha256: sha(body),
    expectedSize: body.length,
    label: 'app.jar',
    ...overrides,
  };
}
