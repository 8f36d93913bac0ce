// Test data for the benchmark: incompressible files written fast (AES-256-CTR keystream, hashed
// while written), stations (lib/ + MANIFEST.MF + bin/) and server roots laid out as publish does.
import { createCipheriv, createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createManifest, serializeManifest } from '../src/formats/manifest.js';

const BLOCK = 1 << 20;

/** A file of a station or release: name under lib/ ('/' separators) and size in bytes. */
export interface FileSpec {
  name: string;
  size: number;
}

/** Writes `size` deterministic pseudo-random bytes to `file`; returns their SHA-256 (uppercase hex). */
export async function writeRandomFile(file: string, size: number, seed: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  const hash = createHash('sha256');
  const zeros = Buffer.alloc(BLOCK);
  const handle = await fs.open(file, 'w');
  try {
    for (let written = 0; written < size; written += BLOCK) {
      const chunk = cipher.update(zeros.subarray(0, Math.min(BLOCK, size - written)));
      hash.update(chunk);
      await handle.write(chunk);
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex').toUpperCase();
}

/** `count` jar-like sizes adding up to about `total` bytes: a few large libraries, many small ones. */
export function jarSizes(total: number, count: number): number[] {
  const weights = Array.from({ length: count }, (_, i) => 0.9 ** i);
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => Math.max(4096, Math.round((w / sum) * total)));
}

/** Names and sizes: `prefix-<i>.jar`, sizes from `sizes`. */
export function fileSpecs(prefix: string, sizes: number[]): FileSpec[] {
  return sizes.map((size, i) => ({ name: `${prefix}-${String(i).padStart(5, '0')}.jar`, size }));
}

/** Writes files under `dir`; returns name → SHA-256. */
export async function writeFiles(dir: string, files: FileSpec[], seed: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const spec of files) hashes.set(spec.name, await writeRandomFile(path.join(dir, ...spec.name.split('/')), spec.size, `${seed}:${spec.name}`));
  return hashes;
}

/** Writes a station at `version` (lib/, MANIFEST.MF, bin/); returns its total lib/ bytes. */
export async function createStation(clientDir: string, version: string, files: FileSpec[], seed = 'bench'): Promise<number> {
  const hashes = await writeFiles(path.join(clientDir, 'lib'), files, seed);
  await writeManifest(clientDir, version, hashes);
  await fs.mkdir(path.join(clientDir, 'bin'), { recursive: true });
  await fs.writeFile(path.join(clientDir, 'bin', 'run.sh'), '#!/bin/sh\n');
  return files.reduce((sum, f) => sum + f.size, 0);
}

/** Writes MANIFEST.MF for name → hash into `dir`. */
export async function writeManifest(dir: string, version: string, hashes: Map<string, string>): Promise<void> {
  const manifest = createManifest(version, [...hashes].map(([name, hash]) => ({ name, hash })));
  await fs.writeFile(path.join(dir, 'MANIFEST.MF'), serializeManifest(manifest));
}

/** Removes a folder and everything under it. */
export async function remove(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}
