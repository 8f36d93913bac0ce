// `npm run bench`: measures the product against the tools people use (sha256sum, curl, node) on
// this machine and writes BENCHMARKS.md at the repository root. Each section cleans up after itself.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchContext, SectionResult } from './context.js';
import { machineFacts, renderReport } from './report.js';
import { benchDelta } from './sections/delta.js';
import { benchDerbyStep } from './sections/derby-step.js';
import { benchDownload } from './sections/download.js';
import { benchResume } from './sections/resume.js';
import { benchScaling } from './sections/scaling.js';
import { benchStartup } from './sections/startup.js';
import { benchVerify } from './sections/verify.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(benchDir, '../..');

function toolVersion(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0]?.trim() ?? cmd;
  } catch {
    return `${cmd} (not found)`;
  }
}

const SECTIONS: Record<string, (ctx: BenchContext) => Promise<SectionResult>> = {
  verify: benchVerify,
  download: benchDownload,
  resume: benchResume,
  startup: benchStartup,
  scaling: benchScaling,
  derby: benchDerbyStep,
  delta: benchDelta,
};

const began = performance.now();
const only = process.argv.slice(2);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const tools = [toolVersion('sha256sum', ['--version']), toolVersion('curl', ['--version'])];
const missing = tools.filter((tool) => tool.endsWith('(not found)'));
if (missing.length > 0) throw new Error(`npm run bench compares against sha256sum and curl: install ${missing.join(', ')} first`);
const machine = machineFacts(tools);
const work = await mkdtemp(path.join(os.tmpdir(), 'rcu-bench-'));
// tmpfs, when the machine has one: downloads written there measure the downloader without the disk.
const shm = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/rcu-bench-') : undefined;
const cleanUp = (): void => {
  for (const dir of [work, shm]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUp();
    process.exit(130);
  });
}
const ctx: BenchContext = {
  work,
  ...(shm === undefined ? {} : { shm }),
  benchDir,
  cli: path.join(repo, 'dist/src/cli/bin.js'),
  runs,
  log: (message) => process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${message}\n`),
};
const results: SectionResult[] = [];
try {
  for (const [name, section] of Object.entries(SECTIONS)) {
    if (only.length > 0 && !only.includes(name)) continue;
    results.push(await section(ctx));
  }
} finally {
  cleanUp();
}
// A run of some sections only must not overwrite the full report.
const target = only.length > 0 ? path.join(repo, 'dist', 'BENCHMARKS.partial.md') : path.join(repo, 'BENCHMARKS.md');
await writeFile(target, renderReport(machine, results, runs, performance.now() - began));
ctx.log(`wrote ${path.relative(process.cwd(), target)}`);
