// One DB step on a Derby station database through the bridge (DESIGN §12): MOSIP's script for the
// mapped version, its version key and the history row commit together or not at all. Derby's DDL is
// transactional, so a statement failing part-way leaves nothing behind — where MOSIP's own run, one
// auto-committed statement at a time, leaves a half-upgraded database.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { BackupError, DatabaseError, FormatError, UpgradeError } from '../../../errors.js';
import { compareVersions } from '../../../formats/version.js';
import { treeSize } from '../../copy-tree.js';
import type { ApplyStepOptions, ClientDbSession, ClientDbSnapshot } from '../client-db-port.js';
import { loadDbScript, StatementFailure } from '../db-script.js';
import type { DbScript } from '../db-script.js';
import { DB_VERSION_CODE, UPGRADER_USER } from '../db-version.js';
import type { DbUpgradeStep } from '../plan-db-upgrade.js';
import type { DbStepOutcome } from '../run-db-upgrade.js';
import { versionKeyValue } from '../version-key-value.js';
import { BridgeRequestError } from './bridge-client.js';
import type { DerbyBridge } from './bridge-client.js';
import { hasAppliedDerbyRow, readDerbyHistory, recordDerbyHistory } from './derby-history.js';
import type { DbHistoryRow, NewDbHistoryRow } from '../db-history.js';
import { queryRows } from './derby-query.js';

/** MOSIP's language of the version key row (GlobalParamServiceImpl.update: ENGLISH_LANG_CODE). */
const LANG_CODE = 'eng';

/** A Derby session: the port's operations plus what only Derby offers. */
export interface DerbyClientDbSession extends ClientDbSession {
  /** The upgrader's history rows (UPGRADER.DB_HISTORY), oldest first. */
  readHistory(): Promise<DbHistoryRow[]>;
}

/** Wraps an open bridge (the database already open in it) as a session. */
export function createDerbySession(bridge: DerbyBridge, dbDir: string): DerbyClientDbSession {
  let closed = false;
  const session: DerbyClientDbSession = {
    async readVersion(fallback) {
      return readVersionKey(bridge, fallback);
    },
    async applyStep(step, libDir, options) {
      try {
        return await applyStep(bridge, step, libDir, options);
      } catch (error) {
        if (error instanceof UpgradeError) throw error;
        throw new DatabaseError('DB_UPGRADE_FAILED', `DB upgrade ${step.version} of the Derby database ${dbDir} could not run: ${messageOf(error)}`, {
          cause: error,
          details: { path: dbDir, version: step.version },
        });
      }
    },
    async countRows() {
      const tables = await queryRows(
        bridge,
        `SELECT t.TABLENAME FROM SYS.SYSTABLES t JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID
         WHERE s.SCHEMANAME = 'REG' AND t.TABLETYPE = 'T' ORDER BY t.TABLENAME`,
      );
      const names = tables.map((row) => String(row['TABLENAME']));
      if (names.length === 0) return {};
      const union = names.map((name) => `SELECT '${name.replaceAll("'", "''")}' AS T, COUNT(*) AS N FROM "REG"."${name.replaceAll('"', '""')}"`).join(' UNION ALL ');
      const rows = await queryRows(bridge, union);
      return Object.fromEntries(rows.map((row) => [String(row['T']).trim().toUpperCase(), Number(row['N'])]));
    },
    async readHistory() {
      return readDerbyHistory(bridge);
    },
    async snapshot(destDir) {
      return snapshotDb(bridge, dbDir, destDir);
    },
    async close() {
      if (closed) return;
      closed = true;
      await bridge.close();
    },
  };
  return session;
}

/**
 * SYSCS_UTIL.SYSCS_BACKUP_DATABASE into a staging folder of `destDir` (Derby writes `<staging>/reg`,
 * still encrypted), then renamed over an older snapshot only once complete. Throws BackupError BACKUP_FAILED.
 */
async function snapshotDb(bridge: DerbyBridge, dbDir: string, destDir: string): Promise<ClientDbSnapshot> {
  const name = path.basename(dbDir);
  const target = path.join(destDir, name);
  const staging = path.join(destDir, `.${name}.snapshot-${process.pid}`);
  const older = `${target}.old-${process.pid}`;
  try {
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    await bridge.request('backup', { dir: staging });
    if (existsSync(target)) await rename(target, older);
    await rename(path.join(staging, name), target);
  } catch (error) {
    throw new BackupError('BACKUP_FAILED', `Could not back up the Derby database ${dbDir} into ${destDir}: ${messageOf(error)}`, {
      cause: error,
      details: { path: dbDir, dest: destDir },
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await rm(older, { recursive: true, force: true });
  return { path: target, bytes: await treeSize(target) };
}

/** The version key's value, or `fallback` when the row is missing, empty or MOSIP's "0" (unknown). */
async function readVersionKey(bridge: DerbyBridge, fallback: string): Promise<string> {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await queryRows(bridge, 'SELECT LANG_CODE, VAL FROM "REG"."GLOBAL_PARAM" WHERE CODE = ?', [DB_VERSION_CODE]);
  } catch (error) {
    // 42Y07 no schema REG, 42X05 no table GLOBAL_PARAM: a database without MOSIP's tables has no version.
    if (error instanceof BridgeRequestError && (error.sqlState === '42X05' || error.sqlState === '42Y07')) return fallback;
    throw error;
  }
  const row = rows.find((candidate) => candidate['LANG_CODE'] === LANG_CODE) ?? rows[0];
  const value = typeof row?.['VAL'] === 'string' ? row['VAL'].trim() : '';
  return value === '' || value === '0' ? fallback : value;
}

async function applyStep(bridge: DerbyBridge, step: DbUpgradeStep, libDir: string, options: ApplyStepOptions): Promise<DbStepOutcome> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  if (await isAlreadyApplied(bridge, step, options)) {
    logger.info(`DB upgrade ${step.version} is already applied; not running its script again`, { version: step.version });
    return { version: step.version, outcome: 'already-applied', statements: 0 };
  }
  const startedAt = now().toISOString();
  const identity = { version: step.version, dbVersion: step.dbVersion };
  let script: DbScript;
  try {
    script = await loadDbScript(libDir, step.dbVersion, 'upgrade');
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    // Nothing ran: record it, nothing to undo.
    await recordFailure(bridge, { ...identity, script: `sql/${step.dbVersion}/initial_db_scripts.sql`, scriptSha256: null, startedAt, finishedAt: now().toISOString(), outcome: 'failed', error: error.message });
    logger.error(`DB upgrade ${step.version} failed: ${error.message}`, { version: step.version });
    return { version: step.version, outcome: 'failed', statements: 0, error: error.message, restored: 'none' };
  }
  if (script.missing) logger.info(`no DB script ${script.relative}: nothing to run for ${step.version}`, { version: step.version });
  logger.info(`running ${script.relative} (${script.statements.length} statements) for ${step.version} on Derby`, {
    version: step.version,
    sha256: script.sha256,
  });
  await bridge.request('begin');
  let failure: StatementFailure | undefined;
  try {
    if (script.statements.length > 0) await bridge.request('script', { statements: script.statements.map((statement) => statement.sql) });
    await writeVersionKey(bridge, versionKeyValue(step.version, options.mappings), now());
    await recordDerbyHistory(bridge, { ...identity, script: script.relative, scriptSha256: script.sha256, startedAt, finishedAt: now().toISOString(), outcome: 'applied', error: null });
    await bridge.request('commit');
  } catch (error) {
    if (!(error instanceof BridgeRequestError) || error.kind === 'exited') throw error;
    failure = toStatementFailure(script, error);
  }
  if (failure === undefined) {
    logger.info(`applied ${script.relative}: Derby database now at ${step.version}`, { version: step.version });
    return { version: step.version, outcome: 'applied', statements: script.statements.length };
  }
  await rollBack(bridge, step);
  logger.error(`DB upgrade ${step.version} failed and was rolled back: ${failure.message}`, { version: step.version });
  await recordFailure(bridge, { ...identity, script: script.relative, scriptSha256: script.sha256, startedAt, finishedAt: now().toISOString(), outcome: 'failed', error: failure.message });
  return {
    version: step.version,
    outcome: 'failed',
    statements: script.statements.length,
    error: failure.message,
    ...(failure.statement > 0 ? { failedStatement: failure.statement, line: failure.line } : {}),
    restored: 'none',
  };
}

/** Names the failing statement (1-based, with its line) and Derby's SQLSTATE; statement 0 when the upgrader's own writes failed. */
function toStatementFailure(script: DbScript, error: BridgeRequestError): StatementFailure {
  const reason = error.sqlState === null ? error.message : `${error.message} (SQLSTATE ${error.sqlState})`;
  if (error.kind === 'statement' && error.index !== undefined) {
    const statement = script.statements[error.index];
    return new StatementFailure(script.relative, error.index + 1, statement?.line ?? 0, reason, false, { cause: error });
  }
  const failure = new StatementFailure(script.relative, 0, 0, reason, false, { cause: error });
  failure.message = `${script.relative}: the version key or history row could not be written: ${reason}`;
  return failure;
}

async function rollBack(bridge: DerbyBridge, step: DbUpgradeStep): Promise<void> {
  try {
    await bridge.request('rollback');
  } catch (error) {
    throw new DatabaseError('ROLLBACK_FAILED', `DB upgrade ${step.version} failed and Derby could not roll it back: ${messageOf(error)}`, {
      cause: error,
      details: { version: step.version },
    });
  }
}

/** A 'failed' history row in a transaction of its own; a failure to write it is only logged by the caller's outcome. */
async function recordFailure(bridge: DerbyBridge, row: NewDbHistoryRow): Promise<void> {
  await bridge.request('begin');
  try {
    await recordDerbyHistory(bridge, row);
    await bridge.request('commit');
  } catch (error) {
    await bridge.request('rollback').catch(() => undefined);
    if (!(error instanceof BridgeRequestError) || error.kind === 'exited') throw error;
  }
}

/** An 'applied' history row with the version key at or past the step (a restored snapshot may be behind). */
async function isAlreadyApplied(bridge: DerbyBridge, step: DbUpgradeStep, options: ApplyStepOptions): Promise<boolean> {
  if (!(await hasAppliedDerbyRow(bridge, step.version))) return false;
  const current = await readVersionKey(bridge, '');
  if (current !== '' && compareVersions(current, step.version, options.mappings) >= 0) return true;
  options.logger.warn(`history says ${step.version} was applied but the version key says ${current === '' ? 'nothing' : current}; running it again`, {
    version: step.version,
  });
  return false;
}

/** GlobalParamServiceImpl.update as MOSIP does it: row (code, 'eng'), updated else inserted. */
async function writeVersionKey(bridge: DerbyBridge, value: string, now: Date): Promise<void> {
  // Derby TIMESTAMP literal, UTC as MOSIP's DateUtils.getUTCCurrentDateTime.
  const stamp = now.toISOString().replace('T', ' ').replace('Z', '');
  const updated = await bridge.request('execute', {
    sql: 'UPDATE "REG"."GLOBAL_PARAM" SET VAL = ?, IS_ACTIVE = TRUE, UPD_BY = ?, UPD_DTIMES = ? WHERE CODE = ? AND LANG_CODE = ?',
    params: [value, UPGRADER_USER, stamp, DB_VERSION_CODE, LANG_CODE],
  });
  if (Number(updated['count']) > 0) return;
  await bridge.request('execute', {
    sql: `INSERT INTO "REG"."GLOBAL_PARAM" (CODE, NAME, VAL, TYP, LANG_CODE, IS_ACTIVE, CR_BY, CR_DTIMES)
          VALUES (?, ?, ?, 'CONFIGURATION', ?, TRUE, ?, ?)`,
    params: [DB_VERSION_CODE, DB_VERSION_CODE, value, LANG_CODE, UPGRADER_USER, stamp],
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
