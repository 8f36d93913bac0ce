// The client database port (DESIGN §12): one interface, two adapters — SQLite (db/reg.sqlite, the
// embedded default) and Derby (db/reg, every real MOSIP station, reached through the Java bridge).
// The DB step, the backup, the rollback and the preflight speak only to this port.
import type { VersionMappings } from '../../formats/version.js';
import type { Logger } from '../logger.js';
import type { DbUpgradeStep } from './plan-db-upgrade.js';
import type { DbStepOutcome } from './run-db-upgrade.js';

/** Which database engine a station's client uses. */
export type ClientDbKind = 'sqlite' | 'derby';

/** Options of one DB upgrade step. */
export interface ApplyStepOptions {
  logger: Logger;
  /** Orders the database's version against the step (releaseOrder); numeric comparison without. */
  mappings?: VersionMappings;
  /** Clock for history rows and global_param. Default: the system clock. */
  now?: () => Date;
  /** The snapshot taken right before the first change: the ladder's last rung where the engine needs one. */
  snapshotPath?: string;
}

/** An open client database for the length of one DB step (Derby: one JVM). */
export interface ClientDbSession {
  /** The version in global_param (`mosip.reg.services.current.version`), or `fallback` when missing. */
  readVersion(fallback: string): Promise<string>;
  /**
   * Runs one mapped version's upgrade script in one transaction with its version key and history row
   * (history in the upgrader's own table/schema); safe to run twice ('already-applied'). A failure is
   * rolled back and returned as 'failed'; throws ROLLBACK_FAILED when the database cannot be brought back.
   */
  applyStep(step: DbUpgradeStep, libDir: string, options: ApplyStepOptions): Promise<DbStepOutcome>;
  /** Row count of every client table (schema REG on Derby), keyed by upper-case table name. */
  countRows(): Promise<Record<string, number>>;
  /**
   * A consistent copy of the open database into `destDir` (as `destDir/<basename(location)>`; Derby:
   * SYSCS_UTIL.SYSCS_BACKUP_DATABASE, still encrypted), taken in the same session as the step, so the
   * client cannot be writing. Replaces an older copy there atomically.
   */
  snapshot(destDir: string): Promise<ClientDbSnapshot>;
  /** Closes the database cleanly (Derby: shutdown, JVM exit). Idempotent. */
  close(): Promise<void>;
}

/** A snapshot on disk. */
export interface ClientDbSnapshot {
  /** The copy: a file (SQLite) or a folder (Derby), named like the live database. */
  path: string;
  bytes: number;
}

/** One station's client database, opened only when there is database work to do. */
export interface ClientDbAdapter {
  readonly kind: ClientDbKind;
  /** The live database on disk: `db/reg.sqlite` (file) or `db/reg` (folder). */
  readonly location: string;
  /** True when the database exists on disk. Starts no JVM. */
  exists(): Promise<boolean>;
  /**
   * The version in global_param, or `fallback`, changing nothing (no migration, no history table);
   * for a check when the state database does not know it. Derby starts a JVM for it. Throws like `open`.
   */
  peekVersion(fallback: string, logger: Logger): Promise<string>;
  /**
   * Opens the database for a DB step. Throws ConfigError JAVA_NOT_FOUND, DERBY_JAR_NOT_FOUND,
   * DB_CREDENTIALS_INVALID, DB_CREDENTIALS_TPM, CLIENT_DB_UNREADABLE (exit 64), DatabaseError
   * CLIENT_DB_IN_USE (exit 40) when the running client holds it. Secrets never reach argv, logs or errors.
   */
  open(logger: Logger): Promise<ClientDbSession>;
  /**
   * Puts the snapshot back as the live database. The database it replaces is never deleted: it is
   * moved to `keepReplacedAs` first (a path beside the backup). Throws BackupError ROLLBACK_FAILED.
   */
  restore(snapshotPath: string, keepReplacedAs: string, logger: Logger): Promise<void>;
}
