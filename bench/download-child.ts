// Runs the product's downloader (downloadAll: resumable, verified, fsync + rename) in its own
// process, configured as a station command configures it, so it can be timed against curl and
// SIGKILLed half-way. Usage: node download-child.js <jobs.json>; with "progress": true it prints
// `P <bytes on disk>` per chunk; it always ends with `DONE <json>`.
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { retryPolicy, SETTINGS } from '../src/config/settings.js';
import { downloadAll, type DownloadJob } from '../src/services/download.js';
import { createHttpClient } from '../src/services/http-client.js';

/** What the parent asks the child to download. */
export interface DownloadPlan {
  jobs: DownloadJob[];
  /** Files at once (a number or `auto`); default: the product's default (settings `concurrency`). */
  concurrency?: number | 'auto';
  progress?: boolean;
}

const began = performance.now();
const file = process.argv[2];
if (file === undefined) throw new Error('usage: download-child.js <jobs.json>');
const plan = JSON.parse(await readFile(file, 'utf8')) as DownloadPlan;
// The one retry policy of the product, with the default number of retries.
const retry = retryPolicy({ retries: SETTINGS.retries.default });
const client = createHttpClient({
  connectTimeoutMs: SETTINGS.connectTimeoutMs.default,
  readTimeoutMs: SETTINGS.readTimeoutMs.default,
  retry,
});
const results = await downloadAll(client, plan.jobs, {
  concurrency: plan.concurrency ?? SETTINGS.concurrency.default,
  retry,
  ...(plan.progress === true ? { onProgress: (p: { bytes: number }) => process.stdout.write(`P ${p.bytes}\n`) } : {}),
});
const bytesFetched = results.reduce((sum, r) => sum + r.bytesFetched, 0);
process.stdout.write(`DONE ${JSON.stringify({ files: results.length, bytesFetched, ms: performance.now() - began })}\n`);
