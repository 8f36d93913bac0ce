// Java .properties as java.util.Properties.load(Reader) reads it, through the dot-properties package.
import { parseLines, type Node, type Pair } from 'dot-properties';
import { FormatError, redactUrl } from '../errors.js';

// A backslash and the character it escapes; a backslash at the very end escapes nothing.
const ESCAPE = /\\([\s\S]|$)/g;
const HEX4 = /^[0-9A-Fa-f]{4}$/;

/**
 * Reads .properties text into key → value, the last assignment of a key winning as in Java.
 * Throws FormatError PROPERTIES_MALFORMED for a malformed \uXXXX escape, as Java does.
 */
export function parseProperties(text: string, source?: string): Map<string, string> {
  // Java ends lines at CRLF, LF or a lone CR; dot-properties only continues lines across LF.
  const normalized = text.replace(/\r\n?/g, '\n');
  const result = new Map<string, string>();
  for (const node of parseLines(normalized, true)) {
    if (!isPair(node)) continue;
    const [keyStart, keyEnd, valueStart, valueEnd] = node.range;
    assertUnicodeEscapes(normalized, keyStart, keyEnd, source);
    assertUnicodeEscapes(normalized, valueStart, valueEnd, source);
    result.set(node.key, node.value);
  }
  return result;
}

function isPair(node: Required<Node>): node is Required<Pair> {
  return node.type === 'PAIR';
}

/** dot-properties keeps `\uZZZZ` as text; Java refuses it ("Malformed \uxxxx encoding"). */
function assertUnicodeEscapes(text: string, start: number, end: number, source: string | undefined): void {
  const raw = text.slice(start, end);
  for (const match of raw.matchAll(ESCAPE)) {
    if (match[1] !== 'u') continue;
    const index = match.index + 1;
    const digits = raw.slice(index + 1, index + 5);
    if (HEX4.test(digits)) continue;
    const line = lineOf(text, start + index);
    const shownSource = source === undefined ? null : redactUrl(source);
    const where = shownSource === null ? '' : ` ${shownSource}`;
    throw new FormatError(
      'PROPERTIES_MALFORMED',
      `Malformed properties file${where}, line ${line}: \\u must be followed by 4 hex digits, got ${JSON.stringify(`\\u${digits}`)}`,
      { details: { line, source: shownSource } },
    );
  }
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset; index += 1) if (text[index] === '\n') line += 1;
  return line;
}
