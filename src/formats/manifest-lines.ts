// The byte-level layer of MANIFEST.MF: physical lines in, 72-byte wrapped lines out.
// Lengths are counted in bytes of UTF-8, exactly as java.util.jar.Manifest counts them.

/** Longest line a manifest may hold, in bytes, without its line break. */
export const MAX_LINE_BYTES = 72;

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const CRLF = Buffer.from('\r\n');

/** One physical line: its bytes without the line break, and its 1-based number. */
export interface PhysicalLine {
  bytes: Uint8Array;
  line: number;
}

/** Splits bytes at CRLF, LF or a lone CR (the jar spec's newline); a last line without a break is kept. */
export function splitPhysicalLines(bytes: Uint8Array): PhysicalLine[] {
  return [...physicalLines(bytes)];
}

/** The physical lines one at a time, so a 50 000-section manifest is never held as a list of lines. */
export function* physicalLines(bytes: Uint8Array): Generator<PhysicalLine> {
  let start = 0;
  let index = 0;
  let line = 0;
  while (index < bytes.length) {
    const byte = bytes[index];
    if (byte === LF || byte === CR) {
      yield { bytes: bytes.subarray(start, index), line: (line += 1) };
      index += byte === CR && bytes[index + 1] === LF ? 2 : 1;
      start = index;
    } else {
      index += 1;
    }
  }
  if (start < bytes.length) yield { bytes: bytes.subarray(start), line: line + 1 };
}

/** True for a continuation line (it starts with one space). */
export function isContinuation(line: PhysicalLine): boolean {
  return line.bytes[0] === SPACE;
}

/**
 * Writes `text` as Java's Manifest.println72 does: 72 bytes on the first line, then lines of one
 * space and up to 71 bytes, each ended by CRLF. Like Java, it cuts at byte boundaries, so a
 * multi-byte character may be split across lines; readers join the bytes before decoding.
 */
export function wrapLine(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [bytes.subarray(0, MAX_LINE_BYTES)];
  for (let position = MAX_LINE_BYTES; position < bytes.length; position += MAX_LINE_BYTES - 1) {
    parts.push(CRLF, Buffer.from(' '), bytes.subarray(position, position + MAX_LINE_BYTES - 1));
  }
  parts.push(CRLF);
  return Buffer.concat(parts);
}

/** Writes `text` and a CRLF without wrapping, as Java writes the Manifest-Version line. */
export function unwrappedLine(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), CRLF]);
}

/** The line break Java writes after every line and after every section. */
export function lineBreak(): Buffer {
  return Buffer.from(CRLF);
}
