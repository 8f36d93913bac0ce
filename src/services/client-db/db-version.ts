// The client database's own idea of its version: MOSIP keeps it in global_param under
// `mosip.reg.services.current.version` (code primary key, name, val, typ, is_active, cr_by, cr_dtimes).
import type { DataSource, EntityManager } from 'typeorm';

/** The global_param code whose `val` is the version the client database is at. */
export const DB_VERSION_CODE = 'mosip.reg.services.current.version';

/** Who the upgrader signs its global_param rows as (cr_by / upd_by). */
export const UPGRADER_USER = 'reg-client-upgrader';

/** Runs a query and returns its rows as plain records (TypeORM types them as `any`). */
export async function queryRows(
  manager: EntityManager,
  sql: string,
  parameters: unknown[] = [],
): Promise<Array<Record<string, unknown>>> {
  const rows: unknown = await manager.query(sql, parameters);
  return Array.isArray(rows) ? rows.filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null) : [];
}

/** The database's version from global_param, or `fallback` when the table, the row or its value is missing. */
export async function readDbVersion(dataSource: DataSource | EntityManager, fallback: string): Promise<string> {
  const manager = 'manager' in dataSource ? dataSource.manager : dataSource;
  if (!(await hasGlobalParamTable(manager))) return fallback;
  const [row] = await queryRows(manager, 'SELECT "val" FROM "global_param" WHERE "code" = ?', [DB_VERSION_CODE]);
  const value = row?.['val'];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

/**
 * Sets global_param's version row to `version` (update, else insert), creating MOSIP's global_param
 * table first if a database has none; meant to run inside the step's transaction.
 */
export async function writeDbVersion(manager: EntityManager, version: string, now: Date): Promise<void> {
  if (!(await hasGlobalParamTable(manager))) {
    await manager.query(`CREATE TABLE "global_param" (
      "code" text PRIMARY KEY NOT NULL, "name" text, "val" text, "typ" text,
      "is_active" integer, "cr_by" text, "cr_dtimes" text
    )`);
  }
  const columns = new Set(
    (await queryRows(manager, 'PRAGMA table_info("global_param")')).map((column) => String(column['name']).toLowerCase()),
  );
  // MOSIP's table also has upd_by / upd_dtimes; fill them when they are there.
  const audit = columns.has('upd_by') && columns.has('upd_dtimes');
  const stamp = now.toISOString();
  const existing = await queryRows(manager, 'SELECT 1 AS "found" FROM "global_param" WHERE "code" = ?', [DB_VERSION_CODE]);
  if (existing.length > 0) {
    await manager.query(
      audit
        ? 'UPDATE "global_param" SET "val" = ?, "is_active" = 1, "upd_by" = ?, "upd_dtimes" = ? WHERE "code" = ?'
        : 'UPDATE "global_param" SET "val" = ?, "is_active" = 1 WHERE "code" = ?',
      audit ? [version, UPGRADER_USER, stamp, DB_VERSION_CODE] : [version, DB_VERSION_CODE],
    );
    return;
  }
  await manager.query(
    `INSERT INTO "global_param" ("code", "name", "val", "typ", "is_active", "cr_by", "cr_dtimes")
     VALUES (?, ?, ?, 'CONFIGURATION', 1, ?, ?)`,
    [DB_VERSION_CODE, DB_VERSION_CODE, version, UPGRADER_USER, stamp],
  );
}

async function hasGlobalParamTable(manager: EntityManager): Promise<boolean> {
  const rows = await queryRows(
    manager,
    `SELECT 1 AS "found" FROM "sqlite_master" WHERE "type" = 'table' AND lower("name") = 'global_param'`,
  );
  return rows.length > 0;
}
