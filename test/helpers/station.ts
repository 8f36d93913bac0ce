// Test fixtures for a whole station: release folders, a published server root, an installed
// client, and the built CLI run as a child process (what a launcher does).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishRelease } from '../../src/server/publish.js';

/** Repository root (for dist/ and fixtures). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI (npm test builds before vitest runs). */
export const cliPath = path.join(repoRoot, 'dist/src/cli/bin.js');

/** A fresh temporary folder. */
export async function tempDir(prefix = 'rcu-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Writes files (name → content) under dir, creating folders. */
export async function writeTree(dir: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, ...name.split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
  }
}

/** Deterministic pseudo-random bytes for a file (same seed → same bytes). */
export function bytesFor(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** Random bytes (for content that must differ from run to run). */
export const randomContent = (size: number): Buffer => randomBytes(size);

/** Uppercase SHA-256 of bytes. */
export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex').toUpperCase();

/** Publishes a release from a file map; returns the server root. */
export async function publish(root: string, version: string, files: Record<string, Buffer | string>): Promise<void> {
  const libDir = await tempDir('rcu-lib-');
  await writeTree(libDir, files);
  await publishRelease({ unchecked: true, version, libDir, outRoot: root });
  await fs.rm(libDir, { recursive: true, force: true });
}

/** Installs a station from a published release (lib/ + MANIFEST.MF), as an installer would. */
export async function installStation(root: string, version: string, clientDir: string): Promise<void> {
  const release = path.join(root, 'registration-client', version);
  await fs.mkdir(clientDir, { recursive: true });
  await fs.cp(path.join(release, 'lib'), path.join(clientDir, 'lib'), { recursive: true });
  await fs.copyFile(path.join(release, 'MANIFEST.MF'), path.join(clientDir, 'MANIFEST.MF'));
  await fs.mkdir(path.join(clientDir, 'bin'), { recursive: true });
  await fs.writeFile(path.join(clientDir, 'bin', 'run.sh'), '#!/bin/sh\necho client\n');
}

/** name → uppercase SHA-256 of every file under a folder. */
export async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (current: string, prefix: string): Promise<void> => {
    for (const entry of await fs.readdir(current, { withFileTypes: true })) {
      const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(current, entry.name), name);
      else out[name] = sha256(await fs.readFile(path.join(current, entry.name)));
    }
  };
  await walk(dir, '');
  return out;
}

/** Result of running the CLI. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | undefined;
}

/** Runs the built CLI with args; parses stdout as JSON when it is one. */
export function runCli(
  args: string[],
  options: {
    env?: Record<string, string>;
    killAfterMs?: number;
    /** SIGKILL `afterMs` after `when()` first holds (polled every 20 ms): kills that land mid-work. */
    killWhen?: { when: () => boolean; afterMs: number };
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    let delayed: NodeJS.Timeout | undefined;
    const killWhen = options.killWhen;
    const poll =
      killWhen === undefined
        ? undefined
        : setInterval(() => {
            if (delayed === undefined && killWhen.when()) delayed = setTimeout(() => child.kill('SIGKILL'), killWhen.afterMs);
          }, 20);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (poll !== undefined) clearInterval(poll);
      if (delayed !== undefined) clearTimeout(delayed);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      resolve({ code, signal, stdout, stderr, json });
    });
  });
}
