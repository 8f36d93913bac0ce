// Fetches the installed version's manifest from the server; when it names the same version it
// replaces the local one (MOSIP's rule: a hotfix republished under the same version). With a
// public key, the exact bytes are verified against MANIFEST.MF.sig before they are parsed.
import { promises as fs } from 'node:fs';
import type { Got } from 'got';
import { redactUrl } from '../errors.js';
import { parseManifest } from '../formats/manifest.js';
import type { ManifestSyncOutput } from '../machines/station-services.js';
import { readLocalManifest } from './local-manifest.js';
import type { Logger } from './logger.js';
import { fetchSignedManifest, signaturePathOf, storeReceivedManifest, storeSignature, type TrustedKey } from './manifest-signature.js';

/** URL of a release's MANIFEST.MF. */
export function releaseManifestUrl(serverUrl: string, version: string): string {
  return new URL(`${encodeURIComponent(version)}/MANIFEST.MF`, serverUrl).toString();
}

/** What syncing the manifest needs; `trusted` absent = hashes only, as MOSIP 1.2. */
export interface SyncManifestDeps {
  client: Got;
  serverUrl: string;
  clientDir: string;
  logger: Logger;
  trusted?: TrustedKey;
  signal?: AbortSignal;
}

/** Syncs the local manifest (and its signature) with the server's copy of the installed version. */
export async function syncManifest(deps: SyncManifestDeps, installedVersion: string): Promise<ManifestSyncOutput> {
  const url = releaseManifestUrl(deps.serverUrl, installedVersion);
  const received = await fetchSignedManifest(deps.client, url, deps.trusted, deps.signal);
  if (received.signature !== null) deps.logger.info(`signature of ${redactUrl(url)} verified with ${deps.trusted?.file ?? ''}`);
  const remote = parseManifest(received.body, url);
  if (remote.version !== installedVersion) {
    deps.logger.warn(`the server's ${redactUrl(url)} names version ${remote.version}, not ${installedVersion}: keeping the local manifest`);
    return { serverVersion: remote.version, replacedLocal: false, fileCount: remote.entries.length };
  }
  const local = await readLocalManifest(deps.clientDir);
  if (local.bytes.equals(received.body)) {
    // Same bytes: only the signature beside them may be new (a key configured since the last run).
    if (received.signature !== null && !(await sameFile(signaturePathOf(local.path), received.signature))) {
      await storeSignature(local.path, received.signature);
      deps.logger.info(`stored the verified signature of ${installedVersion} beside MANIFEST.MF`);
    }
    return { serverVersion: remote.version, replacedLocal: false, fileCount: remote.entries.length };
  }
  // The exact bytes received are kept (never re-serialised), so the signature over them stays checkable.
  await storeReceivedManifest(local.path, received);
  deps.logger.info(`replaced the local MANIFEST.MF with the server's copy of ${installedVersion} (hotfix)`, { url: redactUrl(url) });
  return { serverVersion: remote.version, replacedLocal: true, fileCount: remote.entries.length };
}

async function sameFile(file: string, bytes: Buffer): Promise<boolean> {
  return fs.readFile(file).then(
    (existing) => existing.equals(bytes),
    () => false,
  );
}
