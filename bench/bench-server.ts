// The parent's handle on server-child.js: start it, read its URLs, ask for its counters, stop it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { FrontStats } from './server-child.js';

/** A running benchmark server (its own process). */
export interface BenchServer {
  /** The front: latency and rate limit applied, traffic counted. */
  url: string;
  /** The static server itself, nothing in between. */
  directUrl: string;
  stats(): Promise<FrontStats>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Starts server-child.js (compiled beside this file) on `root`. */
export async function startBenchServer(benchDir: string, root: string, knobs: { latencyMs?: number; bytesPerSecond?: number } = {}): Promise<BenchServer> {
  const child = spawn(process.execPath, [path.join(benchDir, 'server-child.js'), root, String(knobs.latencyMs ?? 0), String(knobs.bytesPerSecond ?? 0)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const urls = await new Promise<{ url: string; directUrl: string }>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n')[0];
      if (text.includes('\n') && line !== undefined) resolve(JSON.parse(line) as { url: string; directUrl: string });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited ${code ?? '?'} before listening`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    ...urls,
    stats: async () => (await (await fetch(`${urls.url}__bench/stats`)).json()) as FrontStats,
    reset: async () => {
      await fetch(`${urls.url}__bench/reset`);
    },
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
