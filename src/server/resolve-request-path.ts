// Maps a raw request target to a file under the served root, refusing anything that could leave it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { isInside } from './path-inside.js';

/** A request target resolved to a real file path, or the status to answer instead. */
export type ResolvedPath = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404 };

/**
 * Resolves `target` (req.url, undecoded) against `realRoot` (already realpath'd).
 * Every segment is decoded once and checked after decoding, so `%2e%2e`, `%2f`, `\` and NUL
 * cannot smuggle a traversal; dot-segments and dotfiles (publish temp dirs, locks) are never
 * served; symlinks are resolved and must still land inside the root.
 */
export async function resolveRequestPath(realRoot: string, target: string): Promise<ResolvedPath> {
  const rawPath = requestPathOf(target);
  if (rawPath === undefined) return { ok: false, status: 400 };
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400 };
    }
    if (segment === '.' || segment === '..') return { ok: false, status: 403 };
    if (/[/\\\0]/.test(segment)) return { ok: false, status: 403 };
    if (segment.startsWith('.')) return { ok: false, status: 404 };
    segments.push(segment);
  }
  if (segments.length === 0) return { ok: false, status: 404 }; // no directory listings
  let real: string;
  try {
    real = await fs.realpath(path.join(realRoot, ...segments));
  } catch {
    return { ok: false, status: 404 };
  }
  if (!isInside(realRoot, real)) return { ok: false, status: 403 };
  return { ok: true, file: real };
}

function requestPathOf(target: string): string | undefined {
  let pathPart = target;
  if (!target.startsWith('/')) {
    // absolute-form (a proxy-style request line): keep only its path, still undecoded
    const match = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(target);
    if (!match) return undefined;
    pathPart = match[1] ?? '/';
  }
  return pathPart.split(/[?#]/, 1)[0];
}
