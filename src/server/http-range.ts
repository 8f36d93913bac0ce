// Pure parsing of the HTTP headers that decide what part of a file a GET answers (RFC 9110 §13–14).

/** What a request's Range / If-Range headers ask for, for a file of a given size. */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/** The validators of the file being served, for conditional headers. */
export interface Validators {
  etag: string;
  lastModified: Date;
}

/** Decides full body, one byte range or 416 from `Range` and `If-Range` (multi-range answers full). */
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
  if (specs.length !== 1) return { kind: 'full' }; // multi-range (or empty): a full 200 is allowed
  const spec = /^(\d*)-(\d*)$/.exec(specs[0] ?? '');
  if (!spec) return { kind: 'full' };
  const [, first = '', last = ''] = spec;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return { kind: 'full' }; // syntactically invalid range: ignored
  return { kind: 'partial', start, end };
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
