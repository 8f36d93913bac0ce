// Downloads against curl: 100 small files from a server that adds 50 ms to every request
// (latency-bound: parallel requests win), and a few large files on loopback (throughput-bound).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../src/config/settings.js';
import { publishRelease } from '../../src/server/publish.js';
import type { DownloadJob } from '../../src/services/download.js';
import { startBenchServer } from '../bench-server.js';
import { benchScript, cliCommand, mib, mibPerSec, sec, show, times, wallCpu, type BenchContext, type ResultRow, type SectionResult } from '../context.js';
import type { DownloadPlan } from '../download-child.js';
import { fileSpecs, remove, writeFiles, writeManifest, type FileSpec } from '../fixtures.js';
import { sideBySide, timeCommand, type CommandLine, type ToolMedian } from '../measure.js';

const SMALL_FILES = 100;
const SMALL_SIZE = 64 * 1024;
const LATENCY_MS = 50;
/** The bandwidth-bound link: 2 MB/s shared by every connection, no added latency. */
const LINK_RATE = 2_000_000;
/** Files at once in the table of concurrency against time. */
const TABLE_CONCURRENCY: (number | 'auto')[] = [1, 2, 4, 8, 16, 32, 'auto'];
const DEFAULT_CONCURRENCY = SETTINGS.concurrency.default;
const LARGE_FILES = 3;
const LARGE_SIZE = 100 * 1048576;

interface Part {
  rows: ResultRow[];
  commands: SectionResult['commands'];
  notes?: string[];
  /** Rows of the table of concurrency against time: one column per link. */
  table?: Map<number | 'auto', string>;
  tableHeader?: string;
}

/** A copy of a downloadAll plan with `concurrency` set; returns its path. */
async function planWithConcurrency(plan: string, concurrency: number | 'auto'): Promise<string> {
  const parsed = JSON.parse(await fs.readFile(plan, 'utf8')) as DownloadPlan;
  const out = plan.replace(/\.json$/, `-c${concurrency}.json`);
  await fs.writeFile(out, JSON.stringify({ ...parsed, concurrency } satisfies DownloadPlan));
  return out;
}

/** Medians of the downloader at each TABLE_CONCURRENCY (and `also`), `runs` interleaved rounds, outputs reset before each run. */
async function concurrencySweep(
  ctx: BenchContext,
  plan: string,
  reset: () => Promise<void>,
  also: Record<string, () => Promise<{ ms: number }>> = {},
): Promise<{ byConcurrency: Map<number | 'auto', ToolMedian>; also: Record<string, ToolMedian> }> {
  const tools: Record<string, () => Promise<{ ms: number }>> = { ...also };
  for (const c of TABLE_CONCURRENCY) {
    const line = benchScript(ctx, 'download-child.js', [await planWithConcurrency(plan, c)]);
    tools[`c${c}`] = () => timeCommand(line);
  }
  const m = await sideBySide(Math.min(3, ctx.runs), tools, reset);
  const byConcurrency = new Map(TABLE_CONCURRENCY.map((c) => [c, m[`c${c}`] as ToolMedian]));
  return { byConcurrency, also: Object.fromEntries(Object.keys(also).map((k) => [k, m[k] as ToolMedian])) };
}

/** A downloadAll plan and the matching curl config for the same files into two output folders. */
export async function writeDownloadInputs(
  dir: string,
  baseUrl: string,
  files: Map<string, string>,
  sizes: Map<string, number>,
): Promise<{ plan: string; curlConfig: string; oursOut: string; curlOut: string }> {
  const oursOut = path.join(dir, 'out-ours');
  const curlOut = path.join(dir, 'out-curl');
  const jobs: DownloadJob[] = [...files].map(([name, hash]) => ({
    url: `${baseUrl}${name}`,
    partPath: path.join(oursOut, 'parts', `${name}.part`),
    finalPath: path.join(oursOut, name),
    expectedSha256: hash,
    expectedSize: sizes.get(name) ?? 0,
    label: name,
  }));
  const plan = path.join(dir, 'plan.json');
  await fs.writeFile(plan, JSON.stringify({ jobs } satisfies DownloadPlan));
  const curlConfig = path.join(dir, 'curl.cfg');
  await fs.writeFile(curlConfig, [...files.keys()].map((name) => `url = "${baseUrl}${name}"\noutput = "${path.join(curlOut, name)}"\n`).join(''));
  return { plan, curlConfig, oursOut, curlOut };
}

/** `curl` fetching every URL of a config file one after another (one process, connection reused). */
export function curlSequential(config: string): CommandLine {
  return { cmd: 'curl', args: ['--silent', '--show-error', '--fail', '--create-dirs', '-K', config] };
}

/** The small-files half: latency-bound. */
async function benchSmall(ctx: BenchContext, dir: string, root: string, hashes: Map<string, string>, sizes: Map<string, number>): Promise<Part> {
  const station = path.join(dir, 'station');
  await fs.mkdir(path.join(station, 'lib'), { recursive: true });
  await writeManifest(station, '1.0.0', hashes);
  const slow = await startBenchServer(ctx.benchDir, root, { latencyMs: LATENCY_MS });
  try {
    const smallDir = path.join(dir, 'small');
    await fs.mkdir(smallDir, { recursive: true });
    const s = await writeDownloadInputs(smallDir, `${slow.url}registration-client/1.0.0/lib/`, hashes, sizes);
    const library = benchScript(ctx, 'download-child.js', [s.plan]);
    const curl = curlSequential(s.curlConfig);
    const serverUrl = `${slow.url}registration-client/`;
    const cli = cliCommand(ctx, ['start', '--json', '--client-dir', station, '--server-url', serverUrl]);
    const cli4 = cliCommand(ctx, ['start', '--json', '--client-dir', station, '--server-url', serverUrl, '--concurrency', '4']);
    ctx.log(`download: ${SMALL_FILES} small files, +${LATENCY_MS} ms per request`);
    const reset = async (): Promise<void> => {
      for (const folder of [s.oursOut, s.curlOut, path.join(station, 'lib')]) await remove(folder);
      await fs.mkdir(path.join(station, 'lib'));
    };
    const m = await sideBySide(
      ctx.runs,
      { library: () => timeCommand(library), cli: () => timeCommand(cli), cli4: () => timeCommand(cli4), curl: () => timeCommand(curl) },
      reset,
    );
    ctx.log(`download small: library ${wallCpu(m.library)}, cli ${wallCpu(m.cli)}, cli -c4 ${wallCpu(m.cli4)}, curl ${wallCpu(m.curl)}`);
    ctx.log(`download: ${SMALL_FILES} small files, +${LATENCY_MS} ms per request, concurrency ${TABLE_CONCURRENCY.join(', ')}`);
    const sweep = await concurrencySweep(ctx, s.plan, reset);
    const what = `${SMALL_FILES} files × ${SMALL_SIZE / 1024} KiB, +${LATENCY_MS} ms per request`;
    const baseline = `${wallCpu(m.curl)} curl`;
    const row = (measure: string, ours: ToolMedian, goal: boolean): ResultRow => {
      const ratio = ours.ms / m.curl.ms;
      return { measure: `${what}: ${measure}`, ours: wallCpu(ours), baseline, ratio: times(ratio), goal: goal ? '≤ 0.30×' : '', met: goal ? ratio <= 0.3 : undefined };
    };
    const floor = (atOnce: number): string => sec(Math.ceil(SMALL_FILES / atOnce) * LATENCY_MS);
    return {
      notes: [
        `The latency alone sets a floor: one request at a time ≥ ${floor(1)}; 4 at a time ≥ ${floor(4)} (${times(Math.ceil(SMALL_FILES / 4) / SMALL_FILES)} of curl's floor); ` +
          `8 at a time ≥ ${floor(8)}. The CLI also waits for 3 requests in sequence (probe, MANIFEST.MF, maven-metadata.xml) and its start-up, ` +
          'and moves the verified files into lib/ (16 renames at once).',
      ],
      rows: [
        row(`downloadAll, default concurrency ${DEFAULT_CONCURRENCY} (library)`, m.library, true),
        row(`\`start\` patching all of them, default concurrency ${DEFAULT_CONCURRENCY} (CLI)`, m.cli, true),
        row('`start --concurrency 4` (CLI, the default before)', m.cli4, false),
      ],
      table: new Map(TABLE_CONCURRENCY.map((c) => {
        const t = sweep.byConcurrency.get(c) as ToolMedian;
        return [c, `${sec(t.ms)} (${times(t.ms / m.curl.ms)})`];
      })),
      tableHeader: `+${LATENCY_MS} ms per request (curl ${sec(m.curl.ms)})`,
      commands: [
        { label: 'ours (library)', command: show(ctx, library) },
        { label: 'ours (CLI)', command: `${show(ctx, cli)}  # station with MANIFEST.MF and an empty lib/` },
        { label: 'ours (CLI, 4 at once)', command: show(ctx, cli4) },
        { label: 'ours (library, n at once)', command: `${show(ctx, library).replace('plan.json', 'plan-c<n>.json')}  # the same plan with concurrency n` },
        { label: 'baseline', command: `${show(ctx, curl)}  # config: one url/output pair per file` },
      ],
    };
  } finally {
    await slow.close();
  }
}

/** The same small files over a link of LINK_RATE bytes/s shared by every connection: bandwidth-bound. */
async function benchNarrow(ctx: BenchContext, dir: string, root: string, hashes: Map<string, string>, sizes: Map<string, number>): Promise<Part> {
  const station = path.join(dir, 'station');
  const narrow = await startBenchServer(ctx.benchDir, root, { bytesPerSecond: LINK_RATE });
  try {
    const narrowDir = path.join(dir, 'narrow');
    await fs.mkdir(narrowDir, { recursive: true });
    const n = await writeDownloadInputs(narrowDir, `${narrow.url}registration-client/1.0.0/lib/`, hashes, sizes);
    const curl = curlSequential(n.curlConfig);
    const cli = cliCommand(ctx, ['start', '--json', '--client-dir', station, '--server-url', `${narrow.url}registration-client/`]);
    const reset = async (): Promise<void> => {
      for (const folder of [n.oursOut, n.curlOut, path.join(station, 'lib')]) await remove(folder);
      await fs.mkdir(path.join(station, 'lib'));
    };
    ctx.log(`download: ${SMALL_FILES} small files over a ${LINK_RATE / 1e6} MB/s link, concurrency ${TABLE_CONCURRENCY.join(', ')}`);
    const sweep = await concurrencySweep(ctx, n.plan, reset, { curl: () => timeCommand(curl), cli: () => timeCommand(cli) });
    const base = sweep.also['curl'] as ToolMedian;
    const cliTime = sweep.also['cli'] as ToolMedian;
    const ours = sweep.byConcurrency.get(DEFAULT_CONCURRENCY);
    ctx.log(`download narrow: curl ${wallCpu(base)}, cli ${wallCpu(cliTime)}`);
    const what = `${SMALL_FILES} files × ${SMALL_SIZE / 1024} KiB over a ${LINK_RATE / 1e6} MB/s link`;
    const rows: ResultRow[] = [
      ...(ours === undefined ? [] : [{ measure: `${what}: downloadAll, default concurrency ${DEFAULT_CONCURRENCY} (library)`, ours: wallCpu(ours), baseline: `${wallCpu(base)} curl`, ratio: times(ours.ms / base.ms), goal: '', met: undefined }]),
      { measure: `${what}: \`start\` patching all of them (CLI)`, ours: wallCpu(cliTime), baseline: `${wallCpu(base)} curl`, ratio: times(cliTime.ms / base.ms), goal: '', met: undefined },
    ];
    return {
      rows,
      notes: [
        `On the ${LINK_RATE / 1e6} MB/s link the bytes alone take ${sec((SMALL_FILES * SMALL_SIZE * 1000) / LINK_RATE)} whatever the concurrency: more files at once ` +
          `share the same line. The default (${DEFAULT_CONCURRENCY}) took ${sec(ours?.ms ?? Number.NaN)} there against ` +
          `${sec(sweep.byConcurrency.get(4)?.ms ?? Number.NaN)} for 4 at once: a narrow link is not hurt by it (the table), a slow-answering one gains. ` +
          '`auto` starts at 8, doubles while the bytes received per second grow by 15 % or more, and steps back to the last size that helped once they stop growing (halving on errors).',
      ],
      table: new Map(TABLE_CONCURRENCY.map((c) => {
        const t = sweep.byConcurrency.get(c) as ToolMedian;
        return [c, `${sec(t.ms)} (${times(t.ms / base.ms)})`];
      })),
      tableHeader: `${LINK_RATE / 1e6} MB/s link (curl ${sec(base.ms)})`,
      commands: [
        { label: 'ours (2 MB/s, n at once)', command: `${show(ctx, benchScript(ctx, 'download-child.js', [n.plan])).replace('plan.json', 'plan-c<n>.json')}` },
        { label: 'ours (CLI, 2 MB/s)', command: show(ctx, cli) },
        { label: 'baseline (2 MB/s)', command: show(ctx, curl) },
      ],
    };
  } finally {
    await narrow.close();
  }
}

/** The large-files half: throughput-bound, on the disk and (when there is one) on tmpfs. */
async function benchLarge(ctx: BenchContext, root: string, hashes: Map<string, string>, sizes: Map<string, number>): Promise<Part> {
  const server = await startBenchServer(ctx.benchDir, root);
  const shm = ctx.shm === undefined ? undefined : path.join(ctx.shm, 'large');
  const total = LARGE_FILES * LARGE_SIZE;
  const rows: ResultRow[] = [];
  const commands: Part['commands'] = [];
  try {
    const places = [{ where: 'disk', dir: path.join(ctx.work, 'download', 'large') }, ...(shm === undefined ? [] : [{ where: 'tmpfs', dir: shm }])];
    for (const { where, dir } of places) {
      await fs.mkdir(dir, { recursive: true });
      const l = await writeDownloadInputs(dir, `${server.directUrl}large/`, hashes, sizes);
      const library = benchScript(ctx, 'download-child.js', [l.plan]);
      const curl = curlSequential(l.curlConfig);
      // The durable equivalent of ours: curl, then fsync every file it wrote (coreutils `sync FILE…`).
      const files = [...hashes.keys()].map((name) => path.join(l.curlOut, name));
      const curlSync = { cmd: 'sh', args: ['-c', `${curl.cmd} ${curl.args.join(' ')} && sync ${files.join(' ')}`] };
      ctx.log(`download: ${LARGE_FILES} × ${mib(LARGE_SIZE)} on loopback, written to ${where}`);
      const reset = async (): Promise<void> => {
        await remove(l.oursOut);
        await remove(l.curlOut);
      };
      const both = { library: () => timeCommand(library), curl: () => timeCommand(curl) };
      const m: Record<'library' | 'curl', ToolMedian> & { curlSync?: ToolMedian } =
        where === 'disk' ? await sideBySide(ctx.runs, { ...both, curlSync: () => timeCommand(curlSync) }, reset) : await sideBySide(ctx.runs, both, reset);
      await remove(l.oursOut);
      await remove(l.curlOut);
      ctx.log(`download large (${where}): library ${wallCpu(m.library)}, curl ${wallCpu(m.curl)}${m.curlSync === undefined ? '' : `, curl+sync ${wallCpu(m.curlSync)}`}`);
      const row = (against: string, base: ToolMedian, goal: boolean): ResultRow => ({
        measure: `${LARGE_FILES} files × ${mib(LARGE_SIZE)} on loopback, written to ${where}: downloadAll (verified, fsync) vs ${against}`,
        ours: `${mibPerSec(total, m.library.ms)} (${wallCpu(m.library)})`,
        baseline: `${mibPerSec(total, base.ms)} (${wallCpu(base)})`,
        ratio: times(base.ms / m.library.ms),
        goal: goal ? '≥ 0.90× curl' : '',
        met: goal ? base.ms / m.library.ms >= 0.9 : undefined,
      });
      rows.push(row('curl', m.curl, true));
      if (m.curlSync !== undefined) rows.push(row('curl + `sync` of its files (durable, like ours)', m.curlSync, false));
      commands.push({ label: `ours (${where})`, command: show(ctx, library) }, { label: `baseline (${where})`, command: show(ctx, curl) });
      if (where === 'disk') commands.push({ label: 'baseline, durable', command: `${show(ctx, curl)} && sync <the ${LARGE_FILES} files>` });
    }
  } finally {
    await server.close();
    if (shm !== undefined) await remove(shm);
  }
  return {
    rows,
    commands,
    notes: [
      'Ours hashes every byte (SHA-256) as it arrives, writes it through a Node stream and fsyncs each file before the rename; curl only writes. ' +
        'The server is a Node process on the same cores, so the CPU columns decide the outcome on a small machine.',
    ],
  };
}

/** The download section. */
export async function benchDownload(ctx: BenchContext): Promise<SectionResult> {
  const dir = path.join(ctx.work, 'download');
  const root = path.join(dir, 'server');
  // Small files: a published release, so the CLI can patch a station from it too.
  const small: FileSpec[] = fileSpecs('small', Array.from({ length: SMALL_FILES }, () => SMALL_SIZE));
  const libDir = path.join(dir, 'release-lib');
  const smallHashes = await writeFiles(libDir, small, 'small');
  await publishRelease({ unchecked: true, version: '1.0.0', libDir, outRoot: root });
  const large: FileSpec[] = fileSpecs('large', Array.from({ length: LARGE_FILES }, () => LARGE_SIZE));
  ctx.log(`download: writing ${LARGE_FILES} × ${mib(LARGE_SIZE)}`);
  const largeHashes = await writeFiles(path.join(root, 'large'), large, 'large');
  const sizes = new Map([...small, ...large].map((f) => [f.name, f.size]));
  try {
    const smallPart = await benchSmall(ctx, dir, root, smallHashes, sizes);
    const narrowPart = await benchNarrow(ctx, dir, root, smallHashes, sizes);
    const largePart = await benchLarge(ctx, root, largeHashes, sizes);
    const concurrencyTable = [
      `Concurrency against time, ${SMALL_FILES} files × ${SMALL_SIZE / 1024} KiB (downloadAll in its own process, median of ${Math.min(3, ctx.runs)}; ratio to sequential curl on the same link):`,
      '',
      `| files at once | ${smallPart.tableHeader ?? ''} | ${narrowPart.tableHeader ?? ''} |`,
      '|---:|---:|---:|',
      ...TABLE_CONCURRENCY.map((c) => `| ${c}${c === DEFAULT_CONCURRENCY ? ' (default)' : ''} | ${smallPart.table?.get(c) ?? ''} | ${narrowPart.table?.get(c) ?? ''} |`),
    ];
    return {
      title: 'Download',
      method:
        `The server is the product's own static server in a separate process. For the small files a proxy in that process waits ${LATENCY_MS} ms before ` +
        `answering each request (a distant server: latency-bound), or sends at ${LINK_RATE / 1e6} MB/s shared by all connections (a narrow line: ` +
        'bandwidth-bound); the large files come straight from the static server on loopback. Ours is the product\'s downloader ' +
        '(downloadAll: part file, hash while streaming, fsync, atomic rename) in its own process; the CLI rows are a whole `start` on a station whose ' +
        'lib/ is empty (probe, MANIFEST.MF, verify, patch every file, maven-metadata.xml: 103 requests). curl fetches the same URLs one after another ' +
        'in one process (`-K` config), reusing its connection. Throughput is bytes ÷ wall time, start-up included. ours writes durably (fsync before the ' +
        'rename), curl does not: on a disk that is slower than loopback the flush is most of our time, so the disk rows are shown against curl and ' +
        'against curl followed by `sync` of its files, and the same download is repeated onto tmpfs (no disk) to measure the downloader itself.',
      extra: concurrencyTable,
      rows: [...smallPart.rows, ...narrowPart.rows, ...largePart.rows],
      notes: [...(smallPart.notes ?? []), ...(narrowPart.notes ?? []), ...(largePart.notes ?? [])],
      commands: [...smallPart.commands, ...narrowPart.commands, ...largePart.commands],
    };
  } finally {
    await remove(dir);
  }
}
