// Verify a ~500 MiB station in 60 files against `sha256sum -c` over the same files (warm cache),
// and the peak RSS of that verify (streaming: it must not hold whole files in memory).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseManifest } from '../../src/formats/manifest.js';
import { benchScript, cliCommand, mib, sec, show, times, wallCpu, type BenchContext, type SectionResult } from '../context.js';
import { createStation, fileSpecs, jarSizes, remove } from '../fixtures.js';
import { GNU_TIME, peakRss, sideBySide, timeCommand, type CommandLine } from '../measure.js';

const STATION_BYTES = 500 * 1048576;
const FILES = 60;
const RSS_GOAL = 150 * 1048576;

/** Writes `sha256sum -c` input (paths relative to the client folder) for every file MANIFEST.MF lists. */
export async function writeChecksums(clientDir: string, target: string): Promise<void> {
  const manifest = parseManifest(await fs.readFile(path.join(clientDir, 'MANIFEST.MF')));
  const lines = manifest.entries.map((entry) => `${entry.hash.toLowerCase()}  lib/${entry.name}`);
  await fs.writeFile(target, `${lines.join('\n')}\n`);
}

/** `sha256sum -c` over a station, as a command line. */
export function sha256sumCheck(clientDir: string, sums: string): CommandLine {
  return { cmd: 'sha256sum', args: ['--quiet', '-c', sums], cwd: clientDir };
}

/** The verify section. */
export async function benchVerify(ctx: BenchContext): Promise<SectionResult> {
  const dir = path.join(ctx.work, 'verify');
  const station = path.join(dir, 'station');
  ctx.log(`verify: writing a ${mib(STATION_BYTES)} station in ${FILES} files`);
  const bytes = await createStation(station, '1.2.0.2', fileSpecs('lib', jarSizes(STATION_BYTES, FILES)));
  const sums = path.join(dir, 'SHA256SUMS');
  await writeChecksums(station, sums);

  const cliStart = cliCommand(ctx, ['start', '--offline', '--json', '--client-dir', station]);
  const library = benchScript(ctx, 'verify-child.js', [station]);
  const sha256sum = sha256sumCheck(station, sums);
  const rss: number[] = [];
  const baselineRss: number[] = [];
  const medians = await sideBySide(ctx.runs, {
    cli: async () => {
      const sample = await timeCommand(cliStart);
      if (sample.run.rssBytes !== undefined) rss.push(sample.run.rssBytes);
      return sample;
    },
    library: () => timeCommand(library),
    sha256sum: async () => {
      const sample = await timeCommand(sha256sum);
      if (sample.run.rssBytes !== undefined) baselineRss.push(sample.run.rssBytes);
      return sample;
    },
  });
  if (rss.length === 0) rss.push((await peakRss(cliStart, path.join(ctx.benchDir, 'rss-child.js'))) ?? Number.NaN);
  ctx.log(`verify: cli ${wallCpu(medians.cli)}, library ${wallCpu(medians.library)}, sha256sum ${wallCpu(medians.sha256sum)}`);
  await remove(dir);

  const peak = Math.max(...rss);
  const cliRatio = medians.cli.ms / medians.sha256sum.ms;
  const libRatio = medians.library.ms / medians.sha256sum.ms;
  const what = `verify ${mib(bytes)} in ${FILES} files`;
  const baseline = `${wallCpu(medians.sha256sum)} sha256sum -c`;
  return {
    title: 'Verify a station',
    method:
      `A station of ${FILES} jar-like files (${mib(bytes)}: a few large libraries, many small ones) is verified against its MANIFEST.MF; ` +
      '`sha256sum -c` checks the same files against the same hashes. The files were just written, so the page cache is warm for every tool. ' +
      'The CLI row is the whole `start --offline` run (start-up, lock, state database, log, verify); the library row is the verify step alone. ' +
      `Peak RSS is the maximum over the timed runs, from ${GNU_TIME === undefined ? "the child's process.resourceUsage().maxRSS" : '`/usr/bin/time`'}.`,
    rows: [
      { measure: `${what}: \`start --offline\` (CLI)`, ours: wallCpu(medians.cli), baseline, ratio: times(cliRatio), goal: '≤ 0.55×', met: cliRatio <= 0.55 },
      { measure: `${what}: verifyLib + hash pool (library)`, ours: wallCpu(medians.library), baseline, ratio: times(libRatio), goal: '≤ 0.55×', met: libRatio <= 0.55 },
      {
        measure: `peak RSS of \`start --offline\` verifying ${mib(bytes)}`,
        ours: mib(peak),
        baseline: baselineRss.length === 0 ? 'n/a' : `${mib(Math.max(...baselineRss))} sha256sum`,
        ratio: '',
        goal: '≤ 150 MiB',
        met: peak <= RSS_GOAL,
      },
    ],
    notes: [
      `sha256sum hashes on one core; the hash pool runs one worker thread per core (${os.availableParallelism()} here), each reading 1 MiB blocks, so memory stays flat whatever the file sizes.`,
      `The CLI row is ${sec(medians.cli.ms - medians.library.ms)} slower than the library row: that is the start-up of a station command (see Start-up overhead), not hashing.`,
    ],
    commands: [
      { label: 'ours (CLI)', command: show(ctx, cliStart) },
      { label: 'ours (library)', command: show(ctx, library) },
      { label: 'baseline', command: show(ctx, sha256sum) },
    ],
  };
}
