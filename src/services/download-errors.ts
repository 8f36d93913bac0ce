// The errors a download ends with, each naming the file, the URL and what the operator can do.
import { IntegrityError, NetworkError, UpgradeError, redactUrl } from '../errors.js';
import type { DownloadJob } from './download.js';

/** The bytes did not match the manifest twice: the server's copy or the manifest is wrong. */
export function hashMismatch(job: DownloadJob, expected: string, error: { actual: string; actualSize: number }): IntegrityError {
  const url = redactUrl(job.url);
  const size = job.expectedSize === undefined ? '' : `, ${job.expectedSize} bytes`;
  return new IntegrityError(
    'HASH_MISMATCH',
    `${job.label} from ${url} did not match the manifest twice (expected SHA-256 ${expected}${size}; got ${error.actual}, ${error.actualSize} bytes): the server's copy or the manifest is wrong; nothing was kept`,
    { details: { file: job.label, url, expected, actual: error.actual, actualSize: error.actualSize } },
  );
}

/** The download could not be completed after its retries (or a local write failed). */
export function downloadFailed(job: DownloadJob, error: unknown, attempts: number): UpgradeError {
  const url = redactUrl(job.url);
  const status = error instanceof NetworkError ? error.details['status'] : undefined;
  const hint = typeof status === 'number' && status < 500 ? 'check the server URL and the release on the server' : 'check the network and the server; the bytes already fetched are kept and the next run resumes';
  return (
    localIoError(job, error) ??
    new NetworkError('DOWNLOAD_FAILED', `Could not download ${job.label} from ${url} after ${attempts} attempt(s): ${error instanceof Error ? error.message : String(error)} (${hint})`, {
      cause: error,
      details: { file: job.label, url, attempts, ...(typeof status === 'number' && { status }) },
    })
  );
}

/** A failure of the local disk (it names a path) is not a network failure: say so, with the path. */
export function localIoError(job: DownloadJob, error: unknown): UpgradeError | undefined {
  const local = error instanceof Error && !(error instanceof UpgradeError) ? (error as NodeJS.ErrnoException).path : undefined;
  if (typeof local !== 'string') return undefined;
  return new UpgradeError('IO_FAILED', `Could not write ${job.label} at ${local}: ${(error as Error).message} (check free space and permissions)`, {
    cause: error,
    details: { file: job.label, url: redactUrl(job.url), path: local },
  });
}
