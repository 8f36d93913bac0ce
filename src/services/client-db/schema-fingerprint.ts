// What "the schema is as it was before the step" means: the client's rows of sqlite_master (type,
// name, table, SQL), sorted. The upgrader's own tables are left out (they are created on open and
// are not part of what a script or a backup restores), and so is SQLite's bookkeeping (sqlite_sequence
// appears with the first AUTOINCREMENT table, sqlite_stat1 with ANALYZE).
import type { EntityManager } from 'typeorm';
import { queryRows } from './db-version.js';

/** The client schema as sorted lines "type|name|tbl_name|sql"; equal arrays mean an equal schema. */
export async function readSchemaFingerprint(manager: EntityManager): Promise<string[]> {
  const rows = await queryRows(
    manager,
    `SELECT "type", "name", "tbl_name", "sql" FROM "sqlite_master"
     WHERE "tbl_name" NOT LIKE 'upgrader\\_%' ESCAPE '\\' AND "tbl_name" NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
  );
  return rows
    .map((row) => [row['type'], row['name'], row['tbl_name'], row['sql']].map((value) => (typeof value === 'string' ? value : '')).join('|'))
    .sort();
}

/** True when two fingerprints describe the same schema. */
export function sameSchema(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((line, index) => line === b[index]);
}
