// The demo is also a test of the whole product: the built CLI publishes, serves, patches and
// upgrades a station; the station must end up equal to the newest release with its rows kept.
import Database from 'better-sqlite3';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readClientDb } from '../helpers/client-db.js';
import { hasDerby } from '../helpers/derby-station.js';
import { withStationDb } from '../services/client-db/derby/derby-station-fixture.js';
import { queryRows } from '../../src/services/client-db/derby/derby-query.js';
import { hashTree, runCli, tempDir } from '../helpers/station.js';

const dirs: string[] = [];

async function demoDir(): Promise<string> {
  const dir = await tempDir('rcu-demo-');
  dirs.push(dir);
  return path.join(dir, 'demo');
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

interface ReportJson {
  ok: boolean;
  clientDir: string;
  serverRoot: string;
  steps: Array<{ command: string; ok: boolean; result: { state: string; exitCode: number; patched: string[] } }>;
  checks: Array<{ name: string; ok: boolean }>;
  fleet: { dataDir: string; tokenFile: string; summary: { stations: number; versions: Record<string, number> }; station: { reports: number; installedVersion: string } | null };
}

describe('reg-client-upgrader demo', () => {
  it('runs the whole story: exit 0, lib/ equals 1.2.0.2, database upgraded across 1.2.0.1 with every row kept', async () => {
    const dir = await demoDir();
    const run = await runCli(['demo', '--dir', dir, '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = run.json as unknown as ReportJson;
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => [s.command, s.result.state, s.result.exitCode])).toEqual([
      ['start', 'upgradeAvailable', 0],
      ['upgrade', 'staged', 10],
      ['start', 'done', 0],
      ['start', 'ready', 0],
    ]);
    expect(report.steps[0]?.result.patched.sort()).toEqual(['javafx-graphics-11.0.2-linux.jar', 'kernel-core-1.1.5.5.jar']);
    expect(report.checks.length).toBeGreaterThan(0);
    expect(report.checks.every((c) => c.ok)).toBe(true);

    // The station, checked here independently of the demo's own checks.
    const station = path.join(dir, 'station');
    const release = path.join(dir, 'server', 'registration-client', '1.2.0.2');
    expect(await hashTree(path.join(station, 'lib'))).toEqual(await hashTree(path.join(release, 'lib')));
    expect((await fs.readFile(path.join(station, 'MANIFEST.MF'))).equals(await fs.readFile(path.join(release, 'MANIFEST.MF')))).toBe(true);
    const db = readClientDb(path.join(station, 'db', 'reg.sqlite'));
    expect(db.version).toBe('1.2.0.2');
    expect(db.registrations).toBe(1000);
    expect(db.tables).toContain('local_preferences');
    expect(db.history.filter((h) => h.outcome === 'applied').map((h) => h.version)).toEqual(['1.2.0.1', '1.2.0.2']);

    const status = await runCli(['status', '--client-dir', station, '--json']);
    expect(status.json).toMatchObject({ installedVersion: '1.2.0.2', state: 'ready' });

    // Every run reached the embedded fleet service: its SQLite file holds one row per run, and the
    // station's outbox is empty (delivered, acknowledged).
    expect(report.checks.find((c) => c.name === 'fleet service heard every run')?.ok).toBe(true);
    expect(report.fleet).toMatchObject({ summary: { stations: 1, versions: { '1.2.0.2': 1 } }, station: { reports: 4, installedVersion: '1.2.0.2' } });
    const fleetDb = new Database(path.join(report.fleet.dataDir, 'fleet.db'), { readonly: true });
    try {
      expect(fleetDb.prepare('SELECT COUNT(*) AS n FROM fleet_report').get()).toEqual({ n: 4 });
    } finally {
      fleetDb.close();
    }
    const stateDb = new Database(path.join(station, '.upgrade', 'state.db'), { readonly: true });
    try {
      expect(stateDb.prepare('SELECT COUNT(*) AS n FROM upgrader_outbox').get()).toEqual({ n: 0 });
    } finally {
      stateDb.close();
    }
  });

  it('tells the story in text, ending with where to look; --inspect serves the live page during the run', async () => {
    const dir = await demoDir();
    const run = await runCli(['demo', '--dir', dir, '--inspect', '0']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toMatch(/inspector: http:\/\/127\.0\.0\.1:\d+/);
    expect(run.stdout).toContain('Demo passed');
    expect(run.stdout).toContain('Exit codes: start 0, upgrade 10, start 0, start 0.');
    for (const command of ['status', 'history', 'inspect']) {
      const line = run.stdout.split('\n').find((l) => l.includes(` ${command} `) && l.includes('--client-dir'));
      expect(line, command).toContain(`--client-dir ${path.join(dir, 'station')}`);
    }
  });

  it('refuses a folder that is not empty: exit 64, nothing written', async () => {
    const dir = await demoDir();
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'keep.txt'), 'mine');
    const run = await runCli(['demo', '--dir', dir, '--json']);
    expect(run.code).toBe(64);
    expect(await fs.readdir(dir)).toEqual(['keep.txt']);
  });

  it.skipIf(!hasDerby())('--db derby: the same story on an encrypted Derby db/reg opened with MOSIP\'s db.conf; every registration kept', async () => {
    const dir = await demoDir();
    const run = await runCli(['demo', '--db', 'derby', '--dir', dir, '--json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = run.json as unknown as ReportJson & { db: string };
    expect(report.db).toBe('derby');
    expect(report.steps.map((s) => [s.command, s.result.state, s.result.exitCode])).toEqual([
      ['start', 'upgradeAvailable', 0],
      ['upgrade', 'staged', 10],
      ['start', 'done', 0],
      ['start', 'ready', 0],
    ]);
    expect(report.checks.every((c) => c.ok)).toBe(true);

    // The station is a Derby one, encrypted, with MOSIP's credentials files and no SQLite stand-in.
    const station = path.join(dir, 'station');
    const serviceProperties = await fs.readFile(path.join(station, 'db', 'reg', 'service.properties'), 'utf8');
    expect(serviceProperties).toMatch(/dataEncryption=true/);
    expect(await fs.readdir(path.join(station, '.mosipkeys'))).toEqual(expect.arrayContaining(['db.conf', 'reg.key']));
    await expect(fs.access(path.join(station, 'db', 'reg.sqlite'))).rejects.toThrow();
    const release = path.join(dir, 'server', 'registration-client', '1.2.0.2');
    expect(await hashTree(path.join(station, 'lib'))).toEqual(await hashTree(path.join(release, 'lib')));

    // Read back through db.conf, independently of the demo's checks.
    const rows = await withStationDb({ clientDir: station, dbDir: path.join(station, 'db', 'reg'), libDir: path.join(station, 'lib') }, async (bridge) => ({
      version: await queryRows(bridge, `SELECT VAL FROM "REG"."GLOBAL_PARAM" WHERE CODE = 'mosip.reg.services.current.version'`),
      registrations: await queryRows(bridge, 'SELECT COUNT(*) AS N, COUNT("PACKET_ID") AS P FROM "REG"."REGISTRATION"'),
      history: await queryRows(bridge, `SELECT VERSION FROM UPGRADER.DB_HISTORY WHERE OUTCOME = 'applied' ORDER BY ID`),
    }));
    expect(rows.version).toEqual([{ VAL: '1.2.0.2' }]);
    expect(rows.registrations).toEqual([{ N: 1000, P: 1000 }]);
    expect(rows.history.map((row) => row['VERSION'])).toEqual(['1.2.0.1', '1.2.0.2']);

    const status = await runCli(['status', '--client-dir', station, '--json']);
    expect(status.json).toMatchObject({ installedVersion: '1.2.0.2', state: 'ready' });
  }, 300_000);

  it('--db derby without Java, or with an unknown kind: exit 64 naming what is missing, nothing written', async () => {
    const dir = await demoDir();
    const noJava = await runCli(['demo', '--db', 'derby', '--dir', dir, '--json'], { env: { PATH: '', JAVA_HOME: '' } });
    expect(noJava.code).toBe(64);
    expect(JSON.stringify(noJava.json)).toContain('JAVA_NOT_FOUND');
    const unknown = await runCli(['demo', '--db', 'oracle', '--dir', dir, '--json']);
    expect(unknown.code).toBe(64);
    expect(unknown.stdout + unknown.stderr).toMatch(/--db must be sqlite or derby/);
    await expect(fs.access(dir)).rejects.toThrow();
  });
});
