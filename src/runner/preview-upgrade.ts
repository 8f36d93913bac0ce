// What `upgrade` will do, read before the operator is asked: the version it will install, how much
// it downloads and where the backup goes. Only words the question — nothing is trusted from it:
// the run itself fetches, verifies (and checks signatures) again. Any failure means "unknown".
import path from 'node:path';
import type { Got } from 'got';
import { loadConfig } from '../config/load-config.js';
import { parseManifest } from '../formats/manifest.js';
import { parseMavenMetadata } from '../formats/maven-metadata.js';
import { compareVersions, parseVersionMappings } from '../formats/version.js';
import { fetchBytes } from '../services/fetch-resource.js';
import { createHttpClient } from '../services/http-client.js';
import { readLocalManifest } from '../services/local-manifest.js';

/** The facts the upgrade prompt states. */
export interface UpgradePreview {
  installedVersion: string;
  /** The version the server announces and `upgrade` would install; null when none is newer. */
  targetVersion: string | null;
  /** Files of the new release not already on the station (by name and SHA-256). */
  filesToFetch: number;
  /** Their total size from the server (HEAD), null when the server did not say. */
  downloadBytes: number | null;
  /** Where the backup folder is made. */
  backupRoot: string;
}

const HEAD_CONCURRENCY = 8;

/** Reads the announced version, its manifest and its files' sizes; undefined when any of it cannot be read. */
export async function previewUpgrade(clientDir: string, flags: Record<string, unknown>, env: Record<string, string | undefined>): Promise<UpgradePreview | undefined> {
  try {
    const config = await loadConfig({ clientDir, flags, env });
    if (config.serverUrl === undefined || config.metadataUrl === undefined) return undefined;
    const local = (await readLocalManifest(config.clientDir)).manifest;
    const client = createHttpClient({
      connectTimeoutMs: config.connectTimeoutMs,
      readTimeoutMs: config.readTimeoutMs,
      retry: { retries: 0, baseDelayMs: 100, maxDelayMs: 100 },
      env,
    });
    const metadata = parseMavenMetadata((await fetchBytes(client, config.metadataUrl)).body.toString('utf8'), config.metadataUrl);
    const mappings = config.versionMappings === '' ? undefined : parseVersionMappings(config.versionMappings);
    const order = compareVersions(metadata.latest, local.version, mappings);
    const base = { installedVersion: local.version, backupRoot: config.backupRoot };
    if (order === 0 || (order < 0 && !config.allowDowngrade)) return { ...base, targetVersion: null, filesToFetch: 0, downloadBytes: 0 };
    const releaseUrl = `${config.serverUrl}${encodeURIComponent(metadata.latest)}/`;
    const manifest = parseManifest((await fetchBytes(client, `${releaseUrl}MANIFEST.MF`)).body);
    const have = new Set(local.entries.map((entry) => `${entry.name}\n${entry.hash}`));
    const fetch = manifest.entries.filter((entry) => !have.has(`${entry.name}\n${entry.hash}`));
    const sizes = await headSizes(client, fetch.map((entry) => `${releaseUrl}lib/${entry.name.split('/').map(encodeURIComponent).join('/')}`));
    return { ...base, targetVersion: metadata.latest, filesToFetch: fetch.length, downloadBytes: sizes };
  } catch {
    return undefined;
  }
}

async function headSizes(client: Got, urls: string[]): Promise<number | null> {
  let total = 0;
  let known = true;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < urls.length) {
      const url = urls[next++] ?? '';
      const response = await client.head(url, { throwHttpErrors: false }).catch(() => undefined);
      const length = Number(response?.headers['content-length']);
      if (response?.statusCode === 200 && Number.isFinite(length)) total += length;
      else known = false;
    }
  };
  await Promise.all(Array.from({ length: Math.min(HEAD_CONCURRENCY, urls.length) }, worker));
  return known ? total : null;
}

/** The lines of the upgrade question: facts first, then what to keep in mind. */
export function describeUpgrade(preview: UpgradePreview, formatBytes: (bytes: number) => string): string[] {
  const target = preview.targetVersion ?? '?';
  const size = preview.downloadBytes === null ? `${preview.filesToFetch} file(s), size unknown` : `${formatBytes(preview.downloadBytes)} in ${preview.filesToFetch} file(s)`;
  return [
    `This upgrades the station from ${preview.installedVersion} to ${target}:`,
    `  1. backup: lib/, bin/ and MANIFEST.MF are copied to ${path.join(preview.backupRoot, `${preview.installedVersion}_<date time>Z`)}`,
    `     (the database is added to it at the next start, right before it changes)`,
    `  2. download: ${size}, verified and staged; lib/ does not change yet`,
    `  3. the next start of the client applies ${target} and upgrades the database`,
    `Keep this computer on and connected until this command ends; a cut is resumed by running it again.`,
  ];
}
