// A genuine MOSIP 1.1.5.5 station database for the Derby tests: encrypted (AES/CFB 256, boot
// password), BUILTIN users, built from MOSIP's own initial.sql by ij.runScript as DaoConfig does, with
// .mosipkeys/db.conf and reg.key written as MOSIP's non-TPM crypto does (MakeStation.java), and a
// station's data (a centre, users, a machine, registrations, blocklisted words). Building takes tens of
// seconds, so each variant is built once per machine into the temp folder and copied per test.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBridge } from '../../../../src/services/client-db/derby/bridge-client.js';
import type { DerbyBridge } from '../../../../src/services/client-db/derby/bridge-client.js';
import { queryRows } from '../../../../src/services/client-db/derby/derby-query.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Debian's libderby-java / derby-tools (10.14.2), installed by .ci/run. */
export const DERBY_JAR = '/usr/share/java/derby.jar';
export const DERBYTOOLS_JAR = '/usr/share/java/derbytools.jar';
/** MOSIP's files (MPL-2.0), see their README. */
export const MOSIP_FIXTURES = path.resolve(here, '../../../fixtures/mosip/derby');

/** The station's secrets: distinctive strings, so a test can grep every output for them. */
export const STATION_SECRETS = {
  bootPassword: 'Bt7xQ2mVn9Lr4Kp8Zs3W',
  user: 'RegUsrQzkT',
  password: 'Pw5Hj8Tn2Lq6Rx9Mc4Vb',
} as const;

/** The credentials file's text, as DaoConfig writes it before encrypting (state 1 = safe). */
export const CREDENTIALS_TEXT = `${STATION_SECRETS.bootPassword}-BREAK-${STATION_SECRETS.user}-BREAK-${STATION_SECRETS.password}-BREAK-1`;

/** Registrations the station holds (ID = the RID). */
export const REGISTRATION_IDS = ['10001100010000120250101120000', '10001100010000220250101120500', '10001100010000320250102090000'];
/** Words in BLACKLISTED_WORDS (renamed BLOCKLISTED_WORDS by 1.2.0.1). */
export const BLOCKLISTED = ['damn', 'shoot', 'blast'];

/** 'two-centres': a station that has seen two registration centres — 1.2.0.1's USER_DETAIL update fails (SQLSTATE 21000). */
export type StationVariant = 'one-centre' | 'two-centres';

/** What a fresh 1.2.0.2 station's initial.sql builds, without data: the oracle of the upgrade. */
export const ORACLE_1_2_0_2 = 'oracle-1.2.0.2';

/** True when Java and Debian's Derby jars are on this machine. */
export function hasDerby(): boolean {
  return existsSync(DERBY_JAR) && existsSync(DERBYTOOLS_JAR) && spawnSync('java', ['-version']).status === 0;
}

function stationDataSql(variant: StationVariant, registrations: number): string {
  const lines: string[] = [];
  const centre = (id: string, lang: string): string =>
    `INSERT INTO "REG"."REGISTRATION_CENTER" ("ID", "NAME", "LOCATION_CODE", "LANG_CODE", "IS_ACTIVE", "CR_BY", "CR_DTIMES") VALUES ('${id}', 'Centre ${id}', '14022', '${lang}', true, 'SYSTEM', current timestamp);`;
  // One centre in two languages is still one DISTINCT ID; a second centre is not.
  lines.push(centre('10001', 'eng'), centre('10001', 'ara'));
  if (variant === 'two-centres') lines.push(centre('10002', 'eng'));
  for (const user of ['110011', '110012']) {
    lines.push(
      `INSERT INTO "REG"."USER_DETAIL" ("ID", "NAME", "STATUS_CODE", "LANG_CODE", "IS_ACTIVE", "CR_BY", "CR_DTIMES") VALUES ('${user}', 'Operator ${user}', 'ACTIVE', 'eng', true, 'SYSTEM', current timestamp);`,
    );
  }
  lines.push(
    `INSERT INTO "REG"."MACHINE_MASTER" ("ID", "NAME", "MAC_ADDRESS", "SERIAL_NUM", "PUBLIC_KEY", "KEY_INDEX", "MSPEC_ID", "LANG_CODE", "IS_ACTIVE", "CR_BY", "CR_DTIMES") VALUES ('10011', 'station-1', 'A4-BB-6D-00-00-01', 'SN0001', 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA', 'AB:CD:EF', '1001', 'eng', true, 'SYSTEM', current timestamp);`,
  );
  for (const word of BLOCKLISTED) {
    lines.push(
      `INSERT INTO "REG"."BLACKLISTED_WORDS" ("WORD", "DESCR", "LANG_CODE", "IS_ACTIVE", "CR_BY", "CR_DTIMES") VALUES ('${word}', 'not allowed', 'eng', true, 'SYSTEM', current timestamp);`,
    );
  }
  const ids = [...REGISTRATION_IDS];
  for (let index = ids.length; index < registrations; index += 1) ids.push(`1000110001${String(index + 1).padStart(5, '0')}20250103000000`);
  for (const id of ids) {
    lines.push(
      `INSERT INTO "REG"."REGISTRATION" ("ID", "REG_TYPE", "STATUS_CODE", "LANG_CODE", "REG_USR_ID", "REGCNTR_ID", "APPROVER_USR_ID", "CLIENT_STATUS_CODE", "IS_ACTIVE", "CR_BY", "CR_DTIMES", "ADDITIONAL_INFO") VALUES ('${id}', 'NEW', 'REGISTERED', 'eng', '110011', '10001', '110012', 'APPROVED', true, '110011', current timestamp, CAST(X'7b7d' AS BLOB));`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The cached station of `variant` (a folder with db/reg and .mosipkeys/), built on first use.
 * `registrations` beyond the three named ones are numbered fillers (for the benchmark).
 */
export async function cachedStation(variant: StationVariant | typeof ORACLE_1_2_0_2, registrations = REGISTRATION_IDS.length): Promise<string> {
  const oracle = variant === ORACLE_1_2_0_2;
  const initialSql = path.join(MOSIP_FIXTURES, oracle ? 'initial-1.2.0.2.sql' : 'initial-1.1.5.5-P1.sql');
  const data = oracle ? '' : stationDataSql(variant, registrations);
  const inputs = [readFileSync(path.join(here, 'MakeStation.java')), readFileSync(initialSql), data];
  const key = createHash('sha256').update(inputs.map((input) => createHash('sha256').update(input).digest('hex')).join()).digest('hex').slice(0, 16);
  const cache = path.join(tmpdir(), `rcu-derby-station-${variant}-${registrations}-${key}`);
  if (existsSync(path.join(cache, 'db', 'reg', 'service.properties'))) return cache;
  const staging = await mkdtemp(`${cache}.building-`);
  const dataSql = path.join(staging, 'station-data.sql');
  await writeFile(dataSql, data);
  const secrets = `${STATION_SECRETS.bootPassword}\n${STATION_SECRETS.user}\n${STATION_SECRETS.password}\n`;
  execFileSync(
    'java',
    [
      '-cp',
      [DERBY_JAR, DERBYTOOLS_JAR].join(path.delimiter),
      path.join(here, 'MakeStation.java'),
      path.join(staging, 'db', 'reg'),
      path.join(staging, '.mosipkeys'),
      initialSql,
      ...(oracle ? [] : [dataSql]),
    ],
    { input: secrets, cwd: staging, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  await rm(dataSql);
  try {
    await rename(staging, cache);
  } catch {
    // Another worker finished first: use its copy.
    await rm(staging, { recursive: true, force: true });
  }
  return cache;
}

/** Options of `makeDerbyStation`. */
export interface DerbyStationOptions {
  variant?: StationVariant;
  registrations?: number;
  /** 'db.conf' (MOSIP's encrypted file and reg.key, the default), 'file' (a credentials file), 'tpm' (db.conf without reg.key). */
  credentials?: 'db.conf' | 'file' | 'tpm';
  /** MOSIP's sql/<dbVersion>/ folders to put under lib/sql (default 1.1.5, 1.1.5.5, 1.2.0.1). */
  sqlVersions?: string[];
}

/** A station client folder: lib/derby-10.14.2.0.jar, lib/sql/…, db/reg and its credentials. */
export interface DerbyStation {
  clientDir: string;
  dbDir: string;
  libDir: string;
  /** The credentials file, when `credentials: 'file'`. */
  credentialsFile?: string;
}

/** Copies the cached station into `clientDir` (created), ready for the adapter. */
export async function makeDerbyStation(clientDir: string, options: DerbyStationOptions = {}): Promise<DerbyStation> {
  const cache = await cachedStation(options.variant ?? 'one-centre', options.registrations);
  const libDir = path.join(clientDir, 'lib');
  const dbDir = path.join(clientDir, 'db', 'reg');
  await mkdir(libDir, { recursive: true });
  await cp(path.join(cache, 'db'), path.join(clientDir, 'db'), { recursive: true });
  await cp(DERBY_JAR, path.join(libDir, 'derby-10.14.2.0.jar'));
  for (const version of options.sqlVersions ?? ['1.1.5', '1.1.5.5', '1.2.0.1']) {
    await cp(path.join(MOSIP_FIXTURES, 'sql', version), path.join(libDir, 'sql', version), { recursive: true });
  }
  const credentials = options.credentials ?? 'db.conf';
  if (credentials === 'file') {
    const credentialsFile = path.join(clientDir, 'db-credentials.txt');
    await writeFile(credentialsFile, `${CREDENTIALS_TEXT}\n`, { mode: 0o600 });
    return { clientDir, dbDir, libDir, credentialsFile };
  }
  await mkdir(path.join(clientDir, '.mosipkeys'), { recursive: true });
  await cp(path.join(cache, '.mosipkeys', 'db.conf'), path.join(clientDir, '.mosipkeys', 'db.conf'));
  if (credentials === 'db.conf') await cp(path.join(cache, '.mosipkeys', 'reg.key'), path.join(clientDir, '.mosipkeys', 'reg.key'));
  return { clientDir, dbDir, libDir };
}

/** Every file under `dir` that contains one of the station's secrets (should be none). */
export async function filesWithSecrets(files: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = await readFile(file, 'utf8');
    if (Object.values(STATION_SECRETS).some((secret) => text.includes(secret))) found.push(file);
  }
  return found;
}

/** Runs `use` with a bridge open on the station's database (the test's own window into it), then shuts it down. */
export async function withStationDb<T>(station: DerbyStation, use: (bridge: DerbyBridge) => Promise<T>): Promise<T> {
  const bridge = startBridge({ java: 'java', bridgeDir: path.resolve(here, '../../../../dist/java'), derbyJars: [DERBY_JAR], cwd: station.clientDir });
  try {
    const credentials =
      station.credentialsFile === undefined
        ? { dbConf: path.join(station.clientDir, '.mosipkeys', 'db.conf'), regKey: path.join(station.clientDir, '.mosipkeys', 'reg.key') }
        : { credentialsFile: station.credentialsFile };
    await bridge.request('open', { dbDir: station.dbDir, ...credentials });
    return await use(bridge);
  } finally {
    await bridge.close();
  }
}

/** Schema REG as `TABLE.COLUMN type`, sorted (what MOSIP's scripts shape). */
export async function regSchema(bridge: DerbyBridge): Promise<string[]> {
  const rows = await queryRows(
    bridge,
    `SELECT t.TABLENAME, c.COLUMNNAME, c.COLUMNDATATYPE FROM SYS.SYSCOLUMNS c
     JOIN SYS.SYSTABLES t ON c.REFERENCEID = t.TABLEID JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID
     WHERE s.SCHEMANAME = 'REG' AND t.TABLETYPE = 'T'`,
  );
  return rows.map((row) => `${String(row['TABLENAME'])}.${String(row['COLUMNNAME'])} ${String(row['COLUMNDATATYPE'])}`).sort();
}
