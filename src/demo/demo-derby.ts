// `demo --db derby`: the same story on a station that keeps its data as a real MOSIP station does —
// an encrypted, password-protected Derby database at db/reg with .mosipkeys/db.conf — opened through
// the product's own Java bridge with this machine's Java and Derby jar.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { startBridge } from '../services/client-db/derby/bridge-client.js';
import type { DerbyBridge } from '../services/client-db/derby/bridge-client.js';
import { defaultBridgeDir } from '../services/client-db/derby/derby-client-db.js';
import { queryRows } from '../services/client-db/derby/derby-query.js';
import { findJava } from '../services/client-db/derby/find-java.js';
import type { DemoDbState } from './demo-station.js';

/** Where the demo looks for a Derby engine jar when REG_UPGRADER_DERBY_CLASSPATH names none: Debian's libderby-java. */
const SYSTEM_DERBY_JARS = ['/usr/share/java/derby.jar'];

/** This machine's Java and Derby, found before anything is built. */
export interface DemoDerby {
  java: string;
  /** The engine jar the releases ship as lib/derby-<version>.jar. */
  jar: Buffer;
  /** lib/ name of that jar, e.g. derby-10.14.2.0.jar. */
  jarName: string;
  bridgeDir: string;
}

/** Finds Java and a Derby jar for the demo; ConfigError (exit 64) naming what is missing and how to get it. */
export async function findDemoDerby(env: NodeJS.ProcessEnv = process.env): Promise<DemoDerby> {
  const java = await findJava(path.join(path.sep, 'nonexistent-station'), env);
  const configured = (env['REG_UPGRADER_DERBY_CLASSPATH'] ?? '').split(',').map((entry) => entry.trim()).filter((entry) => /derby[^/\\]*\.jar$/.test(entry));
  const candidates = [...configured, ...SYSTEM_DERBY_JARS];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new ConfigError(
      'DERBY_JAR_NOT_FOUND',
      `demo --db derby needs Apache Derby: none of ${candidates.join(', ')} exists. Install it (Debian: apt-get install libderby-java) or set REG_UPGRADER_DERBY_CLASSPATH to a derby.jar.`,
      { details: { candidates: candidates.join(path.delimiter) } },
    );
  }
  const bridgeDir = defaultBridgeDir();
  if (!existsSync(path.join(bridgeDir, 'regclientupgrader', 'DerbyBridge.class'))) {
    throw new ConfigError('CLIENT_DB_UNREADABLE', `The Derby bridge is not built (${bridgeDir}): run npm run build with a JDK 11+ installed.`, { details: { bridgeDir } });
  }
  // Debian's derby.jar is a link to derby-10.14.2.0.jar: keep the version in the name, as MOSIP's lib/ does.
  const versioned = /^derby-(\d+(?:\.\d+)*)\.jar$/.exec(path.basename(await realpath(found)));
  return { java, jar: await readFile(found), jarName: versioned === null ? 'derby-10.14.2.0.jar' : versioned[0], bridgeDir };
}

const VERSION_CODE = 'mosip.reg.services.current.version';

/** MOSIP's tables the demo's scripts touch, in Derby's dialect as MOSIP's initial.sql writes them. */
const SCHEMA = [
  `CREATE TABLE "REG"."GLOBAL_PARAM" ("CODE" VARCHAR(128) NOT NULL, "NAME" VARCHAR(128) NOT NULL, "VAL" VARCHAR(512), "TYP" VARCHAR(128) NOT NULL,
     "LANG_CODE" VARCHAR(3) NOT NULL, "IS_ACTIVE" BOOLEAN NOT NULL, "CR_BY" VARCHAR(256) NOT NULL, "CR_DTIMES" TIMESTAMP NOT NULL,
     "UPD_BY" VARCHAR(256), "UPD_DTIMES" TIMESTAMP, "IS_DELETED" BOOLEAN, "DEL_DTIMES" TIMESTAMP, PRIMARY KEY ("CODE", "LANG_CODE"))`,
  `CREATE TABLE "REG"."REGISTRATION" ("ID" VARCHAR(39) NOT NULL, "REG_TYPE" VARCHAR(64) NOT NULL, "STATUS_CODE" VARCHAR(64) NOT NULL,
     "CLIENT_STATUS_CODE" VARCHAR(64), "SERVER_STATUS_CODE" VARCHAR(64), "CR_BY" VARCHAR(256) NOT NULL, "CR_DTIMES" TIMESTAMP NOT NULL,
     PRIMARY KEY ("ID"))`,
];

const secret = (): string => randomBytes(18).toString('base64url');

/** A bridge run with the station's own lib/derby-<version>.jar, as the upgrader runs it. */
function bridgeFor(derby: DemoDerby, clientDir: string): DerbyBridge {
  return startBridge({ java: derby.java, bridgeDir: derby.bridgeDir, derbyJars: [path.join(clientDir, 'lib', derby.jarName)], cwd: clientDir });
}

/**
 * Creates db/reg as MOSIP's client does on first start (encrypted, boot password, BUILTIN users) with
 * .mosipkeys/db.conf and reg.key, at `version`, holding `rows` registrations. The secrets are random,
 * live only in this process and the bridge's stdin, and are kept by the station only inside db.conf.
 */
export async function createDemoDerbyDatabase(derby: DemoDerby, clientDir: string, version: string, rows: number): Promise<void> {
  const dbDir = path.join(clientDir, 'db', 'reg');
  const keysDir = path.join(clientDir, '.mosipkeys');
  const bridge = bridgeFor(derby, clientDir);
  try {
    await bridge.request('create', { dbDir, keysDir, bootPassword: secret(), user: `reg${randomBytes(4).toString('hex')}`, password: secret() }, 5 * 60_000);
    await bridge.request('open', { dbDir, dbConf: path.join(keysDir, 'db.conf'), regKey: path.join(keysDir, 'reg.key') }, 5 * 60_000);
    await bridge.request('begin');
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    const inserts: string[] = [];
    const values: string[] = [];
    for (let i = 0; i < rows; i += 1) {
      const id = `10001${String(100_000 + i)}20241126`;
      const synced = i % 3 === 0;
      values.push(`('${id}', '${i % 10 === 0 ? 'UPDATE' : 'NEW'}', 'APPROVED', '${synced ? 'SYNCED' : 'APPROVED'}', ${synced ? `'PROCESSED'` : 'NULL'}, 'operator-1', TIMESTAMP('${now}'))`);
      if (values.length === 200 || i === rows - 1) inserts.push(`INSERT INTO "REG"."REGISTRATION" VALUES ${values.splice(0).join(', ')}`);
    }
    await bridge.request('script', {
      statements: [
        ...SCHEMA,
        `INSERT INTO "REG"."GLOBAL_PARAM" ("CODE", "NAME", "VAL", "TYP", "LANG_CODE", "IS_ACTIVE", "CR_BY", "CR_DTIMES")
           VALUES ('${VERSION_CODE}', '${VERSION_CODE}', '${version}', 'CONFIGURATION', 'eng', TRUE, 'installer', CURRENT_TIMESTAMP)`,
        ...inserts,
      ],
    });
    await bridge.request('commit');
  } finally {
    await bridge.close();
  }
}

/** Reads the demo station's Derby database (through db.conf, as the upgrader does) for the checks. */
export async function readDemoDerbyDatabase(derby: DemoDerby, clientDir: string): Promise<DemoDbState> {
  const keysDir = path.join(clientDir, '.mosipkeys');
  const bridge = bridgeFor(derby, clientDir);
  try {
    await bridge.request('open', { dbDir: path.join(clientDir, 'db', 'reg'), dbConf: path.join(keysDir, 'db.conf'), regKey: path.join(keysDir, 'reg.key') }, 5 * 60_000);
    const version = await queryRows(bridge, `SELECT VAL FROM "REG"."GLOBAL_PARAM" WHERE CODE = ? AND LANG_CODE = 'eng'`, [VERSION_CODE]);
    const inSchema = (schema: string): string =>
      `SELECT t.TABLENAME FROM SYS.SYSTABLES t JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID WHERE s.SCHEMANAME = '${schema}' AND t.TABLETYPE = 'T' ORDER BY t.TABLENAME`;
    const tables = (await queryRows(bridge, inSchema('REG'))).map((row) => String(row['TABLENAME']).toLowerCase());
    const columns = await queryRows(
      bridge,
      `SELECT c.COLUMNNAME FROM SYS.SYSCOLUMNS c JOIN SYS.SYSTABLES t ON c.REFERENCEID = t.TABLEID JOIN SYS.SYSSCHEMAS s ON t.SCHEMAID = s.SCHEMAID
       WHERE s.SCHEMANAME = 'REG' AND t.TABLENAME = 'REGISTRATION' ORDER BY c.COLUMNNUMBER`,
    );
    const count = await queryRows(bridge, 'SELECT COUNT(*) AS N FROM "REG"."REGISTRATION"');
    const hasHistory = (await queryRows(bridge, inSchema('UPGRADER'))).some((row) => row['TABLENAME'] === 'DB_HISTORY');
    const applied = hasHistory ? await queryRows(bridge, `SELECT VERSION FROM UPGRADER.DB_HISTORY WHERE OUTCOME = 'applied' ORDER BY ID`) : [];
    const value = version[0]?.['VAL'];
    return {
      version: typeof value === 'string' ? value : null,
      registrations: Number(count[0]?.['N'] ?? 0),
      columns: columns.map((row) => String(row['COLUMNNAME']).toLowerCase()),
      tables,
      applied: applied.map((row) => String(row['VERSION'])),
    };
  } finally {
    await bridge.close();
  }
}
