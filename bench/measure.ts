// Timing primitives of the benchmark: spawn a command and time it to exit, take the median of
// interleaved runs (so both tools see the same machine load), and read a process's peak RSS.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A command line to run: program and arguments, optional working folder and extra environment. */
export interface CommandLine {
  cmd: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

/** What one run of a command produced. */
export interface CommandRun {
  ms: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** user + system CPU time (ms) and peak RSS (bytes), when measured through GNU time. */
  cpuMs?: number;
  rssBytes?: number;
}

const RUSAGE_MARK = '__bench_rusage__';

/** Runs a command through GNU time (when installed) to learn its CPU time and peak RSS too. */
export async function runMeasured(line: CommandLine): Promise<CommandRun> {
  if (GNU_TIME === undefined) return runCommand(line);
  const run = await runCommand({ ...line, cmd: GNU_TIME, args: ['-f', `${RUSAGE_MARK} %U %S %M`, line.cmd, ...line.args] });
  const match = new RegExp(`${RUSAGE_MARK} ([\\d.]+) ([\\d.]+) (\\d+)\\s*$`).exec(run.stderr);
  if (match === null) return run;
  return {
    ...run,
    stderr: run.stderr.slice(0, match.index),
    cpuMs: (Number(match[1]) + Number(match[2])) * 1000,
    rssBytes: Number(match[3]) * 1024,
  };
}

/** Runs a command to its end and times it (spawn to exit, wall clock). */
export function runCommand(line: CommandLine, onStdoutLine?: (text: string, kill: () => void) => void): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(line.cmd, line.args, {
      cwd: line.cwd,
      env: { ...process.env, NO_COLOR: '1', ...line.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      if (onStdoutLine === undefined) return;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) onStdoutLine(l, () => child.kill('SIGKILL'));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ ms: performance.now() - began, code, signal, stdout, stderr }));
  });
}

/** Runs a command and throws (with its output) unless it exits 0. */
export async function runChecked(line: CommandLine): Promise<CommandRun> {
  const run = await runCommand(line);
  if (run.code !== 0) {
    throw new Error(`${describeCommand(line)} exited ${run.code ?? run.signal ?? '?'}:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
  }
  return run;
}

/** The command line as a person would type it (folders shortened by the caller). */
export function describeCommand(line: CommandLine): string {
  return [line.cmd, ...line.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');
}

/** Median of numbers (mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** One timed run: wall clock, and CPU time when it could be measured. */
export interface Sample {
  ms: number;
  cpuMs?: number;
}

/** Medians of one tool's runs. */
export interface ToolMedian {
  ms: number;
  /** Median user + system CPU time, when measured. */
  cpuMs: number | undefined;
  samples: number[];
}

/**
 * Runs each tool once to warm up (unless `warmup` is false), then `runs` rounds in which every tool
 * runs once (interleaved, so a busy moment hurts all tools alike); `before` resets state before each
 * run. Returns medians.
 */
export async function sideBySide<K extends string>(
  runs: number,
  tools: Record<K, () => Promise<Sample>>,
  before?: (tool: K) => Promise<void>,
  warmup = true,
): Promise<Record<K, ToolMedian>> {
  const names = Object.keys(tools) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as Sample[]])) as Record<K, Sample[]>;
  for (let round = warmup ? 0 : 1; round <= runs; round += 1) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      await before?.(name);
      const sample = await tools[name]();
      if (round > 0) samples[name].push(sample);
    }
  }
  const result = {} as Record<K, ToolMedian>;
  for (const name of names) {
    const cpu = samples[name].map((s) => s.cpuMs).filter((c): c is number => c !== undefined);
    result[name] = {
      ms: median(samples[name].map((s) => s.ms)),
      cpuMs: cpu.length === samples[name].length ? median(cpu) : undefined,
      samples: samples[name].map((s) => s.ms),
    };
  }
  return result;
}

/** Times a command (wall and CPU), failing on a non-zero exit unless `okCodes` allows it. */
export async function timeCommand(line: CommandLine, okCodes: number[] = [0]): Promise<Sample & { run: CommandRun }> {
  const run = await runMeasured(line);
  if (run.code === null || !okCodes.includes(run.code)) {
    throw new Error(`${describeCommand(line)} exited ${run.code ?? run.signal ?? '?'}:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
  }
  return { ms: run.ms, ...(run.cpuMs === undefined ? {} : { cpuMs: run.cpuMs }), run };
}

/** Where peak RSS comes from: GNU time's report, or the child's own resourceUsage(). */
export const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Peak resident set size (bytes) of a command: `/usr/bin/time -v` when present; otherwise, for a
 * Node script (`node <script> …`), the child's own `process.resourceUsage().maxRSS` via rss-child.js.
 */
export async function peakRss(line: CommandLine, rssChild: string, okCodes: number[] = [0]): Promise<number | undefined> {
  const viaTime = GNU_TIME !== undefined;
  if (!viaTime && line.cmd !== process.execPath) return undefined;
  const wrapped: CommandLine = GNU_TIME !== undefined
    ? { ...line, cmd: GNU_TIME, args: ['-v', line.cmd, ...line.args] }
    : { ...line, args: [rssChild, ...line.args] };
  const run = await runCommand(wrapped);
  if (run.code === null || !okCodes.includes(run.code)) throw new Error(`${describeCommand(line)} exited ${run.code ?? '?'}: ${run.stderr.slice(-2000)}`);
  const match = viaTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr) : /^RSS_KB=(\d+)$/m.exec(run.stderr);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}
