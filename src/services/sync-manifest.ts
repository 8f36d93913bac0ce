// Fetches the installed version's manifest from the server; when it names the same version it
// replaces the local one (MOSIP's rule: a hotfix republished under the same version).
import type { Got } from 'got';
import { parseManifest } from '../formats/manifest.js';
import type { ManifestSyncOutput } from '../machines/station-services.js';
import { writeFileAtomic } from './atomic-file.js';
import { fetchBytes } from './fetch-resource.js';
import { readLocalManifest } from './local-manifest.js';
import type { Logger } from './logger.js';

/** URL of a release's MANIFEST.MF. */
export function releaseManifestUrl(serverUrl: string, version: string): string {
  return new URL(`${encodeURIComponent(version)}/MANIFEST.MF`, serverUrl).toString();
}

/** Syncs the local manifest with the server's copy of the installed version. */
export async function syncManifest(
  deps: { client: Got; serverUrl: string; clientDir: string; logger: Logger; signal?: AbortSignal },
  installedVersion: string,
): Promise<ManifestSyncOutput> {
  const url = releaseManifestUrl(deps.serverUrl, installedVersion);
  const { body } = await fetchBytes(deps.client, url, deps.signal === undefined ? {} : { signal: deps.signal });
  const remote = parseManifest(body, url);
  if (remote.version !== installedVersion) {
    deps.logger.warn(`the server's ${url} names version ${remote.version}, not ${installedVersion}: keeping the local manifest`);
    return { serverVersion: remote.version, replacedLocal: false, fileCount: remote.entries.length };
  }
  const local = await readLocalManifest(deps.clientDir);
  if (local.bytes.equals(body)) {
    return { serverVersion: remote.version, replacedLocal: false, fileCount: remote.entries.length };
  }
  // The exact bytes received are kept (never re-serialised), so a signature over them stays checkable.
  await writeFileAtomic(local.path, body);
  deps.logger.info(`replaced the local MANIFEST.MF with the server's copy of ${installedVersion} (hotfix)`, { url });
  return { serverVersion: remote.version, replacedLocal: true, fileCount: remote.entries.length };
}
