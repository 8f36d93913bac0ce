// What every benchmark section gets, and what it gives back for BENCHMARKS.md.
import path from 'node:path';
import type { CommandLine } from './measure.js';

/** Shared settings and paths of one benchmark run. */
export interface BenchContext {
  /** Scratch folder; removed at the end. */
  work: string;
  /** Scratch folder on tmpfs (/dev/shm), when there is one; removed at the end. */
  shm?: string;
  /** Folder of the compiled bench scripts (dist/bench). */
  benchDir: string;
  /** The built CLI (dist/src/cli/bin.js). */
  cli: string;
  /** Timed runs per tool (after one warm-up run). */
  runs: number;
  log(message: string): void;
}

/** One line of a results table: our tool against the one people use. */
export interface ResultRow {
  measure: string;
  ours: string;
  baseline: string;
  /** ours ÷ baseline, e.g. `0.31×` (time) or `1.02×` (throughput). */
  ratio: string;
  goal: string;
  /** undefined: no goal for this row. */
  met: boolean | undefined;
}

/** A section of BENCHMARKS.md. */
export interface SectionResult {
  title: string;
  /** What was measured and how, in a sentence or two. */
  method: string;
  rows: ResultRow[];
  /** The exact command lines, with the scratch folder written as $WORK. */
  commands: Array<{ label: string; command: string }>;
  notes?: string[];
  /** Extra markdown (e.g. a table of its own), printed after the method. */
  extra?: string[];
}

/** `node <cli> …` as a command line. */
export function cliCommand(ctx: BenchContext, args: string[], cwd?: string): CommandLine {
  return { cmd: process.execPath, args: [ctx.cli, ...args], ...(cwd === undefined ? {} : { cwd }) };
}

/** `node <benchDir>/<script> …` as a command line. */
export function benchScript(ctx: BenchContext, script: string, args: string[]): CommandLine {
  return { cmd: process.execPath, args: [path.join(ctx.benchDir, script), ...args] };
}

/** Seconds with 2 decimals. */
export const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
/** A ratio such as `0.31×`. */
export const times = (r: number): string => `${r.toFixed(2)}×`;
/** Mebibytes with one decimal. */
export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
/** Throughput in MiB/s. */
export const mibPerSec = (bytes: number, ms: number): string => `${(bytes / 1048576 / (ms / 1000)).toFixed(0)} MiB/s`;

/** A command line for the report: `node`, repo-relative scripts, $WORK/$SHM for scratch folders, $PORT for ports. */
export function show(ctx: BenchContext, line: CommandLine): string {
  const repo = path.resolve(ctx.benchDir, '../..');
  const shorten = (text: string): string => {
    let out = text.split(`${repo}${path.sep}`).join('').split(ctx.work).join('$WORK');
    if (ctx.shm !== undefined) out = out.split(ctx.shm).join('$SHM');
    return out.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:$PORT');
  };
  const parts = [line.cmd === process.execPath ? 'node' : line.cmd, ...line.args].map(shorten);
  const text = parts.map((a) => (/^[\w@%+=:,./$-]+$/.test(a) ? a : `'${a}'`)).join(' ');
  // Commands run from the repository need no `cd`: npm run bench runs there.
  return line.cwd === undefined || line.cwd === repo ? text : `(cd ${shorten(line.cwd)} && ${text})`;
}

/** Wall time, with CPU time (user + system) beside it when measured: `0.93 s (CPU 0.50 s)`. */
export function wallCpu(m: { ms: number; cpuMs: number | undefined }): string {
  return m.cpuMs === undefined ? sec(m.ms) : `${sec(m.ms)} (CPU ${sec(m.cpuMs)})`;
}
