// How the text of a setting (a property, an environment variable or a flag) becomes its value: each
// parser returns the value, or `{ expected }` saying what it wanted (the error names the key).

/** A whole number within [min, max]. */
export function integer(min: number, max: number): (text: string) => number | { expected: string } {
  return (text) => {
    const value = Number(text.trim());
    return Number.isInteger(value) && value >= min && value <= max ? value : { expected: `a whole number from ${min} to ${max}` };
  };
}

/** `auto`, or what `fixed` accepts. */
export function autoOr(fixed: (text: string) => number | { expected: string }): (text: string) => number | 'auto' | { expected: string } {
  return (text) => {
    if (text.trim().toLowerCase() === 'auto') return 'auto';
    const value = fixed(text);
    return typeof value === 'number' ? value : { expected: `auto or ${value.expected}` };
  };
}

/** An http:// or https:// URL, normalised. */
export function httpUrl(text: string): string | { expected: string } {
  try {
    const url = new URL(text.trim());
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    // fall through to the expectation below
  }
  return { expected: 'an http:// or https:// URL' };
}

/** true/yes/1/on or false/no/0/off (empty is false). */
export function boolean(text: string): boolean | { expected: string } {
  const value = text.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off', ''].includes(value)) return false;
  return { expected: 'true or false' };
}

/** A size in bytes: a whole number, optionally with K, M or G (powers of 1024), e.g. 512M. */
export function byteSize(min: number): (text: string) => number | { expected: string } {
  return (text) => {
    const match = /^(\d+)\s*([KMG]?)i?B?$/i.exec(text.trim());
    const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(match?.[2] ?? '').toUpperCase()] ?? 1;
    const value = match === null ? NaN : Number(match[1]) * scale;
    return Number.isSafeInteger(value) && value >= min ? value : { expected: `a size in bytes of at least ${min} (a whole number, optionally with K, M or G)` };
  };
}

/** Text, trimmed. */
export const text = (value: string): string => value.trim();
/** A comma-separated list, items trimmed, empty ones dropped. */
export const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
