// A download progress bar on a terminal (cli-progress); nothing at all with --json, NO_COLOR or no TTY.
import cliProgress from 'cli-progress';
import type { DownloadProgress } from '../services/download.js';

/** A progress sink and its finisher. */
export interface ProgressDisplay {
  onProgress?: (progress: DownloadProgress) => void;
  stop(): void;
}

/** One bar over all files being downloaded, or a no-op display when not interactive. */
export function createProgressDisplay(interactive: boolean): ProgressDisplay {
  if (!interactive) return { stop() {} };
  const files = new Map<string, { bytes: number; total: number }>();
  let bar: cliProgress.SingleBar | undefined;
  return {
    onProgress(progress) {
      files.set(progress.label, { bytes: progress.bytes, total: progress.total ?? progress.bytes });
      let bytes = 0;
      let total = 0;
      for (const file of files.values()) {
        bytes += file.bytes;
        total += file.total;
      }
      if (bar === undefined) {
        bar = new cliProgress.SingleBar(
          { format: 'downloading [{bar}] {percentage}% | {value}/{total} bytes | {file}', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, bytes, { file: progress.label });
      }
      bar.setTotal(total);
      bar.update(bytes, { file: progress.label });
    },
    stop() {
      bar?.stop();
    },
  };
}
