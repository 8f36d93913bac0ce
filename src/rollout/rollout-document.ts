// The rollout document (DESIGN §13): `registration-client/rollout.json` beside maven-metadata.xml,
// `{version, percent, paused, channels, serial}`. Read strictly — a document this reader does not
// fully understand is malformed, and a malformed document offers nothing (the fail-safe rule).
import { FormatError } from '../errors.js';

/** File name of the rollout document in the server's `registration-client/` folder. */
export const ROLLOUT_FILE = 'rollout.json';

/** A document is far smaller than this; a bigger body is not a rollout document. */
export const MAX_ROLLOUT_BYTES = 64 * 1024;

/** One release's staged rollout, as the release engineer (or the fleet service) wrote it. */
export interface RolloutDocument {
  /** The version this rollout governs; any other announced version is not offered. */
  version: string;
  /** Share of stations offered the version, 0–100. */
  percent: number;
  /** A paused rollout offers the version to no further station. */
  paused: boolean;
  /** Channel name (`reg.upgrader.channel`) → its share, when higher than `percent`. */
  channels: Record<string, number>;
  /** Only grows: a station ignores a document older than the highest it has seen. */
  serial: number;
  /** Why it was paused (the fleet service's rule, or a person's words); empty when not said. */
  reason?: string;
}

const KEYS = new Set(['version', 'percent', 'paused', 'channels', 'serial', 'reason']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function isPercent(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100;
}

/** Parses the exact bytes of a rollout document; anything unexpected → FormatError ROLLOUT_MALFORMED. */
export function parseRolloutDocument(bytes: Uint8Array, source: string): RolloutDocument {
  const malformed = (why: string): FormatError =>
    new FormatError('ROLLOUT_MALFORMED', `${source} is not a valid rollout document: ${why}`, { details: { file: source } });
  if (bytes.byteLength > MAX_ROLLOUT_BYTES) throw malformed(`${bytes.byteLength} bytes, more than ${MAX_ROLLOUT_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw malformed(`not UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('expected a JSON object');
  const doc = value as Record<string, unknown>;
  const unknown = Object.keys(doc).filter((key) => !KEYS.has(key));
  if (unknown.length > 0) throw malformed(`unknown key(s) ${unknown.join(', ')}`);
  const { version, percent, paused = false, channels = {}, serial, reason } = doc;
  if (typeof version !== 'string' || !NAME.test(version)) throw malformed('"version" must be a version string such as 1.2.0.2');
  if (!isPercent(percent)) throw malformed('"percent" must be a number from 0 to 100');
  if (typeof paused !== 'boolean') throw malformed('"paused" must be true or false');
  if (typeof serial !== 'number' || !Number.isSafeInteger(serial) || serial < 0) throw malformed('"serial" must be a whole number ≥ 0');
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 1000)) throw malformed('"reason" must be a string of at most 1000 characters');
  if (typeof channels !== 'object' || channels === null || Array.isArray(channels)) throw malformed('"channels" must be an object {"name": percent}');
  const shares: Record<string, number> = {};
  for (const [name, share] of Object.entries(channels)) {
    if (!NAME.test(name)) throw malformed(`channel name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-'`);
    if (!isPercent(share)) throw malformed(`channel "${name}" must have a share from 0 to 100`);
    shares[name] = share;
  }
  return { version, percent, paused, channels: shares, serial, ...(reason === undefined ? {} : { reason }) };
}

/** The bytes written to the server (and signed): stable key order, one trailing newline. */
export function serializeRolloutDocument(doc: RolloutDocument): Buffer {
  const ordered = {
    version: doc.version,
    percent: doc.percent,
    paused: doc.paused,
    channels: doc.channels,
    serial: doc.serial,
    ...(doc.reason === undefined ? {} : { reason: doc.reason }),
  };
  return Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8');
}
