// The version upgrade end to end: the built CLI, a real HTTP server, a real SQLite client database.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { addRegistration, clientTables, createClientDb, readClientDb, registrationIds } from '../helpers/client-db.js';
import { bytesFor, hashTree, installStation, publish, runCli, tempDir } from '../helpers/station.js';

const MAPPINGS = JSON.stringify({
  '1.0.0': { dbVersion: '1.0.0', releaseOrder: 1 },
  '1.1.0': { dbVersion: '1.1.0', releaseOrder: 2 },
  '1.2.0': { dbVersion: '1.2.0', releaseOrder: 3 },
  '1.3.0': { dbVersion: '1.3.0', releaseOrder: 4 },
});

const SCRIPTS: Record<string, string> = {
  '1.1.0': `-- 1.1.0: a table; the ; in this comment must not split anything
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, note TEXT);
/* a block comment; with a semicolon */
INSERT INTO audit_log (note) VALUES ('upgraded; from 1.0.0 to ''1.1.0''');
`,
  '1.2.0': `ALTER TABLE registration ADD COLUMN center_id TEXT;
UPDATE registration SET center_id = 'C;1';
INSERT INTO audit_log (note) VALUES ('1.2.0');
`,
  '1.3.0': `CREATE TABLE half_done (a TEXT);
INSERT INTO half_done VALUES ('x');
INSERT INTO no_such_table VALUES (1);
`,
};

function release(version: string): Record<string, Buffer | string> {
  const files: Record<string, Buffer | string> = {
    [`registration-client-${version}.jar`]: bytesFor(`client-${version}`, 90_000),
    [`registration-services-${version}.jar`]: bytesFor(`services-${version}`, 70_000),
    'common-lib.jar': bytesFor('common', 50_000),
    'spring.properties': `mosip.registration.verion.upgrade.version-mappings=${MAPPINGS}\n`,
    'mosip-application.properties': `build=${version}\n`,
  };
  if (version !== '1.0.0') files[`feature-${version}.jar`] = bytesFor(`feature-${version}`, 30_000);
  if (version === '1.3.0') files['plugins/face/extra.jar'] = bytesFor('plugin', 10_000);
  for (const [v, script] of Object.entries(SCRIPTS)) {
    if (v <= version) files[`sql/${v}/initial_db_scripts.sql`] = script;
  }
  files['sql/1.3.0/rollback_scripts.sql'] = 'DROP TABLE IF EXISTS half_done;\n';
  return files;
}

let root: string;
let client: string;
let server: StaticServer | undefined;
let url: string;

beforeEach(async () => {
  root = await tempDir('rcu-up-root-');
  client = path.join(await tempDir('rcu-up-client-'), 'station');
  server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
  url = `${server.url}registration-client/`;
});

afterEach(async () => {
  await server?.close();
});

const run = (command: string, ...extra: string[]) => runCli([command, '--client-dir', client, '--server-url', url, '--json', ...extra]);

describe('upgrade: backup, staging, restart, skip-version DB upgrade', () => {
  it('1.0.0 → 1.2.0 skipping 1.1.0: both scripts once, in order; rows kept; backup named MOSIP’s way, then removed', async () => {
    for (const v of ['1.0.0', '1.1.0', '1.2.0']) await publish(root, v, release(v));
    await installStation(root, '1.0.0', client);
    const db = createClientDb(client, '1.0.0');

    const announced = await run('start');
    expect(announced.json).toMatchObject({ state: 'upgradeAvailable', latestVersion: '1.2.0', exitCode: 0 });

    const staged = await run('upgrade', '--yes');
    expect(staged.code, staged.stdout + staged.stderr).toBe(10);
    expect(staged.json).toMatchObject({ state: 'staged', restartRequired: true });
    const backups = await fs.readdir(path.join(client, 'BackUp'));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(/^1\.0\.0_\d{4}-\d{2}-\d{2} \d{2}-\d{2}-\d{2}\.\d{3}Z$/);
    const backupDir = path.join(client, 'BackUp', backups[0] ?? '');
    expect(existsSync(path.join(backupDir, 'backup-complete.json'))).toBe(true);
    // The database is snapshotted at the restart, right before its first change, not here.
    expect(existsSync(path.join(backupDir, 'db'))).toBe(false);
    expect(await hashTree(path.join(backupDir, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client/1.0.0/lib')));
    expect(existsSync(path.join(backupDir, 'bin', 'run.sh'))).toBe(true);
    // Nothing applied before the restart.
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client/1.0.0/lib')));

    const applied = await run('start');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.json).toMatchObject({ state: 'done', installedVersion: '1.2.0' });
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client/1.2.0/lib')));
    expect((await fs.readFile(path.join(client, 'MANIFEST.MF'))).equals(await fs.readFile(path.join(root, 'registration-client/1.2.0/MANIFEST.MF')))).toBe(true);
    const after = readClientDb(db);
    expect(after.version).toBe('1.2.0');
    expect(after.registrations).toBe(200);
    expect(after.tables).toContain('audit_log');
    expect(after.history.filter((h) => h.outcome === 'applied').map((h) => h.version)).toEqual(['1.1.0', '1.2.0']);
    expect(await fs.readdir(path.join(client, 'BackUp'))).toEqual([]);
    expect(existsSync(path.join(client, '.upgrade', 'staging', 'upgrade'))).toBe(false);

    const next = await run('start');
    expect(next.json).toMatchObject({ state: 'ready', installedVersion: '1.2.0', exitCode: 0 });
    expect(readClientDb(db).history).toHaveLength(2);

    const status = await runCli(['status', '--client-dir', client, '--json']);
    expect(status.json).toMatchObject({ installedVersion: '1.2.0', state: 'ready' });
    const history = await runCli(['history', '--client-dir', client, '--json']);
    const path_ = ((history.json?.history ?? []) as Array<{ to: string }>).map((r) => r.to).reverse();
    expect(path_).toEqual(expect.arrayContaining(['backup', 'downloading', 'staged', 'restarting', 'dbUpgrade', 'done']));
  });

  it('a 1.3.0 script failing half-way: exit 30, nothing half-applied, retried on relaunch; rollback keeps every registration', async () => {
    for (const v of ['1.2.0', '1.3.0']) await publish(root, v, release(v));
    await installStation(root, '1.2.0', client);
    const db = createClientDb(client, '1.2.0');
    const before = readClientDb(db);

    expect((await run('upgrade', '--yes')).code).toBe(10);
    // The client keeps enrolling between the upgrade (staging) and the restart…
    addRegistration(db, 'written-after-staging');
    const failed = await run('start');
    expect(failed.code, failed.stdout).toBe(30);
    expect(failed.json).toMatchObject({ state: 'failed', error: { code: 'DB_UPGRADE_FAILED' } });
    const backupDir = path.join(client, 'BackUp', (await fs.readdir(path.join(client, 'BackUp')))[0] ?? '');
    expect(registrationIds(path.join(backupDir, 'db', 'reg.sqlite'))).toContain('written-after-staging');
    const afterFail = readClientDb(db);
    expect(afterFail.version).toBe('1.2.0');
    expect(afterFail.tables).not.toContain('half_done');
    expect(afterFail.registrations).toBe(before.registrations + 1);

    // …and after the failed restart.
    addRegistration(db, 'written-after-failure');
    const again = await run('start');
    expect(again.code).toBe(30);

    const rolledBack = await run('rollback', '--yes');
    expect(rolledBack.code, rolledBack.stdout + rolledBack.stderr).toBe(0);
    expect(rolledBack.json).toMatchObject({ state: 'ready', installedVersion: '1.2.0' });
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client/1.2.0/lib')));
    // Exact: no folder of the newer release is left behind.
    expect(existsSync(path.join(client, 'lib', 'plugins'))).toBe(false);
    const restored = readClientDb(db);
    expect(restored.version).toBe('1.2.0');
    expect(clientTables(restored.tables)).toEqual(clientTables(before.tables));
    expect(registrationIds(db)).toEqual(expect.arrayContaining(['written-after-staging', 'written-after-failure']));
    expect(restored.registrations).toBe(before.registrations + 2);
  });

  it('rollback after a completed upgrade restores the snapshot and keeps the replaced database beside the backup', async () => {
    for (const v of ['1.0.0', '1.1.0']) await publish(root, v, release(v));
    await installStation(root, '1.0.0', client);
    const db = createClientDb(client, '1.0.0');
    expect((await run('upgrade', '--yes', '--keep-backups', '1')).code).toBe(10);
    addRegistration(db, 'before-restart');
    const applied = await run('start', '--keep-backups', '1');
    expect(applied.json, applied.stdout + applied.stderr).toMatchObject({ state: 'done', installedVersion: '1.1.0' });
    expect(readClientDb(db).version).toBe('1.1.0');
    addRegistration(db, 'on-the-new-version');

    const rolledBack = await run('rollback', '--yes');
    expect(rolledBack.code, rolledBack.stdout + rolledBack.stderr).toBe(0);
    expect(rolledBack.json).toMatchObject({ state: 'ready', installedVersion: '1.0.0' });
    const restored = readClientDb(db);
    expect(restored.version).toBe('1.0.0');
    expect(restored.tables).not.toContain('audit_log');
    expect(registrationIds(db)).toContain('before-restart');
    // The row written on 1.1.0 is not silently gone: the replaced database is kept, and the run says where.
    const warnings = (rolledBack.json?.warnings ?? []) as string[];
    const kept = /kept at (.+reg\.sqlite)/.exec(warnings.join('\n'))?.[1];
    expect(kept, JSON.stringify(rolledBack.json)).toBeDefined();
    expect(registrationIds(kept ?? '')).toContain('on-the-new-version');
    expect(path.dirname(path.dirname(kept ?? ''))).toMatch(/BackUp[\\/]1\.0\.0_/);
  });

  it('upgrade without --yes and without a terminal: exit 64, nothing backed up', async () => {
    for (const v of ['1.0.0', '1.1.0']) await publish(root, v, release(v));
    await installStation(root, '1.0.0', client);
    const result = await run('upgrade');
    expect(result.code).toBe(64);
    expect(result.json).toMatchObject({ error: { code: 'CONFIRMATION_REQUIRED' } });
    expect(existsSync(path.join(client, 'BackUp'))).toBe(false);
  });

  it('rollback with no backup: exit 64', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    const result = await run('rollback', '--yes');
    expect(result.code).toBe(64);
    expect(result.json).toMatchObject({ error: { code: 'NO_BACKUP' } });
  });
});
