// How time and memory grow with the number of files: verify of 100 to 50 000 small files and
// download of up to 10 000, each beside its baseline (sha256sum -c, sequential curl) in the same
// run, with the peak RSS of the product's verify.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../src/config/settings.js';
import { startBenchServer } from '../bench-server.js';
import { benchScript, cliCommand, sec, show, times, type BenchContext, type SectionResult } from '../context.js';
import { createStation, fileSpecs, remove } from '../fixtures.js';
import { peakRss, sideBySide, timeCommand } from '../measure.js';
import { curlSequential, writeDownloadInputs } from './download.js';
import { sha256sumCheck, writeChecksums } from './verify.js';

const COUNTS = [100, 1_000, 10_000, 50_000];
/** Downloading 50 000 files one curl at a time takes most of an hour on loopback: verify only from here. */
const DOWNLOAD_UP_TO = 10_000;
const SIZE = 4 * 1024;

/** The scaling section. */
export async function benchScaling(ctx: BenchContext): Promise<SectionResult> {
  // 10 000 files take long for every tool: one run each, no warm-up (the files were just written).
  const runsFor = (count: number): number => (count >= 10_000 ? 1 : Math.min(ctx.runs, 3));
  const table = [
    '| files | verify: `start --offline` | `sha256sum -c` | ratio | peak RSS of `start --offline` | download: downloadAll | curl (sequential) | ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rows: SectionResult['rows'] = [];
  const commands: SectionResult['commands'] = [];
  for (const count of COUNTS) {
    const dir = path.join(ctx.work, `scale-${count}`);
    const station = path.join(dir, 'station');
    const specs = fileSpecs('f', Array.from({ length: count }, () => SIZE));
    ctx.log(`scaling: ${count} files`);
    await createStation(station, '1.0.0', specs);
    const sums = path.join(dir, 'SHA256SUMS');
    await writeChecksums(station, sums);
    const verifyOurs = cliCommand(ctx, ['start', '--offline', '--json', '--client-dir', station]);
    const verifyBase = sha256sumCheck(station, sums);
    const runs = runsFor(count);
    const v = await sideBySide(runs, { ours: () => timeCommand(verifyOurs), base: () => timeCommand(verifyBase) }, undefined, runs > 1);
    const rss = await peakRss(verifyOurs, path.join(ctx.benchDir, 'rss-child.js'));
    const rssCell = rss === undefined ? '—' : `${(rss / 1024 / 1024).toFixed(0)} MiB`;
    if (count > DOWNLOAD_UP_TO) {
      await remove(dir);
      ctx.log(`scaling ${count}: verify ${sec(v.ours.ms)} vs ${sec(v.base.ms)}, peak RSS ${rssCell}`);
      table.push(`| ${count.toLocaleString('en')} | ${sec(v.ours.ms)} | ${sec(v.base.ms)} | ${times(v.ours.ms / v.base.ms)} | ${rssCell} | — | — | — |`);
      continue;
    }

    const server = await startBenchServer(ctx.benchDir, path.join(station, 'lib'));
    let d;
    let inputs;
    try {
      const manifest = await fs.readFile(sums, 'utf8');
      const hashes = new Map(manifest.trim().split('\n').map((l) => [l.slice(70), l.slice(0, 64)] as [string, string]));
      inputs = await writeDownloadInputs(dir, server.directUrl, hashes, new Map(specs.map((s) => [s.name, s.size])));
      const plan = inputs;
      const downloadOurs = benchScript(ctx, 'download-child.js', [plan.plan]);
      const downloadBase = curlSequential(plan.curlConfig);
      d = await sideBySide(
        runs,
        { ours: () => timeCommand(downloadOurs), base: () => timeCommand(downloadBase) },
        async () => {
          await remove(plan.oursOut);
          await remove(plan.curlOut);
        },
        runs > 1,
      );
      if (count === COUNTS[0]) {
        commands.push(
          { label: 'verify, ours', command: show(ctx, verifyOurs) },
          { label: 'verify, baseline', command: show(ctx, verifyBase) },
          { label: 'download, ours', command: show(ctx, downloadOurs) },
          { label: 'download, baseline', command: show(ctx, downloadBase) },
        );
      }
    } finally {
      await server.close();
      await remove(dir);
    }
    ctx.log(`scaling ${count}: verify ${sec(v.ours.ms)} vs ${sec(v.base.ms)}, download ${sec(d.ours.ms)} vs ${sec(d.base.ms)}`);
    table.push(
      `| ${count.toLocaleString('en')} | ${sec(v.ours.ms)} | ${sec(v.base.ms)} | ${times(v.ours.ms / v.base.ms)} | ${rssCell} | ${sec(d.ours.ms)} | ${sec(d.base.ms)} | ${times(d.ours.ms / d.base.ms)} |`,
    );
  }
  return {
    title: 'Scaling with the number of files',
    method:
      `Stations of 100, 1 000, 10 000 and 50 000 files of ${SIZE / 1024} KiB. Verify is a whole \`start --offline\` against \`sha256sum -c\`, with its peak RSS ` +
      `(GNU time, or the child's own maxRSS); download (up to ${DOWNLOAD_UP_TO.toLocaleString('en')} files) is the ` +
      `product's downloader (default concurrency ${SETTINGS.concurrency.default}, fsync + rename per file) against one sequential curl process, both from the static server on ` +
      "loopback with no added latency, written to disk. Median of 3 interleaved runs after a warm-up for 100 and 1 000 files; one run from 10 000.",
    extra: table,
    rows,
    commands,
  };
}
