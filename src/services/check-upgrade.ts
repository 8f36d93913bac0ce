// Reads maven-metadata.xml and compares its latest version with the installed one. A server that
// cannot be read here is a warning (the client still starts); malformed metadata is bad data (65).
// The highest version ever announced is remembered: a server that later announces an older
// "latest" is reported (a freeze or rollback attack replays old, validly signed metadata).
import type { Got } from 'got';
import { redactUrl } from '../errors.js';
import { parseMavenMetadata } from '../formats/maven-metadata.js';
import { compareVersions, parseVersionMappings, VERSION_MAPPINGS_KEY, type VersionMappings } from '../formats/version.js';
import type { CheckUpgradeOutput } from '../machines/station-services.js';
import { checkRollout, type CheckRolloutDeps } from './check-rollout.js';
import { fetchBytes } from './fetch-resource.js';
import type { Logger } from './logger.js';

/** Where the highest announced version is kept between runs (the state store's key-value table). */
export interface LatestSeenMemory {
  get(): Promise<string | undefined>;
  set(version: string): Promise<void>;
}

/** What the upgrade check needs. */
export interface CheckUpgradeDeps {
  client: Got;
  metadataUrl: string;
  versionMappings: string;
  logger: Logger;
  /** Remembers the highest version announced so far; absent = no freeze detection. */
  latestSeen?: LatestSeenMemory;
  /** The station's place in a staged rollout (rollout.json beside the metadata); absent = no rollout check. */
  rollout?: Pick<CheckRolloutDeps, 'stationId' | 'channel' | 'trusted' | 'serials'>;
  signal?: AbortSignal;
}

/** Fetches the metadata and compares versions (releaseOrder from the mappings first). */
export async function checkUpgrade(deps: CheckUpgradeDeps, installedVersion: string, allowDowngrade: boolean): Promise<CheckUpgradeOutput> {
  const shownUrl = redactUrl(deps.metadataUrl);
  let text: string;
  try {
    const { body } = await fetchBytes(deps.client, deps.metadataUrl, deps.signal === undefined ? {} : { signal: deps.signal });
    text = body.toString('utf8');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.logger.warn(`could not read ${shownUrl}: ${message}`);
    return { latestVersion: null, comparison: 0, warning: `upgrade check skipped: ${message}` };
  }
  const metadata = parseMavenMetadata(text, deps.metadataUrl);
  const mappings = deps.versionMappings === '' ? undefined : parseVersionMappings(deps.versionMappings, VERSION_MAPPINGS_KEY);
  const comparison = compareVersions(metadata.latest, installedVersion, mappings);
  deps.logger.info(`maven-metadata.xml announces ${metadata.latest}; installed ${installedVersion}`);
  const warnings: string[] = [];
  const freeze = await checkFreeze(deps, metadata.latest, mappings);
  if (freeze !== undefined) warnings.push(freeze);
  if (comparison < 0) {
    const warning = allowDowngrade
      ? `the server announces ${metadata.latest}, older than the installed ${installedVersion}: offered because downgrades are allowed`
      : `the server announces ${metadata.latest}, older than the installed ${installedVersion}: not offered`;
    deps.logger.warn(warning);
    warnings.push(warning);
  }
  const output: CheckUpgradeOutput = { latestVersion: metadata.latest, comparison };
  // The rollout is read only when a version would be offered: an up-to-date station makes no extra request.
  if (deps.rollout !== undefined && (comparison > 0 || (comparison < 0 && allowDowngrade))) {
    const decision = await checkRollout({ ...deps.rollout, client: deps.client, metadataUrl: deps.metadataUrl, logger: deps.logger, signal: deps.signal }, metadata.latest);
    if (decision.rollout !== null) output.rollout = decision.rollout;
    if (decision.warning !== undefined) warnings.push(decision.warning);
  }
  return warnings.length === 0 ? output : { ...output, warning: warnings.join('; ') };
}

/** Compares the announced latest with the highest one seen before; remembers a higher one. */
async function checkFreeze(deps: CheckUpgradeDeps, latest: string, mappings: VersionMappings | undefined): Promise<string | undefined> {
  if (deps.latestSeen === undefined) return undefined;
  const previous = await deps.latestSeen.get();
  if (previous !== undefined && compareVersions(latest, previous, mappings) < 0) {
    const warning = `the server now announces ${latest} as its latest version, older than ${previous} it announced before: possible freeze or rollback attack (or a withdrawn release) — check the upgrade server`;
    deps.logger.warn(warning, { announced: latest, previouslySeen: previous });
    return warning;
  }
  if (previous !== latest) await deps.latestSeen.set(latest);
  return undefined;
}
