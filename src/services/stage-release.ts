// The `downloading` step: fetch the new release's manifest (exact bytes) and every new or changed
// file into .upgrade/staging/upgrade/<version>/, each verified; `staged.json` is written last.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Got } from 'got';
import { FormatError, noteBytesFetched, redactUrl } from '../errors.js';
import { parseManifest } from '../formats/manifest.js';
import type { StageOutput, UpgradeStepInput } from '../machines/station-services.js';
import { writeFileAtomic } from './atomic-file.js';
import { describeLimit } from './adaptive-concurrency.js';
import { deltaDownload } from './delta/local-sources.js';
import { downloadAll, type ByteMeter, type DownloadProgress } from './download.js';
import type { DownloadLimits } from './download-limits.js';
import { assertNoSymlinkedFolders, resolveInLib } from './lib-paths.js';
import { readLocalManifest } from './local-manifest.js';
import type { Logger } from './logger.js';
import { fetchSignedManifest, storeReceivedManifest, type TrustedKey } from './manifest-signature.js';
import { releaseFileUrl, withSize } from './patch-lib.js';
import { filesToStage, planApply } from './plan-apply.js';
import type { RetryPolicy } from './retry-delay.js';
import { releaseManifestUrl } from './sync-manifest.js';

/** Marker of a complete staging: the release it holds. */
export interface StagedMarker {
  cycleId: string;
  version: string;
  files: string[];
}

/** Folder holding a staged release. */
export function stagedReleaseDir(upgradeDir: string, version: string): string {
  return path.join(upgradeDir, 'staging', 'upgrade', version);
}

/** Reads the staging marker, if staging is complete. */
export async function readStagedMarker(dir: string): Promise<StagedMarker | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'staged.json'), 'utf8')) as StagedMarker;
  } catch {
    return null;
  }
}

/** What staging needs. */
export interface StageDeps {
  client: Got;
  serverUrl: string;
  clientDir: string;
  upgradeDir: string;
  /** Files at once: a number, or `auto` (adapts to the link). */
  concurrency: number | 'auto';
  retry: RetryPolicy;
  logger: Logger;
  /** With a key, the new manifest must carry a valid MANIFEST.MF.sig (DESIGN §10). */
  trusted?: TrustedKey;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Never assemble files from local copies and ranges (DESIGN §13); default false. */
  wholeFiles?: boolean;
  /** Size limit, free-space reserve and per-file deadline of every download. */
  limits?: DownloadLimits;
}

/** Downloads and verifies the new release into staging; idempotent and resumable. A failure notes the bytes it had fetched. */
export async function stageRelease(deps: StageDeps, input: UpgradeStepInput): Promise<StageOutput> {
  const meter: ByteMeter = { fetched: 0 };
  try {
    return await stageWith(meter, deps, input);
  } catch (error) {
    throw noteBytesFetched(error, meter.fetched);
  }
}

async function stageWith(meter: ByteMeter, deps: StageDeps, input: UpgradeStepInput): Promise<StageOutput> {
  const dir = stagedReleaseDir(deps.upgradeDir, input.targetVersion);
  const marker = await readStagedMarker(dir);
  if (marker !== null && marker.cycleId === input.cycleId && marker.version === input.targetVersion) {
    return { fileCount: marker.files.length, changed: marker.files.length, bytesFetched: 0 };
  }
  await fs.rm(path.join(dir, 'staged.json'), { force: true });
  const url = releaseManifestUrl(deps.serverUrl, input.targetVersion);
  // Verified before it is parsed, and before any file of the release is fetched.
  const received = await fetchSignedManifest(deps.client, url, deps.trusted, deps.signal);
  if (received.signature !== null) deps.logger.info(`signature of the ${input.targetVersion} manifest verified with ${deps.trusted?.file ?? ''}`);
  const next = parseManifest(received.body, url);
  if (next.version !== input.targetVersion) {
    // Installed, it would become the station's version: every later launch would ask for a release that does not exist.
    throw new FormatError('MANIFEST_MALFORMED', `${redactUrl(url)} names version ${JSON.stringify(next.version)}, not the announced ${input.targetVersion}: the release on the server is wrong; nothing was staged`, {
      details: { source: redactUrl(url), version: next.version, announced: input.targetVersion },
    });
  }
  const installed = (await readLocalManifest(deps.clientDir)).manifest;
  const plan = planApply(installed, next);
  const wanted = filesToStage(plan);
  const libDir = path.join(dir, 'lib');
  const jobs = [];
  const sizes = new Map(next.entries.map((entry) => [entry.name, entry.size]));
  for (const { name, hash } of wanted) {
    const finalPath = resolveInLib(libDir, name);
    await assertNoSymlinkedFolders(deps.upgradeDir, finalPath); // no symlinked folder in staging leads a write outside
    jobs.push({ url: releaseFileUrl(deps.serverUrl, input.targetVersion, name), partPath: `${finalPath}.part`, finalPath, expectedSha256: hash, ...withSize(sizes.get(name)), label: name });
  }
  deps.logger.info(`staging ${input.targetVersion}: ${jobs.length} new or changed file(s) of ${next.entries.length}`);
  const results = await downloadAll(deps.client, jobs, {
    meter,
    concurrency: deps.concurrency,
    onConcurrency: (limit, reason) => deps.logger.info(`staging: ${describeLimit(limit, reason)}`, { concurrency: limit, reason }),
    retry: deps.retry,
    onProgress: deps.onProgress,
    signal: deps.signal,
    ...(deps.limits === undefined ? {} : { limits: deps.limits }),
    onFileDone: (result) => deps.logger.info(`staged ${result.label}`, { bytes: result.bytesFetched, reused: result.bytesReused ?? 0 }),
    download: deltaDownload({ serverUrl: deps.serverUrl, manifest: next, libDir: path.join(deps.clientDir, 'lib'), wholeFiles: deps.wholeFiles ?? false, logger: deps.logger }),
  });
  // The exact bytes received, never re-serialised, with their signature: what was verified is what gets installed.
  await storeReceivedManifest(path.join(dir, 'MANIFEST.MF'), received);
  const done: StagedMarker = { cycleId: input.cycleId, version: input.targetVersion, files: wanted.map((f) => f.name) };
  await writeFileAtomic(path.join(dir, 'staged.json'), JSON.stringify(done));
  return {
    fileCount: next.entries.length,
    changed: wanted.length,
    bytesFetched: results.reduce((sum, result) => sum + result.bytesFetched, 0),
    bytesReused: results.reduce((sum, result) => sum + (result.bytesReused ?? 0), 0),
  };
}
