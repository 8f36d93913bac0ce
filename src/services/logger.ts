// The run's log: every step as one JSON line with a timestamp in <clientDir>/registration.log
// (pino, written synchronously so a kill never loses the line before it), warnings echoed to stderr.
// The log can never stop a run: a line that cannot be written (full disk, read-only station) is
// dropped and reported once as a warning — no throw, no retry loop (sonic-boom's flushSync spins
// forever on ENOSPC, which is why pino.destination is not used).
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { redactUrl } from '../errors.js';

/** Log levels, least to most severe. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Details attached to a log line: plain JSON values. */
export type LogDetails = Record<string, unknown>;

/** What every service logs through (an argument, never a module singleton). */
export interface Logger {
  debug(message: string, details?: LogDetails): void;
  info(message: string, details?: LogDetails): void;
  warn(message: string, details?: LogDetails): void;
  error(message: string, details?: LogDetails): void;
}

/** A logger that drops everything (unit tests, library users who pass none). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Options of the station log. */
export interface FileLoggerOptions {
  file: string;
  level: LogLevel;
  /** Echo lines at or above this level to stderr as plain text (omit for none). */
  echoLevel?: LogLevel;
  /** Fields on every line (run id, command). */
  bindings?: LogDetails;
}

/** Strips credentials from any URL-looking string values before they are logged. */
function scrub(details: LogDetails | undefined): LogDetails | undefined {
  if (details === undefined) return undefined;
  const out: LogDetails = {};
  for (const [key, value] of Object.entries(details)) {
    out[key] = typeof value === 'string' && /^[a-z]+:\/\//i.test(value) ? redactUrl(value) : value;
  }
  return out;
}

/** A pino destination that appends each line with one synchronous write and never throws. */
export function failSoftDestination(file: string, onFailure: (message: string) => void): { write(line: string): boolean; close(): void } {
  let fd: number | undefined;
  let failing = false;
  const fail = (error: unknown): void => {
    if (failing) return; // once per streak of failures: a full disk must not flood stderr
    failing = true;
    onFailure(`could not write the log ${file}: ${error instanceof Error ? error.message : String(error)} (the run goes on; lines are lost until it can be written)`);
  };
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    fd = openSync(file, 'a');
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

/** Opens the station log file (created with its folder if missing); never throws, see failSoftDestination. */
export function createFileLogger(options: FileLoggerOptions): Logger & { close(): void; failures: string[] } {
  const failures: string[] = [];
  const destination = failSoftDestination(options.file, (message) => {
    failures.push(message);
    try {
      process.stderr.write(`warn: ${message}\n`);
    } catch {
      // stderr closed: the failure is still in the run's warnings
    }
  });
  const base = pino(
    { level: options.level, timestamp: pino.stdTimeFunctions.isoTime, base: options.bindings ?? {} },
    destination,
  );
  const echo = options.echoLevel;
  const write = (level: LogLevel) => (message: string, details?: LogDetails) => {
    const clean = scrub(details);
    if (clean === undefined) base[level](message);
    else base[level](clean, message);
    if (echo !== undefined && ORDER[level] >= ORDER[echo]) process.stderr.write(`${level}: ${message}\n`);
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    failures,
    close: () => destination.close(),
  };
}

/** A logger that records lines in memory: for tests and for `--json` summaries. */
export function createMemoryLogger(): Logger & { lines: Array<{ level: LogLevel; message: string; details?: LogDetails }> } {
  const lines: Array<{ level: LogLevel; message: string; details?: LogDetails }> = [];
  const write = (level: LogLevel) => (message: string, details?: LogDetails) => {
    lines.push(details === undefined ? { level, message } : { level, message, details });
  };
  return { lines, debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
