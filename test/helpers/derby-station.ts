// A real MOSIP Derby station for end-to-end CLI tests (`upgrade` → `start`, `demo --db derby`): the
// encrypted 1.1.5.5 database of test/services/client-db/derby (built once per machine, copied here),
// its credentials as MOSIP keeps them or as a credentials file, and the lib/ files a release needs to
// carry for the Derby step (the station's derby jar, MOSIP's sql/<dbVersion>/ scripts).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CREDENTIALS_TEXT,
  DERBY_JAR,
  hasDerby,
  makeDerbyStation,
  MOSIP_FIXTURES,
  REGISTRATION_IDS,
  STATION_SECRETS,
  withStationDb,
} from '../services/client-db/derby/derby-station-fixture.js';
import type { DerbyStation, DerbyStationOptions } from '../services/client-db/derby/derby-station-fixture.js';
import { queryRows } from '../../src/services/client-db/derby/derby-query.js';

export { CREDENTIALS_TEXT, hasDerby, REGISTRATION_IDS, STATION_SECRETS };
export type { DerbyStation };

/**
 * Puts db/reg (and .mosipkeys/db.conf + reg.key, or db-credentials.txt with `credentials: 'file'`) into
 * `clientDir`, plus lib/derby-10.14.2.0.jar; lib/sql only for the versions asked (default none: the
 * release under test brings its own).
 */
export async function createDerbyStationDb(clientDir: string, options: DerbyStationOptions = {}): Promise<DerbyStation> {
  return makeDerbyStation(clientDir, { sqlVersions: [], ...options });
}

/** lib/ files a published release needs for the Derby step: the derby jar and MOSIP's scripts of `sqlVersions`. */
export function derbyReleaseFiles(sqlVersions: string[] = ['1.2.0.1']): Record<string, Buffer> {
  const files: Record<string, Buffer> = { 'derby-10.14.2.0.jar': readFileSync(DERBY_JAR) };
  for (const version of sqlVersions) {
    for (const name of readdirSync(path.join(MOSIP_FIXTURES, 'sql', version))) {
      files[`sql/${version}/${name}`] = readFileSync(path.join(MOSIP_FIXTURES, 'sql', version, name));
    }
  }
  return files;
}

/** What a test checks after a run: the version key, schema REG's tables, the registrations, the upgrader's history. */
export async function readDerbyStationDb(station: DerbyStation): Promise<{
  version: string | undefined;
  tables: string[];
  registrations: Array<{ id: string; packetId: string | undefined }>;
  history: Array<{ version: string; outcome: string }>;
}> {
  return withStationDb(station, async (bridge) => {
    const version = await queryRows(bridge, `SELECT VAL FROM REG.GLOBAL_PARAM WHERE CODE = 'mosip.reg.services.current.version' AND LANG_CODE = 'eng'`);
    const tables = await queryRows(bridge, `SELECT t.TABLENAME FROM SYS.SYSTABLES t JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID WHERE s.SCHEMANAME = 'REG' AND t.TABLETYPE = 'T' ORDER BY t.TABLENAME`);
    const columns = await queryRows(bridge, `SELECT c.COLUMNNAME FROM SYS.SYSCOLUMNS c JOIN SYS.SYSTABLES t ON c.REFERENCEID = t.TABLEID JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID WHERE s.SCHEMANAME = 'REG' AND t.TABLENAME = 'REGISTRATION'`);
    const hasPacketId = columns.some((column) => column['COLUMNNAME'] === 'PACKET_ID');
    const registrations = await queryRows(bridge, `SELECT ID${hasPacketId ? ', PACKET_ID' : ''} FROM REG.REGISTRATION ORDER BY ID`);
    const historyTable = await queryRows(bridge, `SELECT 1 FROM SYS.SYSTABLES t JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID WHERE s.SCHEMANAME = 'UPGRADER' AND t.TABLENAME = 'DB_HISTORY'`);
    const history = historyTable.length === 0 ? [] : await queryRows(bridge, 'SELECT VERSION, OUTCOME FROM UPGRADER.DB_HISTORY ORDER BY ID');
    const value = version[0]?.['VAL'];
    return {
      version: typeof value === 'string' ? value : undefined,
      tables: tables.map((row) => String(row['TABLENAME'])),
      registrations: registrations.map((row) => ({ id: String(row['ID']), packetId: typeof row['PACKET_ID'] === 'string' ? row['PACKET_ID'] : undefined })),
      history: history.map((row) => ({ version: String(row['VERSION']), outcome: String(row['OUTCOME']) })),
    };
  });
}

/** Writes one more registration, as the client does between `upgrade` and the restart (1.1.5.5 columns). */
export async function addDerbyRegistration(station: DerbyStation, id: string): Promise<void> {
  await withStationDb(station, (bridge) =>
    bridge.request('execute', {
      sql: `INSERT INTO REG.REGISTRATION (ID, REG_TYPE, STATUS_CODE, LANG_CODE, REG_USR_ID, REGCNTR_ID, APPROVER_USR_ID, IS_ACTIVE, CR_BY, CR_DTIMES)
            VALUES (?, 'NEW', 'REGISTERED', 'eng', '110011', '10001', '110012', TRUE, '110011', CURRENT_TIMESTAMP)`,
      params: [id],
    }),
  );
}

/** Holds the database open in another JVM (a running client) while `use` runs. */
export async function whileClientRuns<T>(station: DerbyStation, use: () => Promise<T>): Promise<T> {
  return withStationDb(station, use);
}
