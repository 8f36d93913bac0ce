// File names listed in a manifest become paths under lib/: a name must never reach outside it.
import { FormatError, redactUrl } from '../errors.js';

// Unicode category Cc: C0 controls (NUL included), DEL and C1 controls.
const CONTROL = /\p{Cc}/u;
// A lone UTF-16 surrogate cannot be written as UTF-8, so the name would not read back the same.
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a manifest file name is unsafe as a path relative to lib/, or undefined when it is safe. */
export function manifestNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (CONTROL.test(name)) return 'contains a control character';
  if (LONE_SURROGATE.test(name)) return 'is not valid Unicode';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'is an absolute path';
  // `C:x` is drive-relative and `a.jar:x` an NTFS stream on Windows stations.
  if (name.includes(':')) return "contains ':' (a drive letter or stream name on Windows)";
  if (name.endsWith('/')) return 'ends with /';
  for (const segment of name.split('/')) {
    if (segment === '') return 'has an empty path segment';
    if (segment === '.' || segment === '..') return `has a '${segment}' path segment`;
  }
  return undefined;
}

/** True when a manifest file name is a safe path relative to lib/. */
export function isSafeManifestName(name: string): boolean {
  return manifestNameProblem(name) === undefined;
}

/** A name quoted for a message: JSON escapes C0 controls; DEL and C1 controls (U+009B is a terminal's CSI) are escaped too. */
function printable(name: string): string {
  return JSON.stringify(name).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Throws FormatError MANIFEST_NAME_UNSAFE unless the name is a safe path relative to lib/. */
export function assertSafeManifestName(name: string, source?: string, line?: number): void {
  const problem = manifestNameProblem(name);
  if (problem === undefined) return;
  const shownSource = source === undefined ? null : redactUrl(source);
  const where = (shownSource === null ? '' : ` in ${shownSource}`) + (line === undefined ? '' : `, line ${line}`);
  throw new FormatError(
    'MANIFEST_NAME_UNSAFE',
    `Unsafe file name ${printable(name)}${where}: it ${problem}; the release must be republished with safe names`,
    { details: { name, source: shownSource, line: line ?? null } },
  );
}
