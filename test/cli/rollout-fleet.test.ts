// Staged rollout end to end (DESIGN §13): a real `serve` process, `publish` and `rollout` run as
// the built CLI, a fleet of stations with small libs and their own state databases, and a few
// stations driven as real CLI processes (the launcher's view). On this shared 2-core machine a CLI
// process costs seconds of start-up, so the fleet's many stations run the same station command
// in this process (runStationCommand: real HTTP, real files, real SQLite), one after another.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/machines/run-result.js';
import { rolloutBucket } from '../../src/rollout/rollout-bucket.js';
import { runStationCommand } from '../../src/runner/run-station-command.js';
import { publishRelease } from '../../src/server/publish.js';
import { releaseTree } from '../helpers/release-lib.js';
import { cliPath, installStation, runCli, tempDir, writeTree } from '../helpers/station.js';

/** Fleet size (RCU_TEST_FLEET overrides it). */
const STATIONS = Number(process.env['RCU_TEST_FLEET'] ?? 200);
/** Tolerance on the offered share: 4 standard deviations of a binomial sample of STATIONS (false alarm < 1 in 10 000). */
const tolerance = (percent: number) => 4 * Math.sqrt(((percent / 100) * (1 - percent / 100)) / STATIONS) * 100;

let base: string;
let root: string;
let keyFile: string;
let publicKeyFile: string;
let serverUrl: string;
let server: ChildProcessWithoutNullStreams;
let stations: Array<{ dir: string; id: string }>;

async function startServe(): Promise<{ child: ChildProcessWithoutNullStreams; clientUrl: string }> {
  const child = spawn(process.execPath, [cliPath, 'serve', root, '--port', '0', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { child, clientUrl: (JSON.parse(line) as { clientUrl: string }).clientUrl };
}

const flags = () => ({ serverUrl, publicKey: publicKeyFile, retries: '0' });

/** `start` for one station, in this process. */
const startIn = (dir: string): Promise<RunResult> => runStationCommand('start', { clientDir: dir, flags: flags(), env: {}, logLevel: 'warn' });

async function startAll(list = stations): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const station of list) results.push(await startIn(station.dir));
  return results;
}

/** The station id the station created on its first run. */
function stationIdOf(dir: string): string {
  const db = new Database(path.join(dir, '.upgrade', 'state.db'), { readonly: true });
  try {
    return (db.prepare(`SELECT value FROM upgrader_kv WHERE key = 'fleet-station-id'`).get() as { value: string }).value;
  } finally {
    db.close();
  }
}

const cliFlags = () => ['--server-url', serverUrl, '--public-key', publicKeyFile, '--retries', '0'];
const rolloutDoc = () => path.join(root, 'registration-client', 'rollout.json');

beforeAll(async () => {
  base = await tempDir('rcu-fleet-');
  root = path.join(base, 'root');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keyFile = path.join(base, 'release-private.pem');
  publicKeyFile = path.join(base, 'provider.pem');
  await fs.writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await fs.writeFile(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  for (const version of ['1.0.0', '1.1.0']) {
    await writeTree(path.join(base, `lib-${version}`), releaseTree(version, ['1.0.0', '1.1.0'], { 'registration-api.jar': `api ${version}\n` }));
  }
  await publishRelease({ version: '1.0.0', libDir: path.join(base, 'lib-1.0.0'), outRoot: root, signKeyPath: keyFile });
  stations = [];
  for (let i = 0; i < STATIONS; i += 1) {
    const dir = path.join(base, 'stations', `s${i}`);
    await installStation(root, '1.0.0', dir);
    await fs.copyFile(path.join(root, 'registration-client', '1.0.0', 'MANIFEST.MF.sig'), path.join(dir, 'MANIFEST.MF.sig'));
    stations.push({ dir, id: '' });
  }
  const started = await startServe();
  server = started.child;
  serverUrl = started.clientUrl;
}, 600_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  await fs.rm(base, { recursive: true, force: true });
});

describe('staged rollout across a fleet', () => {
  let offered10: Set<number>;
  let offered50: Set<number>;
  let signed50: { body: Buffer; signature: Buffer };

  it('a release at 10 % is offered to about 10 % of the fleet: exactly the stations whose bucket is below 10', async () => {
    const published = await runCli(['publish', '1.1.0', path.join(base, 'lib-1.1.0'), '--out', root, '--rollout-percent', '10', '--sign-key', keyFile, '--json']);
    expect(published.code).toBe(0);
    const results = await startAll();
    offered10 = new Set();
    results.forEach((result, index) => {
      const station = stations[index]!;
      station.id = stationIdOf(station.dir);
      const included = rolloutBucket(station.id, '1.1.0') < 10;
      expect(result.exitCode).toBe(0);
      expect(result.upgradeAvailable, station.dir).toBe(included);
      expect(result.rollout).toMatchObject({ version: '1.1.0', percent: 10, included, paused: false });
      if (included) offered10.add(index);
    });
    const share = (offered10.size / STATIONS) * 100;
    console.log(`rollout 10 %: ${offered10.size} of ${STATIONS} stations offered (${share.toFixed(1)} %, tolerance ±${tolerance(10).toFixed(1)} points)`);
    expect(Math.abs(share - 10)).toBeLessThanOrEqual(tolerance(10));
  }, 1_200_000);

  it('widened to 50 %: a superset of the first 10 %, about half of the fleet', async () => {
    const set = await runCli(['rollout', 'set', root, '1.1.0', '--percent', '50', '--sign-key', keyFile]);
    expect(set.code).toBe(0);
    signed50 = { body: await fs.readFile(rolloutDoc()), signature: await fs.readFile(`${rolloutDoc()}.sig`) };
    const results = await startAll();
    offered50 = new Set(results.flatMap((result, index) => (result.upgradeAvailable ? [index] : [])));
    for (const index of offered10) expect(offered50.has(index)).toBe(true);
    results.forEach((result, index) => expect(result.upgradeAvailable).toBe(rolloutBucket(stations[index]!.id, '1.1.0') < 50));
    const share = (offered50.size / STATIONS) * 100;
    console.log(`rollout 50 %: ${offered50.size} of ${STATIONS} stations offered (${share.toFixed(1)} %, tolerance ±${tolerance(50).toFixed(1)} points)`);
    expect(Math.abs(share - 50)).toBeLessThanOrEqual(tolerance(50));
  }, 1_200_000);

  it('as real processes: an included station stages the upgrade; one not included is told so by start and status', async () => {
    const inside = stations[[...offered50][0]!]!;
    const outside = stations.find((_, index) => !offered50.has(index))!;
    const upgrade = await runCli(['upgrade', '--client-dir', inside.dir, ...cliFlags(), '--json', '--yes']);
    expect(upgrade.code, upgrade.stdout).toBe(10);
    const start = await runCli(['start', '--client-dir', outside.dir, ...cliFlags(), '--json']);
    expect(start.code, start.stdout).toBe(0);
    expect(start.json).toMatchObject({ upgradeAvailable: false, latestVersion: '1.1.0', rollout: { version: '1.1.0', percent: 50, included: false } });
    const status = await runCli(['status', '--client-dir', outside.dir]);
    expect(status.stdout).toContain('1.1.0 is rolling out to 50 % of stations; this station is not yet included');
  }, 600_000);

  /** Stations the 50 % rollout offered, minus the one staged above: each must now be offered nothing. */
  const sample = () => [...offered50].slice(1, 21).map((index) => stations[index]!);

  it('a tampered document offers nothing', async () => {
    await fs.writeFile(rolloutDoc(), signed50.body.toString('utf8').replace('"percent": 50', '"percent": 100'));
    for (const result of await startAll(sample())) {
      expect(result.upgradeAvailable).toBe(false);
      expect(result.rollout?.verdict).toBe('bad-signature');
      expect(result.warnings.join(' ')).toContain('rollout.json');
    }
  }, 600_000);

  it('a replayed older document offers nothing', async () => {
    await fs.writeFile(rolloutDoc(), signed50.body);
    expect((await runCli(['rollout', 'set', root, '1.1.0', '--percent', '10', '--sign-key', keyFile])).code).toBe(0);
    await startAll(sample()); // each station now trusts serial 3
    await fs.writeFile(rolloutDoc(), signed50.body); // serial 2, validly signed: a replay
    await fs.writeFile(`${rolloutDoc()}.sig`, signed50.signature);
    for (const result of await startAll(sample())) {
      expect(result.upgradeAvailable).toBe(false);
      expect(result.rollout).toMatchObject({ verdict: 'replayed', serial: 2 });
    }
  }, 600_000);

  it('a pause (unsigned) is honoured by stations that require signatures; a staged station still finishes', async () => {
    expect((await runCli(['rollout', 'pause', root, '--reason', 'failures>=5'])).code).toBe(0);
    for (const result of await startAll(sample())) {
      expect(result.upgradeAvailable).toBe(false);
      expect(result.rollout).toMatchObject({ verdict: 'paused', paused: true, reason: 'failures>=5' });
    }
    const staged = stations[[...offered50][0]!]!;
    const start = await runCli(['start', '--client-dir', staged.dir, ...cliFlags(), '--json']);
    expect(start.code, start.stdout).toBe(0);
    expect(start.json).toMatchObject({ state: 'done', installedVersion: '1.1.0' });
    expect(await fs.readFile(path.join(staged.dir, 'lib', 'registration-client-1.1.0.jar'), 'utf8')).toBe('client 1.1.0\n');
  }, 600_000);

  it('a supervisor takes the paused version with upgrade --ignore-rollout, recorded in history', async () => {
    const outside = stations.find((_, index) => !offered50.has(index))!;
    const refused = await runCli(['upgrade', '--client-dir', outside.dir, ...cliFlags(), '--json', '--yes']);
    expect(refused.code, refused.stdout).toBe(64);
    expect(refused.json?.['error']).toMatchObject({ code: 'NO_UPGRADE_ANNOUNCED' });
    const taken = await runCli(['upgrade', '--client-dir', outside.dir, ...cliFlags(), '--json', '--yes', '--ignore-rollout']);
    expect(taken.code, taken.stdout).toBe(10);
    expect(taken.json).toMatchObject({ rolloutIgnored: true });
    const history = await runCli(['history', '--client-dir', outside.dir]);
    expect(history.stdout).toContain('--ignore-rollout');
  }, 600_000);
});
