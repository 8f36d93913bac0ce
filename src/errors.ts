// The one error vocabulary of the product. Every module may import this file (it imports nothing).
// Codes are stable strings that tests, `--json` output and launchers match on; messages may change.

/** Exit codes of the CLI: the launcher's contract (DESIGN §7). */
export const EXIT = {
  ready: 0,
  restartRequired: 10,
  buildStatusCheckFailure: 20,
  patchDownloadFailure: 21,
  dbUpgradeFailed: 30,
  rollbackFailed: 31,
  locked: 40,
  usage: 64,
  badData: 65,
  /** Stopped by a signal (the shell's 128 + n): Ctrl-C, a service stop. No error code: the next run resumes. */
  interrupted: 130,
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Every stable error code, with the exit code it maps to. */
export const ERROR_CODES = {
  // usage and configuration (64)
  USAGE: EXIT.usage,
  CONFIG_INVALID: EXIT.usage,
  INVALID_VERSION: EXIT.usage,
  NO_BACKUP: EXIT.usage,
  NO_UPGRADE_ANNOUNCED: EXIT.usage,
  CONFIRMATION_REQUIRED: EXIT.usage,
  JAVA_NOT_FOUND: EXIT.usage,
  DERBY_JAR_NOT_FOUND: EXIT.usage,
  DB_CREDENTIALS_INVALID: EXIT.usage,
  DB_CREDENTIALS_TPM: EXIT.usage,
  CLIENT_DB_UNREADABLE: EXIT.usage,
  // bad data (65)
  MANIFEST_MALFORMED: EXIT.badData,
  MANIFEST_NAME_UNSAFE: EXIT.badData,
  METADATA_MALFORMED: EXIT.badData,
  METADATA_DOCTYPE: EXIT.badData,
  PROPERTIES_MALFORMED: EXIT.badData,
  MAPPINGS_INVALID: EXIT.badData,
  SQL_MALFORMED: EXIT.badData,
  HASH_MISMATCH: EXIT.badData,
  SIGNATURE_INVALID: EXIT.badData,
  ROLLOUT_MALFORMED: EXIT.badData,
  RELEASE_REFUSED: EXIT.badData,
  // network and startup
  BUILD_STATUS_CHECK_FAILED: EXIT.buildStatusCheckFailure,
  PATCH_DOWNLOAD_FAILED: EXIT.patchDownloadFailure,
  OFFLINE_FILES_BAD: EXIT.patchDownloadFailure,
  DOWNLOAD_FAILED: EXIT.patchDownloadFailure,
  // fleet report: the fleet service could not be reached or gave no summary
  FLEET_UNREACHABLE: EXIT.buildStatusCheckFailure,
  DOWNLOAD_TOO_LARGE: EXIT.patchDownloadFailure,
  // upgrade
  BACKUP_FAILED: EXIT.dbUpgradeFailed,
  DISK_FULL: EXIT.dbUpgradeFailed,
  DB_UPGRADE_FAILED: EXIT.dbUpgradeFailed,
  ROLLBACK_FAILED: EXIT.rollbackFailed,
  CRASH_LOOP: EXIT.dbUpgradeFailed,
  UPGRADE_FAILED: EXIT.dbUpgradeFailed,
  // local
  LOCKED: EXIT.locked,
  CLIENT_DB_IN_USE: EXIT.locked,
  STATE_DB_FAILED: EXIT.badData,
  IO_FAILED: EXIT.patchDownloadFailure,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base of every error the product throws on purpose: a stable `code`, a message for people, a `cause`. */
export class UpgradeError extends Error {
  override name = 'UpgradeError';
  readonly code: ErrorCode;
  /** Extra facts for logs and `--json` (file, url, key, line…): plain JSON only. */
  readonly details: Record<string, string | number | boolean | null>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, string | number | boolean | null> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** The exit code this error stands for (DESIGN §7). */
  get exitCode(): ExitCode {
    return ERROR_CODES[this.code];
  }
}

/** A file format could not be read or written (manifest, metadata, properties, mappings, SQL). */
export class FormatError extends UpgradeError {
  override name = 'FormatError';
}

/** Configuration or command-line input is invalid; nothing on disk was touched. */
export class ConfigError extends UpgradeError {
  override name = 'ConfigError';
}

/** The network failed: server unreachable, HTTP error, timeout. */
export class NetworkError extends UpgradeError {
  override name = 'NetworkError';
}

/** Bytes did not match what the manifest or signature promised. */
export class IntegrityError extends UpgradeError {
  override name = 'IntegrityError';
}

/** Taking or restoring a backup failed. */
export class BackupError extends UpgradeError {
  override name = 'BackupError';
}

/** The client database could not be upgraded or rolled back. */
export class DatabaseError extends UpgradeError {
  override name = 'DatabaseError';
}

/** The upgrader's own state database failed. */
export class PersistenceError extends UpgradeError {
  override name = 'PersistenceError';
}

/** Plain JSON form of any thrown value, for machine context and `--json` (never an Error object). */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: Record<string, string | number | boolean | null>;
}

/** Turns anything thrown into an ErrorInfo; unknown errors keep their message under a fallback code. */
export function toErrorInfo(error: unknown, fallback: ErrorCode): ErrorInfo {
  if (error instanceof UpgradeError) {
    return Object.keys(error.details).length > 0
      ? { code: error.code, message: error.message, details: error.details }
      : { code: error.code, message: error.message };
  }
  return { code: fallback, message: errorMessage(error) };
}

/** The message of anything thrown: an Error's message, else the value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The one answer to "which exit code does this failure give": the row of its code in ERROR_CODES.
 * Anything thrown that is not an UpgradeError is an unexpected local failure: IO_FAILED (21).
 */
export function exitCodeOf(error: unknown): ExitCode {
  return ERROR_CODES[toErrorInfo(error, 'IO_FAILED').code];
}

// Exit codes that say *where* a run failed rather than what: a network or disk error fetching the
// manifest is a build status check failure (20), the same error while patching a download failure (21).
const DECIDED_BY_STEP: readonly ExitCode[] = [EXIT.buildStatusCheckFailure, EXIT.patchDownloadFailure];

/**
 * An error as a failed step records it: a code of its own kind (bad data 65, usage 64, lock 40, the
 * upgrade's 30 and 31) stays; a network or I/O failure, or anything unexpected, takes the step's code.
 */
export function classifyError(error: unknown, stepCode: ErrorCode): ErrorInfo {
  const info = toErrorInfo(error, stepCode);
  // A download refused by a limit, or a local disk that failed, is said as such, not as the step's network failure.
  if (!DECIDED_BY_STEP.includes(ERROR_CODES[info.code]) || info.code === 'DOWNLOAD_TOO_LARGE' || info.code === 'IO_FAILED') return info;
  return info.details === undefined
    ? { code: stepCode, message: info.message }
    : { code: stepCode, message: info.message, details: info.details };
}

// Bytes a step had fetched when it failed: carried beside the error (not in its JSON) so the run
// result reports what was really downloaded, not 0.
const fetchedBeforeFailing = new WeakMap<object, number>();

/** Records on a thrown value the bytes its step fetched before failing (the larger count wins); returns it. */
export function noteBytesFetched<T>(error: T, bytes: number): T {
  if (typeof error === 'object' && error !== null && bytes > 0) {
    fetchedBeforeFailing.set(error, Math.max(bytes, fetchedBeforeFailing.get(error) ?? 0));
  }
  return error;
}

/** The bytes noted on a thrown value by noteBytesFetched, else 0. */
export function bytesFetchedBefore(error: unknown): number {
  return typeof error === 'object' && error !== null ? (fetchedBeforeFailing.get(error) ?? 0) : 0;
}

/** Removes user:password@ from a URL so it can be logged or shown. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//');
  }
}
