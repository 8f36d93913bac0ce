// The run's log, written synchronously so a kill never loses the line before it: for people,
// <clientDir>/registration.log — one line per step, local time, plain words; for tools, the same
// lines as JSON (pino) in .upgrade/registration.jsonl. Warnings are echoed to stderr. The log can
// never stop a run: a line that cannot be written is dropped and reported once (fail-soft-file.ts).
import pino from 'pino';
import { redactUrl } from '../errors.js';
import { failSoftDestination } from './fail-soft-file.js';

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
  /** The readable log (registration.log). */
  file: string;
  /** The JSON-lines log; none when omitted. */
  jsonFile?: string;
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

/** `2026-12-02 09:14:03 +05:30`: the station's local time with its offset, as a person reads it. */
export function localTimestamp(at: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const offset = -at.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())} ` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

/** One readable line: time, level, command, message, then the details as key=value. */
export function readableLine(at: Date, level: LogLevel, command: string, message: string, details?: LogDetails): string {
  const facts =
    details === undefined || Object.keys(details).length === 0
      ? ''
      : `  (${Object.entries(details)
          .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : JSON.stringify(value)}`)
          .join('; ')})`;
  return `${localTimestamp(at)}  ${level.toUpperCase().padEnd(5)}  ${command.padEnd(8)}  ${message}${facts}\n`;
}

/** Opens the station log files (created with their folders if missing); never throws, see failSoftDestination. */
export function createFileLogger(options: FileLoggerOptions): Logger & { close(): void; failures: string[] } {
  const failures: string[] = [];
  const onFailure = (message: string): void => {
    failures.push(message);
    try {
      process.stderr.write(`warn: ${message}\n`);
    } catch {
      // stderr closed: the failure is still in the run's warnings
    }
  };
  const text = failSoftDestination(options.file, onFailure);
  const json = options.jsonFile === undefined ? undefined : failSoftDestination(options.jsonFile, onFailure, { noFollow: true });
  const base =
    json === undefined ? undefined : pino({ level: options.level, timestamp: pino.stdTimeFunctions.isoTime, base: options.bindings ?? {} }, json);
  const command = typeof options.bindings?.command === 'string' ? options.bindings.command : '';
  const echo = options.echoLevel;
  const write = (level: LogLevel) => (message: string, details?: LogDetails) => {
    if (ORDER[level] >= ORDER[options.level]) {
      const clean = scrub(details);
      text.write(readableLine(new Date(), level, command, message, clean));
      if (base !== undefined) {
        if (clean === undefined) base[level](message);
        else base[level](clean, message);
      }
    }
    if (echo !== undefined && ORDER[level] >= ORDER[echo]) process.stderr.write(`${level}: ${message}\n`);
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    failures,
    close: () => {
      text.close();
      json?.close();
    },
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
