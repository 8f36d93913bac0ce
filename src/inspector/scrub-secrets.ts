// What leaves the station in an exported replay carries no secret: every string of the session
// loses URL credentials as logs and --json do (errors.ts redactUrl: `user:password@` removed, here
// anywhere in a string), and a value under a key that names a secret is replaced whole.

const SECRET_KEY = /passw(or)?d|passphrase|secret|token|private.?key|authorization|credential/i;
/** `scheme://user:password@` anywhere in a string (a URL inside an error message, say). */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi;

/** A deep copy of `value` with URL credentials and secret-named values removed. */
export function scrubSecrets<T>(value: T): T {
  return scrub(value) as T;
}

function scrub(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(URL_USERINFO, '$1');
  if (Array.isArray(value)) return value.map(scrub);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== null && item !== undefined && item !== '' ? '[redacted]' : scrub(item);
  }
  return out;
}
