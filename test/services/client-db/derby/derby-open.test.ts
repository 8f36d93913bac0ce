// Opening a station's Derby database the ways a station has it (db.conf decoded as MOSIP does, a
// credentials file, the station's own jre/bin/java) and refusing, each with its code and nothing
// changed, when something is missing or wrong: no Java, no Derby jar, wrong credentials, a TPM
// db.conf, a database held by a running client. No secret reaches any message or log.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpgradeError } from '../../../../src/errors.js';
import { createDerbyClientDb } from '../../../../src/services/client-db/derby/index.js';
import type { DerbyClientDbOptions } from '../../../../src/services/client-db/derby/index.js';
import { createMemoryLogger } from '../../../../src/services/logger.js';
import { DERBY_JAR, hasDerby, makeDerbyStation, regSchema, STATION_SECRETS, withStationDb } from './derby-station-fixture.js';
import type { DerbyStation } from './derby-station-fixture.js';

const SECRETS = Object.values(STATION_SECRETS);
const noJavaEnv = (station: DerbyStation): NodeJS.ProcessEnv => ({ PATH: path.join(station.clientDir, 'no-bin'), HOME: station.clientDir });

describe.skipIf(!hasDerby())('opening a station Derby database', () => {
  let work: string;
  let station: DerbyStation;
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'rcu-derby-open-'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** The error `open` throws, checked to carry no secret; the database folder unchanged. */
  async function openError(options: Partial<DerbyClientDbOptions> = {}): Promise<UpgradeError> {
    const before = await listing(station.dbDir);
    const logger = createMemoryLogger();
    const db = createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir, env: { ...process.env, HOME: station.clientDir }, ...options });
    const error = await db.open(logger).then(
      async (session) => {
        await session.close();
        throw new Error('open succeeded');
      },
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UpgradeError);
    const shown = JSON.stringify({ message: (error as Error).message, details: (error as UpgradeError).details, logs: logger.lines });
    for (const secret of SECRETS) expect(shown).not.toContain(secret);
    expect(await listing(station.dbDir)).toEqual(before);
    expect(existsSync(path.join(station.clientDir, 'derby.log'))).toBe(false);
    return error as UpgradeError;
  }

  it("decodes MOSIP's db.conf, in <client>/.mosipkeys or the legacy ~/.mosipkeys, and a credentials file wins over it", async () => {
    station = await makeDerbyStation(path.join(work, 'client'));
    const logger = createMemoryLogger();
    const withDbConf = await createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir }).open(logger);
    expect(await withDbConf.readVersion('none')).toBe('none');
    await withDbConf.close();

    // The legacy place, ~/.mosipkeys (DaoConfig.backwardCompatibleFix), read where it is.
    const home = path.join(work, 'home');
    await mkdir(home);
    await rename(path.join(station.clientDir, '.mosipkeys'), path.join(home, '.mosipkeys'));
    const legacy = await createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir, env: { ...process.env, HOME: home } }).open(logger);
    await legacy.close();
    expect(existsSync(path.join(station.clientDir, '.mosipkeys'))).toBe(false);

    const file = path.join(work, 'credentials.txt');
    await writeFile(file, `${STATION_SECRETS.bootPassword}-BREAK-${STATION_SECRETS.user}-BREAK-${STATION_SECRETS.password}\r\n`);
    const withFile = await createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir, credentialsFile: file, env: { ...process.env, HOME: home } }).open(logger);
    expect((await withFile.countRows())['REGISTRATION']).toBe(3);
    await withFile.close();
    expect(existsSync(path.join(station.clientDir, 'derby.log'))).toBe(false);
  }, 180_000);

  it('refuses wrong credentials, a TPM db.conf, and keys from another station', async () => {
    station = await makeDerbyStation(path.join(work, 'client'));
    const wrong = path.join(work, 'wrong.txt');
    await writeFile(wrong, `${STATION_SECRETS.bootPassword}-BREAK-${STATION_SECRETS.user}-BREAK-NotThePassword1`);
    expect((await openError({ credentialsFile: wrong })).code).toBe('DB_CREDENTIALS_INVALID');
    await writeFile(wrong, `WrongBootPassword123-BREAK-${STATION_SECRETS.user}-BREAK-${STATION_SECRETS.password}`);
    expect((await openError({ credentialsFile: wrong })).code).toBe('DB_CREDENTIALS_INVALID');

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(path.join(station.clientDir, '.mosipkeys', 'reg.key'), privateKey.export({ type: 'pkcs8', format: 'der' }));
    expect((await openError()).code).toBe('DB_CREDENTIALS_INVALID');

    await unlink(path.join(station.clientDir, '.mosipkeys', 'reg.key'));
    const tpm = await openError();
    expect(tpm.code).toBe('DB_CREDENTIALS_TPM');
    expect(tpm.message).toContain('--db-credentials-file');
  }, 180_000);

  it("runs the station's own jre/bin/java first, and says when there is no Java or no Derby jar", async () => {
    station = await makeDerbyStation(path.join(work, 'client'), { credentials: 'file' });
    const credentialsFile = station.credentialsFile ?? '';
    expect((await openError({ credentialsFile, env: noJavaEnv(station) })).code).toBe('JAVA_NOT_FOUND');

    await mkdir(path.join(station.clientDir, 'jre', 'bin'), { recursive: true });
    await symlink(realpathSync(whichJava()), path.join(station.clientDir, 'jre', 'bin', 'java'));
    const session = await createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir, credentialsFile, env: noJavaEnv(station) }).open(createMemoryLogger());
    await session.close();

    for (const name of await readdir(station.libDir)) if (name.endsWith('.jar')) await unlink(path.join(station.libDir, name));
    expect((await openError({ credentialsFile })).code).toBe('DERBY_JAR_NOT_FOUND');
    const configured = await createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir, credentialsFile, classpath: [DERBY_JAR] }).open(createMemoryLogger());
    await configured.close();
  }, 180_000);

  it('refuses a database a running client holds (CLIENT_DB_IN_USE), opening, peeking or restoring', async () => {
    station = await makeDerbyStation(path.join(work, 'client'), { credentials: 'file' });
    const credentialsFile = station.credentialsFile ?? '';
    const schema = await withStationDb(station, regSchema);
    const logger = createMemoryLogger();
    const db = createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir, credentialsFile });
    const before = await db.open(logger);
    await before.snapshot(path.join(work, 'backup'));
    await before.close();

    // The "client": another JVM with the database booted.
    await withStationDb(station, async () => {
      expect((await openError({ credentialsFile })).code).toBe('CLIENT_DB_IN_USE');
      await expect(db.peekVersion('none', logger)).rejects.toMatchObject({ code: 'CLIENT_DB_IN_USE' });
      await expect(db.restore(path.join(work, 'backup', 'reg'), path.join(work, 'kept'), logger)).rejects.toMatchObject({ code: 'CLIENT_DB_IN_USE' });
    });
    expect(existsSync(path.join(work, 'kept'))).toBe(false);
    expect(await withStationDb(station, regSchema)).toEqual(schema);
  }, 180_000);
});

function whichJava(): string {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (existsSync(path.join(dir, 'java'))) return path.join(dir, 'java');
  }
  throw new Error('no java on PATH');
}

/** Names and sizes of the files of a folder (the database unchanged means this unchanged). */
async function listing(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.push(`${path.relative(dir, file)} ${(await stat(file)).size}`);
  }
  return out.sort();
}
