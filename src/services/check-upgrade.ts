// Reads maven-metadata.xml and compares its latest version with the installed one. A server that
// cannot be read here is a warning (the client still starts); malformed metadata is bad data (65).
import type { Got } from 'got';
import { parseMavenMetadata } from '../formats/maven-metadata.js';
import { compareVersions, parseVersionMappings, VERSION_MAPPINGS_KEY } from '../formats/version.js';
import type { CheckUpgradeOutput } from '../machines/station-services.js';
import { fetchBytes } from './fetch-resource.js';
import type { Logger } from './logger.js';

/** Fetches the metadata and compares versions (releaseOrder from the mappings first). */
export async function checkUpgrade(
  deps: { client: Got; metadataUrl: string; versionMappings: string; logger: Logger; signal?: AbortSignal },
  installedVersion: string,
  allowDowngrade: boolean,
): Promise<CheckUpgradeOutput> {
  let text: string;
  try {
    const { body } = await fetchBytes(deps.client, deps.metadataUrl, deps.signal === undefined ? {} : { signal: deps.signal });
    text = body.toString('utf8');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.logger.warn(`could not read ${deps.metadataUrl}: ${message}`);
    return { latestVersion: null, comparison: 0, warning: `upgrade check skipped: ${message}` };
  }
  const metadata = parseMavenMetadata(text, deps.metadataUrl);
  const mappings = deps.versionMappings === '' ? undefined : parseVersionMappings(deps.versionMappings, VERSION_MAPPINGS_KEY);
  const comparison = compareVersions(metadata.latest, installedVersion, mappings);
  deps.logger.info(`maven-metadata.xml announces ${metadata.latest}; installed ${installedVersion}`);
  if (comparison < 0 && !allowDowngrade) {
    const warning = `the server announces ${metadata.latest}, older than the installed ${installedVersion}: not offered`;
    deps.logger.warn(warning);
    return { latestVersion: metadata.latest, comparison, warning };
  }
  return { latestVersion: metadata.latest, comparison };
}
