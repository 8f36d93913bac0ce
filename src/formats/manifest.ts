// MANIFEST.MF as java.util.jar.Manifest reads and writes it, with MOSIP's use of it: one section
// per file under lib/, its SHA-256 in Content-Type. Java's own bytes are the reference (see the
// Java compatibility tests); the reader is stricter than Java where Java would silently guess.
import { FormatError, redactUrl } from '../errors.js';
import { assertSafeManifestName } from './manifest-name.js';
import {
  MAX_LINE_BYTES,
  isContinuation,
  lineBreak,
  physicalLines,
  unwrappedLine,
  wrapLine,
  type PhysicalLine,
} from './manifest-lines.js';
import { isPlainVersion } from './version.js';

/** One named section: a file under lib/ and its hash. */
export interface ManifestEntry {
  /** Path relative to lib/, checked by assertSafeManifestName. */
  name: string;
  /** Uppercase hex SHA-256, taken from Content-Type. */
  hash: string;
  /** Size in bytes from the optional Content-Length attribute (written by publish; Java ignores it). */
  size?: number;
  /** Every attribute of the section in file order, Name and Content-Type included. */
  attributes: Array<[string, string]>;
}

/** A whole manifest: the release version, the main attributes and one entry per file. */
export interface Manifest {
  /** Value of Manifest-Version: the release version. */
  version: string;
  /** Main attributes in order, Manifest-Version included. */
  mainAttributes: Array<[string, string]>;
  entries: ManifestEntry[];
}

/** One attribute as read: the line it starts on is kept for error messages. */
interface Header {
  key: string;
  value: string;
  line: number;
}

const VERSION_KEY = 'Manifest-Version';
const NAME_KEY = 'Name';
const HASH_KEY = 'Content-Type';
const SIZE_KEY = 'Content-Length';
const DECIMAL_SIZE = /^\d{1,15}$/;
// Java's Attributes.Name: 1 to 70 characters of ASCII letters, digits, '-' and '_'.
const ATTRIBUTE_NAME = /^[A-Za-z0-9_-]{1,70}$/;
const SHA256_HEX = /^[0-9A-Fa-f]{64}$/;
const FORBIDDEN_IN_VALUE = /[\0\r\n]|\p{Cs}/u;
const COLON = 0x3a;
const SPACE = 0x20;

/** Reads MANIFEST.MF bytes (CRLF, LF or CR); throws FormatError MANIFEST_MALFORMED or MANIFEST_NAME_UNSAFE. */
export function parseManifest(input: Uint8Array | string, source?: string): Manifest {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (looksLikeHtml(bytes)) {
    throw malformed('this looks like an HTML page, not a MANIFEST.MF (a captive portal, a proxy error or a wrong server URL answered)', 1, source);
  }
  // Each section becomes an entry as soon as it is read: only the entries are kept (50 000 sections
  // are 200 000 lines). Errors keep their precedence — a broken line anywhere, then a NUL anywhere,
  // then the version, then the first bad section — so the first entry error waits for the end.
  let main: Header[] | undefined;
  let nul: Header | undefined;
  let entryError: { error: unknown } | undefined;
  const entries: ManifestEntry[] = [];
  const firstLineOf = new Map<string, number>();
  readSections(bytes, source, (section) => {
    // A NUL in a Name is an unsafe name (reported by readEntry); anywhere else the format is broken.
    nul ??= section.find((header) => header.value.includes('\0') && !sameKey(header.key, NAME_KEY));
    if (main === undefined) main = section;
    else if (entryError === undefined) {
      try {
        entries.push(readUniqueEntry(section, firstLineOf, source));
      } catch (error) {
        entryError = { error };
      }
    }
  });
  if (nul !== undefined) throw malformed(`value of ${nul.key} contains NUL`, nul.line, source);
  const version = readVersion(main ?? [], source);
  if (entryError !== undefined) throw entryError.error;
  return { version, mainAttributes: (main ?? []).map((header) => [header.key, header.value]), entries };
}

/** Writes a manifest byte for byte as java.util.jar.Manifest.write does (CRLF, 72-byte lines); FormatError if it cannot. */
export function serializeManifest(manifest: Manifest): Buffer {
  const versionLine = `${VERSION_KEY}: ${manifest.version}`;
  if (manifest.version === '' || FORBIDDEN_IN_VALUE.test(manifest.version)) {
    throw unwritable(`Manifest-Version ${JSON.stringify(manifest.version)} is empty or holds a line break, NUL or invalid Unicode`);
  }
  // Java writes this one line unwrapped; past 72 bytes no strict reader (ours included) takes it.
  if (Buffer.byteLength(versionLine) > MAX_LINE_BYTES) {
    throw unwritable(`Manifest-Version ${JSON.stringify(manifest.version)} is longer than ${MAX_LINE_BYTES - VERSION_KEY.length - 2} bytes`);
  }
  const others = manifest.mainAttributes.filter(([key]) => !sameKey(key, VERSION_KEY));
  const parts = [unwrappedLine(versionLine), ...writeSection(others), lineBreak()];
  const names = new Set<string>();
  for (const entry of manifest.entries) {
    assertSafeManifestName(entry.name);
    if (names.has(entry.name)) throw unwritable(`duplicate entry ${JSON.stringify(entry.name)}`);
    names.add(entry.name);
    parts.push(...writeSection(sectionAttributes(entry)), lineBreak());
  }
  return Buffer.concat(parts);
}

/** A manifest for a release: Manifest-Version only in the main section, entries sorted by name (`extra` attributes after Content-Length). */
export function createManifest(version: string, files: ReadonlyArray<{ name: string; hash: string; size?: number; extra?: Array<[string, string]> }>): Manifest {
  if (!isPlainVersion(version)) {
    throw new FormatError('INVALID_VERSION', `Invalid release version ${JSON.stringify(version)}: expected dotted numbers such as 1.2.0.2`, {
      details: { version },
    });
  }
  const entries = files.map(({ name, hash, size, extra = [] }): ManifestEntry => {
    assertSafeManifestName(name);
    if (!SHA256_HEX.test(hash)) throw unwritable(`hash of ${JSON.stringify(name)} is not a SHA-256 (64 hex digits)`);
    const upper = hash.toUpperCase();
    if (size === undefined) return { name, hash: upper, attributes: [[NAME_KEY, name], [HASH_KEY, upper], ...extra] };
    if (!Number.isSafeInteger(size) || size < 0) throw unwritable(`size of ${JSON.stringify(name)} is not a whole number of bytes`);
    return { name, hash: upper, size, attributes: [[NAME_KEY, name], [HASH_KEY, upper], [SIZE_KEY, String(size)], ...extra] };
  });
  // UTF-8 byte order: the same on every machine and locale, and what `LC_ALL=C sort` prints.
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8')));
  for (let index = 1; index < entries.length; index += 1) {
    const name = entries[index]?.name;
    if (name === entries[index - 1]?.name) throw unwritable(`duplicate entry ${JSON.stringify(name)}`);
  }
  return { version, mainAttributes: [[VERSION_KEY, version]], entries };
}

/** File name to uppercase SHA-256 for every entry of the manifest. */
export function manifestHashes(manifest: Manifest): Map<string, string> {
  return new Map(manifest.entries.map((entry) => [entry.name, entry.hash]));
}

/** Groups lines into sections of headers, handed over one by one; blank lines separate sections, the first is the main one. */
function readSections(bytes: Uint8Array, source: string | undefined, onSection: (section: Header[]) => void): void {
  let current: Header[] | undefined = [];
  let header: PhysicalLine[] = [];
  const finishHeader = (): void => {
    if (header.length > 0 && current !== undefined) current.push(toHeader(header, source));
    header = [];
  };
  const finishSection = (): void => {
    if (current !== undefined) onSection(current);
    current = undefined;
  };
  for (const line of physicalLines(bytes)) {
    if (line.bytes.length > MAX_LINE_BYTES) {
      throw malformed(`line is ${line.bytes.length} bytes long, over the limit of ${MAX_LINE_BYTES}`, line.line, source);
    }
    if (line.bytes.length === 0) {
      finishHeader();
      finishSection();
    } else if (isContinuation(line)) {
      if (header.length === 0) throw malformed('continuation line with no line before it', line.line, source);
      header.push(line);
    } else {
      finishHeader();
      current ??= [];
      header = [line];
    }
  }
  finishHeader();
  finishSection();
}

/** The Manifest-Version of the main section, which must not hold a Name. */
function readVersion(main: Header[], source: string | undefined): string {
  const versionHeader = main.find((header) => sameKey(header.key, VERSION_KEY));
  if (versionHeader === undefined) throw malformed('the main section has no Manifest-Version', 1, source);
  if (versionHeader.value === '') throw malformed('Manifest-Version is empty', versionHeader.line, source);
  const nameInMain = main.find((header) => sameKey(header.key, NAME_KEY));
  if (nameInMain !== undefined) {
    throw malformed('Name in the main section (a blank line must come before each section)', nameInMain.line, source);
  }
  return versionHeader.value;
}

/** A named section as an entry; its name must not have appeared before. */
function readUniqueEntry(section: Header[], firstLineOf: Map<string, number>, source: string | undefined): ManifestEntry {
  const entry = readEntry(section, source);
  const nameLine = section[0]?.line ?? 0;
  const earlier = firstLineOf.get(entry.name);
  if (earlier !== undefined) {
    throw malformed(`duplicate Name ${JSON.stringify(entry.name)} (first at line ${earlier})`, nameLine, source);
  }
  firstLineOf.set(entry.name, nameLine);
  return entry;
}

/** Joins a header line and its continuation lines (as bytes, as Java does) into one attribute. */
function toHeader(lines: PhysicalLine[], source: string | undefined): Header {
  const [first, ...continuations] = lines;
  if (first === undefined) throw new Error('toHeader needs at least one line');
  const colon = first.bytes.indexOf(COLON);
  if (colon < 1 || first.bytes[colon + 1] !== SPACE) throw malformed("expected 'Attribute-Name: value'", first.line, source);
  const key = decode(first.bytes.subarray(0, colon), first.line, source);
  if (!ATTRIBUTE_NAME.test(key)) {
    throw malformed(`invalid attribute name ${JSON.stringify(key)} (letters, digits, - and _, at most 70)`, first.line, source);
  }
  const rest = first.bytes.subarray(colon + 2);
  const valueBytes = continuations.length === 0 ? rest : Buffer.concat([rest, ...continuations.map((line) => line.bytes.subarray(1))]);
  return { key, value: decode(valueBytes, first.line, source), line: first.line };
}

/** Reads one named section: Name first, a valid Content-Type, no attribute twice. */
function readEntry(section: Header[], source: string | undefined): ManifestEntry {
  const [nameHeader] = section;
  if (nameHeader === undefined || !sameKey(nameHeader.key, NAME_KEY)) {
    throw malformed('section does not start with Name', nameHeader?.line ?? 0, source);
  }
  const seen = new Set<string>();
  for (const header of section) {
    const key = header.key.toLowerCase();
    if (seen.has(key)) throw malformed(`${header.key} appears twice in one section`, header.line, source);
    seen.add(key);
  }
  const name = nameHeader.value;
  assertSafeManifestName(name, source, nameHeader.line);
  const hashHeader = section.find((header) => sameKey(header.key, HASH_KEY));
  if (hashHeader === undefined) {
    throw malformed(`section ${JSON.stringify(name)} has no Content-Type (its SHA-256)`, nameHeader.line, source);
  }
  if (!SHA256_HEX.test(hashHeader.value)) {
    throw malformed(`Content-Type of ${JSON.stringify(name)} is not a SHA-256 (64 hex digits)`, hashHeader.line, source);
  }
  const hash = hashHeader.value.toUpperCase();
  const attributes = section.map((header): [string, string] => [header.key, header === hashHeader ? hash : header.value]);
  const sizeHeader = section.find((header) => sameKey(header.key, SIZE_KEY));
  if (sizeHeader === undefined) return { name, hash, attributes };
  if (!DECIMAL_SIZE.test(sizeHeader.value)) {
    throw malformed(`Content-Length of ${JSON.stringify(name)} is not a size in bytes (decimal digits)`, sizeHeader.line, source);
  }
  return { name, hash, size: Number(sizeHeader.value), attributes };
}

/** Attributes of an entry as written: Name first, Content-Type carrying the entry's hash. */
function sectionAttributes(entry: ManifestEntry): Array<[string, string]> {
  if (!SHA256_HEX.test(entry.hash)) throw unwritable(`hash of ${JSON.stringify(entry.name)} is not a SHA-256 (64 hex digits)`);
  const hash = entry.hash.toUpperCase();
  const others = entry.attributes
    .filter(([key]) => !sameKey(key, NAME_KEY))
    .map(([key, value]): [string, string] => [key, sameKey(key, HASH_KEY) ? hash : value]);
  const hasHash = others.some(([key]) => sameKey(key, HASH_KEY));
  return [[NAME_KEY, entry.name], ...(hasHash ? others : [[HASH_KEY, hash] as [string, string], ...others])];
}

/** Lines of one section; refuses what Java would write but no reader could read back. */
function writeSection(attributes: Array<[string, string]>): Buffer[] {
  const keys = new Set<string>();
  return attributes.map(([key, value]) => {
    if (!ATTRIBUTE_NAME.test(key)) throw unwritable(`invalid attribute name ${JSON.stringify(key)}`);
    if (keys.has(key.toLowerCase())) throw unwritable(`${key} appears twice in one section`);
    keys.add(key.toLowerCase());
    if (FORBIDDEN_IN_VALUE.test(value)) throw unwritable(`value of ${key} contains a line break, NUL or invalid Unicode`);
    return wrapLine(`${key}: ${value}`);
  });
}

/** A document that starts (after blanks) with `<!DOCTYPE html`, `<html` or `<?xml`…`<html`: what portals and proxies answer. */
function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 512)).toString('latin1').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || (head.startsWith('<') && head.includes('<html'));
}

/** Attribute names compare without regard to case, as in Java. */
function sameKey(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

// One decoder for every header: a fatal decoder is reset by each whole (non-streaming) decode.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decode(bytes: Uint8Array, line: number, source: string | undefined): string {
  try {
    return UTF8.decode(bytes);
  } catch (cause) {
    throw malformed('not valid UTF-8', line, source, cause);
  }
}

function malformed(what: string, line: number, source: string | undefined, cause?: unknown): FormatError {
  const shownSource = source === undefined ? null : redactUrl(source);
  const where = shownSource === null ? '' : ` ${shownSource}`;
  return new FormatError('MANIFEST_MALFORMED', `Malformed manifest${where}, line ${line}: ${what}`, {
    cause,
    details: { line, source: shownSource },
  });
}

function unwritable(what: string): FormatError {
  return new FormatError('MANIFEST_MALFORMED', `Cannot write manifest: ${what}`);
}
