// Fetches `rollout.json` (and, with a public key, its `.sig`) beside maven-metadata.xml and decides
// whether this station is offered the announced version (DESIGN §13). The rules are pure, in
// src/rollout; here are the bytes, the station's highest serial seen, and the log.
import type { Got } from 'got';
import { NetworkError, redactUrl } from '../errors.js';
import { decideRollout, describeRollout, type ReceivedRollout, type RolloutDecision } from '../rollout/decide-rollout.js';
import { MAX_ROLLOUT_BYTES, ROLLOUT_FILE } from '../rollout/rollout-document.js';
import { fetchBytes } from './fetch-resource.js';
import type { Logger } from './logger.js';
import { isValidSignature, signaturePathOf, type TrustedKey } from './manifest-signature.js';

/** Where the highest serial of a trusted rollout document is kept between runs. */
export interface SerialMemory {
  get(): Promise<number | undefined>;
  set(serial: number): Promise<void>;
}

/** What the rollout check needs. */
export interface CheckRolloutDeps {
  client: Got;
  /** The maven-metadata.xml URL: rollout.json is read beside it. */
  metadataUrl: string;
  stationId: string;
  channel?: string | undefined;
  trusted?: TrustedKey | undefined;
  serials: SerialMemory;
  logger: Logger;
  signal?: AbortSignal | undefined;
}

/** The rollout document's URL: `rollout.json` in maven-metadata.xml's folder. */
export function rolloutUrlOf(metadataUrl: string): string {
  return new URL(ROLLOUT_FILE, metadataUrl).toString();
}

const MAX_SIGNATURE_BYTES = 64 * 1024;

/** GETs a resource; undefined on 404/410 (absent), other failures thrown. */
async function fetchOptional(client: Got, url: string, maxBytes: number, signal: AbortSignal | undefined): Promise<Buffer | undefined> {
  try {
    return (await fetchBytes(client, url, { maxBytes, ...(signal === undefined ? {} : { signal }) })).body;
  } catch (error) {
    const status = error instanceof NetworkError ? error.details['status'] : undefined;
    if (status === 404 || status === 410) return undefined;
    throw error;
  }
}

/** Decides whether `announcedVersion` is offered to this station; remembers a newer trusted serial. */
export async function checkRollout(deps: CheckRolloutDeps, announcedVersion: string): Promise<RolloutDecision> {
  const url = rolloutUrlOf(deps.metadataUrl);
  const source = redactUrl(url);
  let received: ReceivedRollout | null = null;
  let unreadable: string | undefined;
  try {
    const body = await fetchOptional(deps.client, url, MAX_ROLLOUT_BYTES, deps.signal);
    if (body !== undefined) {
      const signature = deps.trusted === undefined ? null : await fetchOptional(deps.client, signaturePathOf(url), MAX_SIGNATURE_BYTES, deps.signal);
      received = { body, signature: signature ?? null };
    }
  } catch (error) {
    unreadable = error instanceof Error ? error.message : String(error);
  }
  const trusted = deps.trusted;
  const decision = decideRollout({
    announcedVersion,
    stationId: deps.stationId,
    channel: deps.channel,
    received,
    unreadable,
    verifySignature: trusted === undefined ? undefined : (body, signature) => isValidSignature(body, signature, trusted.key),
    highestSerial: await deps.serials.get(),
    source,
  });
  if (decision.rememberSerial !== undefined) await deps.serials.set(decision.rememberSerial);
  if (decision.warning !== undefined) deps.logger.warn(decision.warning, { rollout: source });
  else if (decision.rollout !== null) deps.logger.info(describeRollout(decision.rollout), { rollout: source, serial: decision.rollout.serial });
  return decision;
}
