// Content-Type of the files a release holds, by extension (case-insensitive: MANIFEST.MF, *.mf).
import path from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.jar': 'application/java-archive',
  '.zip': 'application/zip',
  '.xml': 'application/xml',
  '.mf': 'text/plain; charset=utf-8',
  '.sig': 'application/octet-stream',
  '.sql': 'text/plain; charset=utf-8',
  '.properties': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.pem': 'application/x-pem-file',
};

/** The Content-Type to send for a file name; unknown extensions are application/octet-stream. */
export function contentTypeFor(fileName: string): string {
  return TYPES[path.extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}
