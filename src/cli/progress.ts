// Download progress for people. On a terminal: one bar whose percentage never goes backwards (it
// counts files — known before the first byte — each by its share of bytes), with speed and time
// left. Without a terminal, or with --no-progress: a plain line on stderr now and then, as apt does
// when piped. Never with --json. NO_COLOR removes colour only (the bar has none).
import cliProgress from 'cli-progress';
import type { DownloadProgress } from '../services/download.js';
import { formatBytes } from './format-bytes.js';

/** A progress sink and its finisher. */
export interface ProgressDisplay {
  onProgress?: (progress: DownloadProgress) => void;
  stop(): void;
}

/** What the operator sees: a bar, plain lines, or nothing. */
export type ProgressMode = 'bar' | 'lines' | 'off';

/** Bar on a terminal, lines elsewhere or with --no-progress, nothing with --json. */
export function progressMode(options: { json?: boolean; progress?: boolean }, isTTY: boolean): ProgressMode {
  if (options.json === true) return 'off';
  return isTTY && options.progress !== false ? 'bar' : 'lines';
}

/** Where the download stands (pure: table-tested). */
export interface ProgressSummary {
  percent: number;
  filesDone: number;
  filesTotal: number;
  bytes: number;
  /** Sum of the sizes of the files started so far (the server tells each size as it starts). */
  bytesKnown: number;
  bytesPerSecond: number;
  /** Seconds left at the current pace, or null before there is a pace. */
  secondsLeft: number | null;
}

/** Files seen so far: label → bytes and size. */
export type ProgressFiles = ReadonlyMap<string, { bytes: number; total: number | undefined }>;

/** Summarises the files seen; `floor` is the last percentage shown (never go below it). */
export function summarizeProgress(files: ProgressFiles, filesInBatch: number, elapsedMs: number, floor: number): ProgressSummary {
  let share = 0;
  let bytes = 0;
  let bytesKnown = 0;
  let filesDone = 0;
  for (const file of files.values()) {
    bytes += file.bytes;
    bytesKnown += file.total ?? file.bytes;
    const part = file.total === undefined || file.total === 0 ? 0 : Math.min(1, file.bytes / file.total);
    if (part === 1) filesDone += 1;
    share += part;
  }
  const filesTotal = Math.max(filesInBatch, files.size);
  const percent = Math.max(floor, filesTotal === 0 ? 0 : Math.min(100, (share / filesTotal) * 100));
  const seconds = elapsedMs / 1000;
  const bytesPerSecond = seconds > 0 ? bytes / seconds : 0;
  const secondsLeft = percent > 0 && percent < 100 ? (seconds * (100 - percent)) / percent : percent >= 100 ? 0 : null;
  return { percent, filesDone, filesTotal, bytes, bytesKnown, bytesPerSecond, secondsLeft };
}

/** `fetched 12/40 files, 8.1 of 31.0 MiB, 210 KiB/s` */
export function progressLine(summary: ProgressSummary): string {
  return `fetched ${summary.filesDone}/${summary.filesTotal} files, ${formatBytes(summary.bytes)} of ${formatBytes(summary.bytesKnown)}, ${formatBytes(Math.round(summary.bytesPerSecond))}/s`;
}

function duration(seconds: number | null): string {
  if (seconds === null) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A display for `mode`, writing to stderr; `lineEveryMs` spaces the plain lines. */
export function createProgressDisplay(mode: ProgressMode, options: { lineEveryMs?: number; now?: () => number } = {}): ProgressDisplay {
  if (mode === 'off') return { stop() {} };
  const now = options.now ?? Date.now;
  const every = options.lineEveryMs ?? 2000;
  const files = new Map<string, { bytes: number; total: number | undefined }>();
  let inBatch = 0;
  let started: number | undefined;
  let floor = 0;
  let lastLine: number | undefined;
  let bar: cliProgress.SingleBar | undefined;
  const summary = (): ProgressSummary => {
    const result = summarizeProgress(files, inBatch, now() - (started ?? now()), floor);
    floor = result.percent;
    return result;
  };
  return {
    onProgress(progress) {
      started ??= now();
      inBatch = Math.max(inBatch, progress.files ?? 0);
      files.set(progress.label, { bytes: progress.bytes, total: progress.total });
      const current = summary();
      if (mode === 'lines') {
        if (lastLine === undefined || now() - lastLine >= every) {
          lastLine = now();
          process.stderr.write(`${progressLine(current)}\n`);
        }
        return;
      }
      const payload = {
        files: `${current.filesDone}/${current.filesTotal} files`,
        size: `${formatBytes(current.bytes)} of ${formatBytes(current.bytesKnown)}`,
        speed: `${formatBytes(Math.round(current.bytesPerSecond))}/s`,
        left: duration(current.secondsLeft),
      };
      if (bar === undefined) {
        bar = new cliProgress.SingleBar(
          { format: 'downloading [{bar}] {value}% | {files} | {size} | {speed} | {left} left', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(100, Math.floor(current.percent), payload);
      }
      bar.update(Math.floor(current.percent), payload);
    },
    stop() {
      if (started === undefined) return;
      const final = summary();
      if (mode === 'lines') process.stderr.write(`${progressLine(final)}\n`);
      bar?.stop();
    },
  };
}
