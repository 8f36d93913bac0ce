// Resume: a download of a 200 MiB file is SIGKILLed at half-way; the next run must continue from
// the bytes on disk. What crosses the wire twice is what the kill cost.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startBenchServer } from '../bench-server.js';
import { benchScript, mib, show, type BenchContext, type SectionResult } from '../context.js';
import { fileSpecs, remove, writeFiles } from '../fixtures.js';
import { median, runCommand } from '../measure.js';
import { writeDownloadInputs } from './download.js';

const SIZE = 200 * 1048576;
const RATE = 100 * 1048576;
const GOAL = 1048576;
const TRIALS = 3;

interface Trial {
  /** Bytes the killed run had received (its last progress line before it died). */
  reported: number;
  /** Size of the part file after the kill. */
  kept: number;
  /** Range the second run asked for. */
  range: string;
  /** Bytes the second run fetched. */
  fetched: number;
  /** Received by the killed run + fetched by the second − file size: bytes downloaded twice. */
  again: number;
  /** Body bytes the server sent over both runs, minus the file size (kernel buffers and kill latency included). */
  twice: number;
}

/** The resume section. */
export async function benchResume(ctx: BenchContext): Promise<SectionResult> {
  const dir = path.join(ctx.work, 'resume');
  const root = path.join(dir, 'server');
  const [spec] = fileSpecs('big', [SIZE]);
  if (spec === undefined) throw new Error('no file');
  const hashes = await writeFiles(root, [spec], 'resume');
  const server = await startBenchServer(ctx.benchDir, root, { bytesPerSecond: RATE });
  const trials: Trial[] = [];
  let command = '';
  try {
    const inputs = await writeDownloadInputs(dir, server.url, hashes, new Map([[spec.name, SIZE]]));
    const plan = JSON.parse(await fs.readFile(inputs.plan, 'utf8')) as { jobs: unknown[] };
    await fs.writeFile(inputs.plan, JSON.stringify({ ...plan, progress: true }));
    const line = benchScript(ctx, 'download-child.js', [inputs.plan]);
    command = show(ctx, line);
    for (let trial = 0; trial < TRIALS; trial += 1) {
      await remove(inputs.oursOut);
      await server.reset();
      let reported = 0;
      const first = await runCommand(line, (text, kill) => {
        if (!text.startsWith('P ')) return;
        // Lines keep arriving until the child is dead: the last one is what it had received.
        reported = Number(text.slice(2));
        if (reported >= SIZE / 2) kill();
      });
      if (first.signal !== 'SIGKILL') throw new Error(`resume: the first run was not killed (${first.code ?? '?'}): ${first.stderr}`);
      const kept = (await fs.stat(path.join(inputs.oursOut, 'parts', `${spec.name}.part`))).size;
      const sentFirst = (await server.stats()).bytesSent;
      await server.reset();
      const second = await runCommand(line);
      const done = /^DONE (.*)$/m.exec(second.stdout)?.[1];
      if (second.code !== 0 || done === undefined) throw new Error(`resume: the second run failed: ${second.stderr}`);
      const fetched = (JSON.parse(done) as { bytesFetched: number }).bytesFetched;
      const stats = await server.stats();
      trials.push({
        reported,
        kept,
        range: stats.ranges[0] ?? '(none: started over)',
        fetched,
        again: reported + fetched - SIZE,
        twice: sentFirst + stats.bytesSent - SIZE,
      });
      ctx.log(`resume: received ${reported} B, kept ${kept} B, then ${stats.ranges[0] ?? 'no range'}: downloaded twice ${reported + fetched - SIZE} B`);
    }
  } finally {
    await server.close();
    await remove(dir);
  }
  const again = median(trials.map((t) => t.again));
  const worst = Math.max(...trials.map((t) => t.again));
  const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
  return {
    title: 'Resume after a kill',
    method:
      `The downloader (own process) fetches one ${mib(SIZE)} file from a server paced at ${mib(RATE)}/s and is SIGKILLed as soon as it reports half the ` +
      'bytes; a second run of the same command finishes it. "Downloaded twice" = bytes the killed process had received (its last progress line) + bytes ' +
      'the second run fetched − the file size. The server\'s own count of bytes sent twice is in the notes: it also holds what was still in the socket ' +
      `buffers or in flight while the kill landed, which no client can keep. Median of ${TRIALS} trials; the baseline is starting over, ` +
      'which is what a plain `curl -o` does after a kill (it truncates the file).',
    rows: [
      {
        measure: `downloaded twice after SIGKILL at 50 % of ${mib(SIZE)}`,
        ours: `${kib(again)} (worst ${kib(worst)})`,
        baseline: `${mib(SIZE / 2)} starting over`,
        ratio: '',
        goal: '≤ 1 MiB',
        met: worst <= GOAL,
      },
    ],
    notes: trials.map(
      (t, i) =>
        `trial ${i + 1}: received ${t.reported} B, ${t.kept} B kept in the part file; the second run asked \`Range: ${t.range}\` and fetched ${t.fetched} B; ` +
        `downloaded twice ${t.again} B; server sent ${t.twice} B twice`,
    ),
    commands: [{ label: 'ours (run twice, the first SIGKILLed)', command: command }],
  };
}
