// The demo's synthetic MOSIP-like releases: the jars a registration client ships (names and sizes
// after MOSIP's own lib/ folder, scaled down), spring.properties with the version mappings, and
// the DB scripts under sql/<dbVersion>/ that change the client's SQLite database.
import { createCipheriv, createHash } from 'node:crypto';

/** The versions the demo publishes, oldest first; the station starts at the first. */
export const DEMO_VERSIONS = ['1.1.5.5', '1.2.0.1', '1.2.0.2'] as const;

/** One of the demo's release versions. */
export type DemoVersion = (typeof DEMO_VERSIONS)[number];

/** MOSIP's version mappings for the three releases (releaseOrder decides the DB scripts to run). */
export const DEMO_MAPPINGS = {
  '1.1.5.5': { dbVersion: '1.1.5.5', releaseOrder: 1 },
  '1.2.0.1': { dbVersion: '1.2.0.1', releaseOrder: 2 },
  '1.2.0.2': { dbVersion: '1.2.0.2', releaseOrder: 3 },
};

const KIB = 1024;
// Sizes below are close to MOSIP's own jars; the demo ships them at 40 % so all three releases
// together stay near 36 MB and the whole story runs in seconds.
const SCALE = 0.4;
const scaled = (kib: number): number => Math.round(kib * KIB * SCALE);

// [name, size in KiB, first release that ships it, last release that ships it]. A library that
// changes version changes name, as in a Maven-built lib/ folder.
const JARS: Array<[string, number, DemoVersion, DemoVersion]> = [
  ['kernel-core-1.1.5.5.jar', 420, '1.1.5.5', '1.1.5.5'],
  ['kernel-core-1.2.0.1.jar', 460, '1.2.0.1', '1.2.0.2'],
  ['kernel-keymanager-service-1.1.5.5-lib.jar', 900, '1.1.5.5', '1.1.5.5'],
  ['kernel-keymanager-service-1.2.0.1-lib.jar', 960, '1.2.0.1', '1.2.0.2'],
  ['kernel-transliteration-icu4j-1.1.5.jar', 40, '1.1.5.5', '1.2.0.2'],
  ['icu4j-63.1.jar', 2_400, '1.1.5.5', '1.2.0.2'],
  ['id-object-validator-1.1.5.jar', 120, '1.1.5.5', '1.1.5.5'],
  ['id-object-validator-1.2.0.1.jar', 130, '1.2.0.1', '1.2.0.2'],
  ['commons-packet-manager-1.2.0.1.jar', 310, '1.2.0.1', '1.2.0.2'],
  ['biometrics-util-1.2.0.1.jar', 220, '1.2.0.1', '1.2.0.2'],
  ['javafx-base-11.0.2-linux.jar', 730, '1.1.5.5', '1.2.0.2'],
  ['javafx-controls-11.0.2-linux.jar', 2_500, '1.1.5.5', '1.2.0.2'],
  ['javafx-graphics-11.0.2-linux.jar', 4_600, '1.1.5.5', '1.2.0.2'],
  ['javafx-fxml-11.0.2-linux.jar', 130, '1.1.5.5', '1.2.0.2'],
  ['spring-core-5.0.5.RELEASE.jar', 1_200, '1.1.5.5', '1.1.5.5'],
  ['spring-core-5.3.20.jar', 1_460, '1.2.0.1', '1.2.0.2'],
  ['spring-context-5.3.20.jar', 1_250, '1.2.0.1', '1.2.0.2'],
  ['spring-context-5.0.5.RELEASE.jar', 1_090, '1.1.5.5', '1.1.5.5'],
  ['spring-beans-5.3.20.jar', 690, '1.1.5.5', '1.2.0.2'],
  ['spring-data-jpa-2.0.6.RELEASE.jar', 1_130, '1.1.5.5', '1.2.0.2'],
  ['hibernate-core-5.2.17.Final.jar', 3_400, '1.1.5.5', '1.2.0.2'],
  ['derby-10.13.1.1.jar', 1_600, '1.1.5.5', '1.2.0.1'],
  ['derby-10.14.2.0.jar', 1_640, '1.2.0.2', '1.2.0.2'],
  ['bcprov-jdk15on-1.66.jar', 2_800, '1.1.5.5', '1.2.0.2'],
  ['jackson-databind-2.12.6.jar', 720, '1.1.5.5', '1.2.0.2'],
  ['guava-28.2-jre.jar', 1_400, '1.1.5.5', '1.2.0.2'],
  ['commons-lang3-3.12.0.jar', 290, '1.1.5.5', '1.2.0.2'],
  ['logback-classic-1.2.3.jar', 190, '1.1.5.5', '1.2.0.2'],
  ['zxing-core-3.4.1.jar', 270, '1.1.5.5', '1.2.0.2'],
  ['webcam-capture-0.3.12.jar', 180, '1.1.5.5', '1.2.0.2'],
];

const SCRIPTS: Record<string, { upgrade: string; rollback: string }> = {
  '1.2.0.1': {
    upgrade: `-- MOSIP 1.2.0.1: application ids on registrations; operator preferences kept locally.
ALTER TABLE registration ADD COLUMN app_id TEXT;
UPDATE registration SET app_id = 'APP-' || id;
CREATE TABLE local_preferences (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, config_type TEXT, val TEXT,
  is_deleted INTEGER DEFAULT 0, cr_by TEXT, cr_dtimes TEXT
);
/* the default locale; a ; inside a string must not end the statement */
INSERT INTO local_preferences (id, name, config_type, val, cr_by, cr_dtimes)
  VALUES ('1', 'mosip.registration.default.locale', 'CONFIGURATION', 'eng;fra', 'upgrader', CURRENT_TIMESTAMP);
`,
    rollback: `DROP TABLE IF EXISTS local_preferences;
ALTER TABLE registration DROP COLUMN app_id;
`,
  },
  '1.2.0.2': {
    upgrade: `-- MOSIP 1.2.0.2: packet ids, and an index the sync job needs.
ALTER TABLE registration ADD COLUMN packet_id TEXT;
UPDATE registration SET packet_id = app_id || '-P';
CREATE INDEX idx_registration_packet_id ON registration (packet_id);
`,
    rollback: `DROP INDEX IF EXISTS idx_registration_packet_id;
ALTER TABLE registration DROP COLUMN packet_id;
`,
  },
};

// The same changes in Derby's dialect, written as MOSIP writes its own scripts ("REG"."X" names,
// MERGE … USING "SYSIBM"."SYSDUMMY1", current timestamp), for `demo --db derby`.
const DERBY_SCRIPTS: Record<string, { upgrade: string; rollback: string }> = {
  '1.2.0.1': {
    upgrade: `-- MOSIP 1.2.0.1: application ids on registrations; operator preferences kept locally.
ALTER TABLE "REG"."REGISTRATION" ADD COLUMN "APP_ID" VARCHAR(64);
UPDATE "REG"."REGISTRATION" SET "APP_ID" = 'APP-' || "ID";
CREATE TABLE "REG"."LOCAL_PREFERENCES" ("ID" VARCHAR(36) NOT NULL, "NAME" VARCHAR(128) NOT NULL, "CONFIG_TYPE" VARCHAR(64), "VAL" VARCHAR(512),
  "IS_DELETED" BOOLEAN DEFAULT FALSE, "CR_BY" VARCHAR(256), "CR_DTIMES" TIMESTAMP, PRIMARY KEY ("ID"));
MERGE INTO "REG"."LOCAL_PREFERENCES" P USING "SYSIBM"."SYSDUMMY1" ON P."ID" = '1'
  WHEN NOT MATCHED THEN INSERT ("ID", "NAME", "CONFIG_TYPE", "VAL", "CR_BY", "CR_DTIMES")
  VALUES ('1', 'mosip.registration.default.locale', 'CONFIGURATION', 'eng,fra', 'upgrader', current timestamp);
`,
    rollback: `DROP TABLE "REG"."LOCAL_PREFERENCES";
ALTER TABLE "REG"."REGISTRATION" DROP COLUMN "APP_ID";
`,
  },
  '1.2.0.2': {
    upgrade: `-- MOSIP 1.2.0.2: packet ids, and an index the sync job needs.
ALTER TABLE "REG"."REGISTRATION" ADD COLUMN "PACKET_ID" VARCHAR(128);
UPDATE "REG"."REGISTRATION" SET "PACKET_ID" = "APP_ID" || '-P';
CREATE INDEX "REG"."IDX_REGISTRATION_PACKET_ID" ON "REG"."REGISTRATION" ("PACKET_ID");
`,
    rollback: `DROP INDEX "REG"."IDX_REGISTRATION_PACKET_ID";
ALTER TABLE "REG"."REGISTRATION" DROP COLUMN "PACKET_ID";
`,
  },
};

/** The database a demo release's scripts are written for; Derby releases ship a real Derby jar. */
export type DemoReleaseDb = { kind: 'sqlite' } | { kind: 'derby'; jarName: string; jar: Buffer };

function ordinal(version: DemoVersion): number {
  return DEMO_VERSIONS.indexOf(version);
}

/** Deterministic incompressible bytes (as a jar's deflated entries are): AES-256-CTR of zeros keyed by the seed. */
export function demoBytes(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

/** Every file of a release's lib/ folder: name (with '/' separators) → content. */
export function demoReleaseFiles(version: DemoVersion, db: DemoReleaseDb = { kind: 'sqlite' }): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const at = ordinal(version);
  files.set(`registration-client-${version}.jar`, demoBytes(`registration-client-${version}`, scaled(1_800)));
  files.set(`registration-services-${version}.jar`, demoBytes(`registration-services-${version}`, scaled(1_200)));
  for (const [name, kib, first, last] of JARS) {
    // A Derby station opens its database with the release's own Derby: the real jar, in every release.
    if (db.kind === 'derby' && name.startsWith('derby-')) continue;
    if (ordinal(first) <= at && at <= ordinal(last)) files.set(name, demoBytes(name, scaled(kib)));
  }
  if (db.kind === 'derby') files.set(db.jarName, db.jar);
  files.set(
    'spring.properties',
    Buffer.from(
      [
        `# registration client ${version}`,
        `mosip.registration.verion.upgrade.version-mappings=${JSON.stringify(DEMO_MAPPINGS)}`,
        'mosip.registration.sw.file.download.connection.timeout=10000',
        '',
      ].join('\n'),
    ),
  );
  files.set('mosip-application.properties', Buffer.from(`mosip.registration.version=${version}\nmosip.reg.rollback.path=BackUp\n`));
  files.set('logback.xml', Buffer.from(`<configuration><!-- ${version} --><root level="INFO"/></configuration>\n`));
  for (const [dbVersion, script] of Object.entries(db.kind === 'derby' ? DERBY_SCRIPTS : SCRIPTS)) {
    if (ordinal(dbVersion as DemoVersion) > at) continue;
    files.set(`sql/${dbVersion}/initial_db_scripts.sql`, Buffer.from(script.upgrade));
    files.set(`sql/${dbVersion}/rollback_scripts.sql`, Buffer.from(script.rollback));
  }
  return files;
}
