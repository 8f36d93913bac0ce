// Lists the files of a release folder (publish's libDir) with the names the manifest will hold,
// refusing anything the server could not serve or a station could not store.
import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, FormatError } from '../errors.js';
import { assertSafeManifestName } from '../formats/manifest-name.js';
import { isInside } from './path-inside.js';

/** A file to publish: its manifest name (relative to lib/, `/`-separated) and where to read it. */
export interface ReleaseFile {
  name: string;
  source: string;
}

/**
 * Walks `libDir` recursively, following symlinks that stay inside it; sorted by name. Throws
 * ConfigError CONFIG_INVALID for a symlink leaving libDir, an unsafe or hidden name, names
 * that differ only in case (Windows stations), special files, or an empty folder.
 */
export async function collectReleaseFiles(libDir: string): Promise<ReleaseFile[]> {
  const realLib = await fs.realpath(libDir).catch((cause: unknown) => {
    throw new ConfigError('CONFIG_INVALID', `publish: libDir ${libDir} cannot be read (${String(cause)})`, {
      cause,
      details: { libDir },
    });
  });
  if (!(await fs.stat(realLib)).isDirectory()) {
    throw new ConfigError('CONFIG_INVALID', `publish: libDir ${libDir} is not a folder`, { details: { libDir } });
  }
  const files: ReleaseFile[] = [];
  await walk(realLib, realLib, [], new Set([realLib]), files);
  if (files.length === 0) {
    throw new ConfigError('CONFIG_INVALID', `publish: libDir ${libDir} holds no files`, { details: { libDir } });
  }
  files.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const byFoldedName = new Map<string, string>();
  for (const file of files) {
    const folded = file.name.toLowerCase();
    const clash = byFoldedName.get(folded);
    if (clash !== undefined) {
      throw refused(file.name, `differs from ${JSON.stringify(clash)} only in case; a Windows station cannot hold both`);
    }
    byFoldedName.set(folded, file.name);
  }
  return files;
}

async function walk(realLib: string, dir: string, prefix: string[], onPath: Set<string>, out: ReleaseFile[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const segments = [...prefix, entry.name];
    const name = segments.join('/');
    if (entry.name.startsWith('.')) {
      throw refused(name, 'starts with "." and the server never serves dotfiles; remove it from libDir');
    }
    let target = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      target = await fs.realpath(target).catch((cause: unknown) => {
        throw refused(name, `is a broken symlink (${String(cause)})`);
      });
      if (!isInside(realLib, target)) throw refused(name, `is a symlink to ${target}, outside libDir`);
    }
    const stats = await fs.stat(target);
    if (stats.isDirectory()) {
      if (onPath.has(target)) throw refused(name, 'is a symlink loop');
      onPath.add(target);
      await walk(realLib, target, segments, onPath, out);
      onPath.delete(target);
    } else if (stats.isFile()) {
      checkName(name);
      out.push({ name, source: target });
    } else {
      throw refused(name, 'is not a regular file');
    }
  }
}

function checkName(name: string): void {
  try {
    assertSafeManifestName(name);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    throw new ConfigError('CONFIG_INVALID', `publish: ${error.message}`, { cause: error, details: { name } });
  }
}

function refused(name: string, why: string): ConfigError {
  return new ConfigError('CONFIG_INVALID', `publish: lib/${name} ${why}`, { details: { name } });
}
