// An append-only file that can never stop a run: a line that cannot be written (full disk,
// read-only station) is dropped and reported once per streak of failures — no throw, no retry loop
// (sonic-boom's flushSync spins forever on ENOSPC, which is why pino.destination is not used).
import { closeSync, constants, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Options of a fail-soft file. */
export interface FailSoftFileOptions {
  /** Never follow a symbolic link at the file or its folder (files under .upgrade/, which must hold no links). */
  noFollow?: boolean;
}

/** Opens `file` for appending; each write is one synchronous write, and nothing ever throws. */
export function failSoftDestination(
  file: string,
  onFailure: (message: string) => void,
  options: FailSoftFileOptions = {},
): { write(line: string): boolean; close(): void } {
  let fd: number | undefined;
  let failing = false;
  const fail = (error: unknown): void => {
    if (failing) return; // once per streak of failures: a full disk must not flood stderr
    failing = true;
    onFailure(`could not write the log ${file}: ${error instanceof Error ? error.message : String(error)} (the run goes on; lines are lost until it can be written)`);
  };
  try {
    const folder = path.dirname(file);
    if (options.noFollow === true && lstatSync(folder, { throwIfNoEntry: false })?.isSymbolicLink() === true) {
      throw new Error(`${folder} is a symbolic link; it is not followed`);
    }
    mkdirSync(folder, { recursive: true });
    const noFollow = options.noFollow === true ? constants.O_NOFOLLOW : 0;
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | noFollow, 0o666);
  } catch (error) {
    fail(error);
  }
  return {
    write(line) {
      if (fd === undefined) return true;
      try {
        const bytes = Buffer.from(line, 'utf8');
        for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
        failing = false;
      } catch (error) {
        fail(error);
      }
      return true;
    },
    close() {
      if (fd === undefined) return;
      try {
        closeSync(fd);
      } catch {
        // nothing left to lose: every line was written synchronously
      }
      fd = undefined;
    },
  };
}
