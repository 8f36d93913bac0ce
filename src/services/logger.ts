// The run's log: every step as one JSON line with a timestamp in <clientDir>/registration.log
// (pino, written synchronously so a kill never loses the line before it), warnings echoed to stderr.
import { mkdirSync } from 'node:fs';
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

/** Opens the station log file (created with its folder if missing). */
export function createFileLogger(options: FileLoggerOptions): Logger & { close(): void } {
  mkdirSync(path.dirname(options.file), { recursive: true });
  const destination = pino.destination({ dest: options.file, sync: true, append: true, mkdir: true });
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
    close: () => destination.flushSync(),
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
