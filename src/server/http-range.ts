// Pure parsing of the HTTP headers that decide what part of a file a GET answers (RFC 9110 §13–14).

/** What a request's Range / If-Range headers ask for, for a file of a given size. */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'multipart'; ranges: Array<{ start: number; end: number }> }
  | { kind: 'unsatisfiable' };

/** The validators of the file being served, for conditional headers. */
export interface Validators {
  etag: string;
  lastModified: Date;
}

/** Ranges answered as multipart/byteranges at most; more (or overlapping, or unordered) get the full body, as RFC 9110 §14.2 allows. */
export const MAX_RANGES = 64;

/** Decides full body, one byte range, several (multipart/byteranges) or 416 from `Range` and `If-Range`. */
export function decideRange(
  range: string | undefined,
  ifRange: string | undefined,
  size: number,
  validators: Validators,
): RangeDecision {
  if (range === undefined) return { kind: 'full' };
  if (ifRange !== undefined && !ifRangeMatches(ifRange, validators)) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(range);
  if (!match) return { kind: 'full' }; // unknown unit: ignore the header, as RFC 9110 allows
  const specs = (match[1] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length === 0 || specs.length > MAX_RANGES) return { kind: 'full' };
  const parsed = specs.map((spec) => parseSpec(spec, size));
  if (parsed.includes('invalid')) return { kind: 'full' };
  const ranges = parsed.filter((r): r is { start: number; end: number } => r !== 'unsatisfiable' && r !== 'invalid');
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  if (ranges.length === 1) return { kind: 'partial', ...(ranges[0] as { start: number; end: number }) };
  // Overlapping or out-of-order ranges are how a client makes a server send a file many times over.
  if (ranges.some((r, i) => i > 0 && r.start <= (ranges[i - 1] as { end: number }).end)) return { kind: 'full' };
  return { kind: 'multipart', ranges };
}

// One `a-b`, `a-` or `-n` spec against a file of `size` bytes.
function parseSpec(text: string, size: number): { start: number; end: number } | 'unsatisfiable' | 'invalid' {
  const spec = /^(\d*)-(\d*)$/.exec(text);
  if (!spec) return 'invalid';
  const [, first = '', last = ''] = spec;
  if (first === '' && last === '') return 'invalid';
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return 'invalid'; // syntactically invalid range: the header is ignored
  return { start, end };
}

/** True when `If-Range` names the current representation (strong ETag, or exactly its date). */
export function ifRangeMatches(ifRange: string, validators: Validators): boolean {
  const value = ifRange.trim();
  if (value.startsWith('W/')) return false; // weak tags never match If-Range
  if (value.startsWith('"')) return value === validators.etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === wholeSeconds(validators.lastModified);
}

/** True when `If-None-Match` lists the current ETag (weak comparison) or is `*`. */
export function noneMatchHits(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** True when `If-Modified-Since` is at or after the file's modification time (to the second). */
export function notModifiedSince(ifModifiedSince: string, lastModified: Date): boolean {
  const date = Date.parse(ifModifiedSince);
  return !Number.isNaN(date) && wholeSeconds(lastModified) <= date;
}

function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}
