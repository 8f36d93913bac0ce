// The upgrader's record of DB scripts in a Derby station database: table UPGRADER.DB_HISTORY, in a
// schema of its own so MOSIP's schema REG stays exactly what MOSIP's scripts make it. Created on first
// write, inside the transaction that writes, so "applied" is true exactly when the script committed.
import type { DbHistoryRow, NewDbHistoryRow } from '../db-history.js';
import type { DerbyBridge } from './bridge-client.js';
import { queryRows } from './derby-query.js';

const SCHEMA = 'UPGRADER';
const TABLE = 'DB_HISTORY';
// Derby's longest VARCHAR; messages are cut to fit.
const MAX_ERROR = 4000;

/** True when UPGRADER.DB_HISTORY exists. */
export async function hasHistoryTable(bridge: DerbyBridge): Promise<boolean> {
  const rows = await queryRows(
    bridge,
    `SELECT 1 FROM SYS.SYSTABLES t JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID WHERE s.SCHEMANAME = ? AND t.TABLENAME = ?`,
    [SCHEMA, TABLE],
  );
  return rows.length > 0;
}

/** Creates the schema and table when missing (on the caller's open transaction). */
export async function ensureHistoryTable(bridge: DerbyBridge): Promise<void> {
  if (await hasHistoryTable(bridge)) return;
  const schemas = await queryRows(bridge, 'SELECT 1 FROM SYS.SYSSCHEMAS WHERE SCHEMANAME = ?', [SCHEMA]);
  if (schemas.length === 0) await bridge.request('execute', { sql: `CREATE SCHEMA ${SCHEMA}` });
  await bridge.request('execute', {
    sql: `CREATE TABLE ${SCHEMA}.${TABLE} (
      ID INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      VERSION VARCHAR(128) NOT NULL, DB_VERSION VARCHAR(128) NOT NULL, SCRIPT VARCHAR(1024) NOT NULL,
      SCRIPT_SHA256 VARCHAR(64), STARTED_AT VARCHAR(32) NOT NULL, FINISHED_AT VARCHAR(32) NOT NULL,
      OUTCOME VARCHAR(16) NOT NULL, ERROR VARCHAR(${MAX_ERROR}))`,
  });
}

/** Appends one row (creating the table first when needed) on the caller's open transaction. */
export async function recordDerbyHistory(bridge: DerbyBridge, row: NewDbHistoryRow): Promise<void> {
  await ensureHistoryTable(bridge);
  await bridge.request('execute', {
    sql: `INSERT INTO ${SCHEMA}.${TABLE} (VERSION, DB_VERSION, SCRIPT, SCRIPT_SHA256, STARTED_AT, FINISHED_AT, OUTCOME, ERROR)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    params: [row.version, row.dbVersion, row.script, row.scriptSha256, row.startedAt, row.finishedAt, row.outcome, row.error?.slice(0, MAX_ERROR) ?? null],
  });
}

/** True when a row says the script of `version` was applied and committed. */
export async function hasAppliedDerbyRow(bridge: DerbyBridge, version: string): Promise<boolean> {
  if (!(await hasHistoryTable(bridge))) return false;
  const rows = await queryRows(bridge, `SELECT 1 FROM ${SCHEMA}.${TABLE} WHERE VERSION = ? AND OUTCOME = 'applied'`, [version]);
  return rows.length > 0;
}

/** Every history row, oldest first (for `history` and the inspector). */
export async function readDerbyHistory(bridge: DerbyBridge): Promise<DbHistoryRow[]> {
  if (!(await hasHistoryTable(bridge))) return [];
  const rows = await queryRows(
    bridge,
    `SELECT ID, VERSION, DB_VERSION, SCRIPT, SCRIPT_SHA256, STARTED_AT, FINISHED_AT, OUTCOME, ERROR FROM ${SCHEMA}.${TABLE} ORDER BY ID`,
  );
  return rows.map((row) => ({
    id: Number(row['ID']),
    version: String(row['VERSION']),
    dbVersion: String(row['DB_VERSION']),
    script: String(row['SCRIPT']),
    scriptSha256: typeof row['SCRIPT_SHA256'] === 'string' ? row['SCRIPT_SHA256'] : null,
    startedAt: String(row['STARTED_AT']),
    finishedAt: String(row['FINISHED_AT']),
    outcome: String(row['OUTCOME']) as DbHistoryRow['outcome'],
    error: typeof row['ERROR'] === 'string' ? row['ERROR'] : null,
  }));
}
