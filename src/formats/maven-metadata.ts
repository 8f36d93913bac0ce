// maven-metadata.xml: which release the server offers. The latest is the first <version> under
// metadata/versioning/versions (MOSIP's rule), not Maven's <latest> element.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FormatError, redactUrl } from '../errors.js';
import { isPlainVersion } from './version.js';

/** What a maven-metadata.xml says; versions in document order, the latest first. */
export interface MavenMetadata {
  groupId?: string;
  artifactId?: string;
  /** Every listed version in document order. */
  versions: string[];
  /** The first listed version: the one the server offers. */
  latest: string;
  /** yyyyMMddHHmmss in UTC, as Maven writes it. */
  lastUpdated?: string;
}

// Rejected before parsing: a DTD could declare entities (XXE, billion laughs).
const DTD = /<!DOCTYPE|<!ENTITY/i;
/** Longest maven-metadata.xml read (characters): thousands of versions fit in far less. */
export const MAX_METADATA_CHARS = 1024 * 1024;

/** Reads maven-metadata.xml; throws FormatError METADATA_DOCTYPE or METADATA_MALFORMED. */
export function parseMavenMetadata(text: string, source?: string): MavenMetadata {
  const shownSource = source === undefined ? null : redactUrl(source);
  const where = shownSource === null ? '' : ` ${shownSource}`;
  const malformed = (what: string): FormatError =>
    new FormatError('METADATA_MALFORMED', `Malformed maven-metadata.xml${where}: ${what}`, { details: { source: shownSource } });
  if (DTD.test(text)) {
    throw new FormatError('METADATA_DOCTYPE', `Refused maven-metadata.xml${where}: it declares a DOCTYPE or ENTITY`, {
      details: { source: shownSource },
    });
  }
  // A real one is a few kilobytes; a huge document is refused before it costs memory and time.
  if (text.length > MAX_METADATA_CHARS) throw malformed(`${text.length} characters long, over the limit of ${MAX_METADATA_CHARS}`);
  const validation = XMLValidator.validate(text);
  if (validation !== true) throw malformed(`${validation.err.msg} (line ${validation.err.line})`);
  let document: unknown;
  try {
    document = new XMLParser({
      ignoreAttributes: true,
      ignoreDeclaration: true,
      ignorePiTags: true,
      parseTagValue: false, // "1.10" must stay a string, not become the number 1.1
      trimValues: true,
    }).parse(text);
  } catch (cause) {
    // The parser's own limits (nesting depth…) are bad data like any other.
    throw malformed(cause instanceof Error ? cause.message : String(cause));
  }
  const metadata = child(document, 'metadata');
  if (metadata === undefined) throw malformed('no <metadata> root element');
  const listed = child(child(child(metadata, 'versioning'), 'versions'), 'version');
  const versions = (Array.isArray(listed) ? listed : listed === undefined ? [] : [listed]).map((version) => {
    if (typeof version !== 'string' || !isPlainVersion(version)) {
      throw malformed(`<version> ${JSON.stringify(version)} is not a plain version such as 1.2.0.1`);
    }
    return version;
  });
  const [latest] = versions;
  if (latest === undefined) throw malformed('no metadata/versioning/versions/version');
  const result: MavenMetadata = { versions, latest };
  const groupId = childText(metadata, 'groupId');
  const artifactId = childText(metadata, 'artifactId');
  const lastUpdated = childText(child(metadata, 'versioning'), 'lastUpdated');
  if (groupId !== undefined) result.groupId = groupId;
  if (artifactId !== undefined) result.artifactId = artifactId;
  if (lastUpdated !== undefined) result.lastUpdated = lastUpdated;
  return result;
}

/** Writes maven-metadata.xml in MOSIP's shape; `latest` is written as the first version. */
export function serializeMavenMetadata(meta: MavenMetadata): string {
  const versions = [meta.latest, ...meta.versions.filter((version) => version !== meta.latest)];
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<metadata>'];
  if (meta.groupId !== undefined) lines.push(`  <groupId>${escapeXml(meta.groupId)}</groupId>`);
  if (meta.artifactId !== undefined) lines.push(`  <artifactId>${escapeXml(meta.artifactId)}</artifactId>`);
  lines.push('  <versioning>', '    <versions>');
  for (const version of versions) lines.push(`      <version>${escapeXml(version)}</version>`);
  lines.push('    </versions>');
  if (meta.lastUpdated !== undefined) lines.push(`    <lastUpdated>${escapeXml(meta.lastUpdated)}</lastUpdated>`);
  lines.push('  </versioning>', '</metadata>', '');
  return lines.join('\n');
}

/** Metadata after publishing `version`: it first, the others kept after it once each, stamped `now`. */
export function withVersionFirst(
  meta: MavenMetadata | undefined,
  version: string,
  now: Date,
  ids?: { groupId: string; artifactId: string },
): MavenMetadata {
  if (!isPlainVersion(version)) {
    throw new FormatError('INVALID_VERSION', `Invalid release version ${JSON.stringify(version)}: expected dotted numbers such as 1.2.0.2`, {
      details: { version },
    });
  }
  const versions = [...new Set([version, ...(meta?.versions ?? [])])];
  const result: MavenMetadata = { versions, latest: version, lastUpdated: formatLastUpdated(now) };
  const groupId = ids?.groupId ?? meta?.groupId;
  const artifactId = ids?.artifactId ?? meta?.artifactId;
  if (groupId !== undefined) result.groupId = groupId;
  if (artifactId !== undefined) result.artifactId = artifactId;
  return result;
}

/** A date as Maven's lastUpdated: yyyyMMddHHmmss in UTC. */
export function formatLastUpdated(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('formatLastUpdated needs a valid Date');
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** A child element of a parsed node, or undefined when the node is not an element or has none. */
function child(node: unknown, name: string): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  return Object.hasOwn(node, name) ? (node as Record<string, unknown>)[name] : undefined;
}

/** The text of a child element that holds only text (the first one if repeated). */
function childText(node: unknown, name: string): string | undefined {
  const value = child(node, name);
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
