// Release versions as MOSIP writes them (1.1.5.5, 1.2.0.2-SNAPSHOT): dotted numbers, not semver,
// ordered by the version mappings where both versions are mapped.
import { FormatError } from '../errors.js';

/** One entry of the version mappings: which DB scripts a release needs and where it sits in order. */
export interface VersionMapping {
  /** Names the folder lib/sql/<dbVersion>/ holding that release's DB scripts. */
  dbVersion: string;
  /** Position of the release; orders versions before any numeric comparison. */
  releaseOrder: number;
  /** Comma-separated entities MOSIP fully re-syncs after upgrading to this release. */
  fullSyncEntities?: string;
}

/** Release version to its mapping. */
export type VersionMappings = Record<string, VersionMapping>;

/** The property holding the mappings as JSON (MOSIP's spelling, "verion"). */
export const VERSION_MAPPINGS_KEY = 'mosip.registration.verion.upgrade.version-mappings';

// `Manifest-Version: <version>` must fit one 72-byte line: Java never wraps that line.
const MAX_VERSION_LENGTH = 54;
// Dotted numbers, then an optional suffix of letters and digits in parts joined by - _ or .
const PLAIN_VERSION = /^\d+(?:\.\d+)*(?:[-_.]?[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*)?$/;
const LEADING_NUMBERS = /^(\d+(?:\.\d+)*)(.*)$/s;

/** True for a version safe in a URL path, a folder name and a manifest: 1.2.0.2, 1.2.0.2-SNAPSHOT, 0.1v; at most 54 characters. */
export function isPlainVersion(version: string): boolean {
  return version.length <= MAX_VERSION_LENGTH && PLAIN_VERSION.test(version);
}

/**
 * Orders two versions: by releaseOrder when both are mapped, else by the dotted numbers
 * (1.10 > 1.9, missing parts count as 0), a suffixed version before its plain release
 * (1.2.0.2-SNAPSHOT < 1.2.0.2). Returns -1, 0 or 1; never throws.
 */
export function compareVersions(a: string, b: string, mappings?: VersionMappings): number {
  const mappedA = mappings !== undefined && Object.hasOwn(mappings, a) ? mappings[a] : undefined;
  const mappedB = mappings !== undefined && Object.hasOwn(mappings, b) ? mappings[b] : undefined;
  if (mappedA !== undefined && mappedB !== undefined) return Math.sign(mappedA.releaseOrder - mappedB.releaseOrder);
  const left = splitVersion(a);
  const right = splitVersion(b);
  const length = Math.max(left.numbers.length, right.numbers.length);
  for (let index = 0; index < length; index += 1) {
    const order = compareDigits(left.numbers[index] ?? '0', right.numbers[index] ?? '0');
    if (order !== 0) return order;
  }
  if (left.suffix === right.suffix) return 0;
  if (left.suffix === '') return 1;
  if (right.suffix === '') return -1;
  return compareSuffixes(left.suffix, right.suffix);
}

/** Reads the mappings JSON; throws FormatError MAPPINGS_INVALID naming the key and the bad value. */
export function parseVersionMappings(json: string, key: string = VERSION_MAPPINGS_KEY): VersionMappings {
  const invalid = (what: string, value: unknown): FormatError =>
    new FormatError('MAPPINGS_INVALID', `Invalid ${key}: ${what}, got ${describe(value)}`, {
      details: { key, value: describe(value) },
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new FormatError('MAPPINGS_INVALID', `Invalid ${key}: not JSON (${String(cause)}), got ${describe(json)}`, {
      cause,
      details: { key, value: describe(json) },
    });
  }
  if (!isRecord(parsed)) throw invalid('expected a JSON object of version to {dbVersion, releaseOrder}', parsed);
  const orders = new Map<number, string>();
  const mappings = Object.entries(parsed).map(([version, entry]): [string, VersionMapping] => {
    if (!isPlainVersion(version)) throw invalid(`version ${JSON.stringify(version)} is not a plain version`, version);
    if (!isRecord(entry)) throw invalid(`entry ${version} must be an object with dbVersion and releaseOrder`, entry);
    const { dbVersion, releaseOrder, fullSyncEntities } = entry;
    if (typeof dbVersion !== 'string' || !isPlainVersion(dbVersion)) {
      throw invalid(`${version}.dbVersion must be a plain version string such as "1.2.0.1"`, dbVersion);
    }
    if (typeof releaseOrder !== 'number' || !Number.isSafeInteger(releaseOrder)) {
      throw invalid(`${version}.releaseOrder must be an integer`, releaseOrder);
    }
    const clash = orders.get(releaseOrder);
    if (clash !== undefined) throw invalid(`${version}.releaseOrder is the same as ${clash}.releaseOrder`, releaseOrder);
    orders.set(releaseOrder, version);
    if (fullSyncEntities !== undefined && typeof fullSyncEntities !== 'string') {
      throw invalid(`${version}.fullSyncEntities must be a string`, fullSyncEntities);
    }
    const mapping: VersionMapping =
      fullSyncEntities === undefined ? { dbVersion, releaseOrder } : { dbVersion, releaseOrder, fullSyncEntities };
    return [version, mapping];
  });
  assertNoFolderCycle(mappings, invalid);
  return Object.fromEntries(mappings);
}

/**
 * A release's database is at its own or an earlier release's schema: a dbVersion never names a later
 * mapped release, and a script folder once left behind is never returned to (its scripts would run
 * twice). Either would be a cycle in the upgrade path.
 */
function assertNoFolderCycle(mappings: Array<[string, VersionMapping]>, invalid: (what: string, value: unknown) => FormatError): void {
  const orderOf = new Map(mappings.map(([version, mapping]) => [version, mapping.releaseOrder]));
  const leftBehind = new Set<string>();
  let current: string | undefined;
  for (const [version, { dbVersion, releaseOrder }] of [...mappings].sort((a, b) => a[1].releaseOrder - b[1].releaseOrder)) {
    if ((orderOf.get(dbVersion) ?? releaseOrder) > releaseOrder) {
      throw invalid(`${version}.dbVersion names ${dbVersion}, a later release (a cycle in the upgrade path)`, dbVersion);
    }
    if (dbVersion === current) continue;
    if (leftBehind.has(dbVersion)) {
      throw invalid(`${version}.dbVersion returns to the script folder ${dbVersion} an earlier release left behind (its scripts would run twice)`, dbVersion);
    }
    if (current !== undefined) leftBehind.add(current);
    current = dbVersion;
  }
}

function splitVersion(version: string): { numbers: string[]; suffix: string } {
  const match = LEADING_NUMBERS.exec(version);
  if (match === null) return { numbers: [], suffix: version };
  const [, numbers = '', rest = ''] = match;
  return { numbers: numbers.split('.'), suffix: rest.replace(/^[-_.]/, '') };
}

/** Compares two strings of digits as numbers of any size. */
function compareDigits(a: string, b: string): number {
  const left = a.replace(/^0+(?=\d)/, '');
  const right = b.replace(/^0+(?=\d)/, '');
  if (left.length !== right.length) return Math.sign(left.length - right.length);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Suffixes compare run by run: digit runs as numbers, others by code unit ignoring case (rc2 < rc10). */
function compareSuffixes(a: string, b: string): number {
  const left = a.toUpperCase().match(/\d+|\D+/g) ?? [];
  const right = b.toUpperCase().match(/\d+|\D+/g) ?? [];
  for (let index = 0; index < Math.min(left.length, right.length); index += 1) {
    const x = left[index] ?? '';
    const y = right[index] ?? '';
    const order = /^\d/.test(x) && /^\d/.test(y) ? compareDigits(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (order !== 0) return order;
  }
  const byLength = Math.sign(left.length - right.length);
  if (byLength !== 0) return byLength;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short printable form of a bad value for messages and details. */
function describe(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'nothing' : JSON.stringify(value);
  } catch {
    text = `a ${Array.isArray(value) ? 'list' : typeof value} nested too deeply to show`; // JSON.stringify overflows the stack
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
