// The automatic pause end to end, all real processes: `fleet serve --rollout-root --pause-when` as
// the built CLI, a served release whose DB script fails, stations running the built CLI that
// report to the service. After the rule holds the service rewrites rollout.json on disk (paused,
// unsigned, with the reason), the next station is not offered the release, a restarted service
// counts the same stations again from its database, and after a resume it counts afresh, restarted or not.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishRelease } from '../../src/server/publish.js';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { createClientDb } from '../helpers/client-db.js';
import { bytesFor, cliPath, hashTree, installStation, runCli, tempDir, writeTree } from '../helpers/station.js';

const MAPPINGS = JSON.stringify({ '1.0.0': { dbVersion: '1.0.0', releaseOrder: 1 }, '1.1.0': { dbVersion: '1.1.0', releaseOrder: 2 } });

function release(version: string): Record<string, Buffer | string> {
  return {
    [`registration-client-${version}.jar`]: bytesFor(`client-${version}`, 40_000),
    'registration-services.jar': bytesFor(`services-${version}`, 30_000),
    'spring.properties': `mosip.registration.verion.upgrade.version-mappings=${MAPPINGS}\n`,
    'mosip-application.properties': `build=${version}\n`,
    // 1.1.0's script fails half-way on every station: exit 30, DB_UPGRADE_FAILED.
    ...(version === '1.1.0' ? { 'sql/1.1.0/initial_db_scripts.sql': 'CREATE TABLE half_done (a TEXT);\nINSERT INTO no_such_table VALUES (1);\n' } : {}),
  };
}

let base: string;
let root: string;
let keyFile: string;
let publicKeyFile: string;
let tokenFile: string;
let dataDir: string;
let releases: StaticServer;
let fleet: { child: ChildProcessWithoutNullStreams; url: string; stderr: () => string } | undefined;
const stations: string[] = [];
const rolloutDoc = () => path.join(root, 'registration-client', 'rollout.json');

async function startFleet(): Promise<{ child: ChildProcessWithoutNullStreams; url: string; stderr: () => string }> {
  const args = ['fleet', 'serve', '--port', '0', '--json', '--token-file', tokenFile, '--data-dir', dataDir, '--rollout-root', root, '--pause-when', 'failures>=2'];
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`fleet serve exited ${code}: ${err}`)));
  });
  const started = JSON.parse(line) as { url: string; rolloutRoot: string; pauseWhen: string };
  expect(started).toMatchObject({ rolloutRoot: root, pauseWhen: 'failures>=2' });
  return { child, url: started.url, stderr: () => err };
}

async function stopFleet(): Promise<void> {
  const running = fleet;
  fleet = undefined;
  if (running === undefined) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  await exited;
}

const stationRun = (dir: string, ...args: string[]) =>
  runCli([...args, '--client-dir', dir, '--server-url', `${releases.url}registration-client/`, '--public-key', publicKeyFile, '--fleet-url', fleet!.url, '--fleet-token-file', tokenFile, '--json']);

async function rolloutState(): Promise<Record<string, unknown>> {
  const response = await fetch(new URL('fleet/v1/rollout', fleet!.url));
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  base = await tempDir('rcu-fleet-pause-');
  root = path.join(base, 'root');
  dataDir = path.join(base, 'fleet-data');
  tokenFile = path.join(base, 'fleet.token');
  await fs.writeFile(tokenFile, 'auto-pause-token-5c1e\n');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keyFile = path.join(base, 'release-private.pem');
  publicKeyFile = path.join(base, 'provider.pem');
  await fs.writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await fs.writeFile(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  for (const version of ['1.0.0', '1.1.0']) await writeTree(path.join(base, `lib-${version}`), release(version));
  // Unchecked: the test is about the fleet's pause, not publish's checks (a half-failing script passes them anyway).
  await publishRelease({ unchecked: true, version: '1.0.0', libDir: path.join(base, 'lib-1.0.0'), outRoot: root, signKeyPath: keyFile });
  for (let i = 0; i < 3; i += 1) {
    const dir = path.join(base, 'stations', `s${i}`);
    await installStation(root, '1.0.0', dir);
    await fs.copyFile(path.join(root, 'registration-client', '1.0.0', 'MANIFEST.MF.sig'), path.join(dir, 'MANIFEST.MF.sig'));
    createClientDb(dir, '1.0.0', 20);
    stations.push(dir);
  }
  // The bad release goes to every station (100 %), signed: only the fleet service's pause stops it.
  await publishRelease({ unchecked: true, version: '1.1.0', libDir: path.join(base, 'lib-1.1.0'), outRoot: root, signKeyPath: keyFile, rolloutPercent: 100 });
  releases = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
  fleet = await startFleet();
}, 300_000);

afterAll(async () => {
  await stopFleet();
  await releases?.close();
  await fs.rm(base, { recursive: true, force: true });
});

describe('fleet serve --rollout-root pauses a failing release by itself', () => {
  it('stations that fail the release are counted; at the second failure rollout.json is paused on disk, unsigned, with the reason', async () => {
    const before = JSON.parse(await fs.readFile(rolloutDoc(), 'utf8')) as { serial: number; paused: boolean; percent: number };
    expect(before).toMatchObject({ version: '1.1.0', percent: 100, paused: false });
    expect(existsSync(`${rolloutDoc()}.sig`)).toBe(true);

    for (const [index, dir] of stations.slice(0, 2).entries()) {
      const staged = await stationRun(dir, 'upgrade', '--yes');
      expect(staged.code, staged.stdout + staged.stderr).toBe(10);
      const failed = await stationRun(dir, 'start');
      expect(failed.code, failed.stdout + failed.stderr).toBe(30);
      expect(failed.json).toMatchObject({ state: 'failed', error: { code: 'DB_UPGRADE_FAILED' } });
      const document = JSON.parse(await fs.readFile(rolloutDoc(), 'utf8')) as { serial: number; paused: boolean; reason?: string };
      if (index === 0) {
        // One failure: the rule (failures>=2) does not hold yet.
        expect(document).toMatchObject({ paused: false, serial: before.serial });
        expect(await rolloutState()).toMatchObject({ paused: false, tally: { attempted: 1, failed: 1, succeeded: 0 } });
      } else {
        expect(document).toMatchObject({ version: '1.1.0', percent: 100, paused: true, serial: before.serial + 1 });
        expect(document.reason).toContain('failures>=2 held for 1.1.0 (2 of 2 stations that attempted it failed');
      }
    }
    // Pausing needs no signature, and a stale one must not stay beside the new document.
    expect(existsSync(`${rolloutDoc()}.sig`)).toBe(false);
    expect(await rolloutState()).toMatchObject({
      rule: 'failures>=2',
      paused: true,
      signed: false,
      document: { version: '1.1.0', paused: true },
      tally: { attempted: 2, failed: 2, succeeded: 0 },
      versions: [{ version: '1.1.0', attempted: 2, failed: 2, succeeded: 0 }],
      problem: null,
    });
    expect(fleet!.stderr()).toContain('fleet: rollout of 1.1.0 paused: paused automatically by the fleet service');
  }, 600_000);

  it('a later station (which requires signatures) is not offered the release and cannot upgrade to it', async () => {
    const later = stations[2]!;
    const start = await stationRun(later, 'start');
    expect(start.code, start.stdout + start.stderr).toBe(0);
    expect(start.json).toMatchObject({ upgradeAvailable: false, installedVersion: '1.0.0', rollout: { version: '1.1.0', paused: true, included: false } });
    const upgrade = await stationRun(later, 'upgrade', '--yes');
    expect(upgrade.code, upgrade.stdout).toBe(64);
    expect(upgrade.json?.['error']).toMatchObject({ code: 'NO_UPGRADE_ANNOUNCED' });
    expect(await hashTree(path.join(later, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client', '1.0.0', 'lib')));
    // Its reports arrived, and they changed nothing in the rollout's tally.
    expect(await rolloutState()).toMatchObject({ tally: { attempted: 2, failed: 2 } });
  }, 600_000);

  it('fleet report says the rollout is paused and why; --json carries it', async () => {
    const text = await runCli(['fleet', 'report', '--fleet-url', fleet!.url]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('rollout: 1.1.0 at 100 %, PAUSED');
    expect(text.stdout).toContain('2 attempted, 0 succeeded, 2 failed');
    expect(text.stdout).toMatch(/why: paused automatically by the fleet service: failures>=2 held for 1\.1\.0/);
    const json = await runCli(['fleet', 'report', '--fleet-url', fleet!.url, '--json']);
    expect(json.code).toBe(0);
    expect(json.json).toMatchObject({ stations: 3, rollout: { paused: true, tally: { attempted: 2, failed: 2 }, rule: 'failures>=2' } });
  }, 600_000);

  it('a restarted service rebuilds the tally from its database', async () => {
    await stopFleet();
    fleet = await startFleet();
    expect(await rolloutState()).toMatchObject({ paused: true, tally: { attempted: 2, failed: 2, succeeded: 0 } });
  }, 600_000);

  it('after a person resumes, the count starts afresh, and a service restarted later keeps it so (no pause on old evidence)', async () => {
    const resumed = await runCli(['rollout', 'resume', root, '--sign-key', keyFile]);
    expect(resumed.code, resumed.stderr).toBe(0);
    // One new failure after the resume: 1 of the rule's 2, so the rollout stays open.
    const later = stations[2]!;
    expect((await stationRun(later, 'upgrade', '--yes')).code).toBe(10);
    expect((await stationRun(later, 'start')).code).toBe(30);
    expect(await rolloutState()).toMatchObject({ paused: false, tally: { attempted: 1, failed: 1, succeeded: 0 } });
    expect(fleet!.stderr()).toContain('fleet: rollout of 1.1.0 resumed: counting afresh from');
    await stopFleet();
    fleet = await startFleet();
    expect(await rolloutState()).toMatchObject({ paused: false, tally: { attempted: 1, failed: 1, succeeded: 0 } });
    expect(JSON.parse(await fs.readFile(rolloutDoc(), 'utf8'))).toMatchObject({ version: '1.1.0', paused: false });
  }, 600_000);
});

describe('fleet serve rollout flags', () => {
  it('a rule it cannot read, or --pause-when without --rollout-root, is a configuration error naming the flag', async () => {
    const bad = await runCli(['fleet', 'serve', '--port', '0', '--token-file', tokenFile, '--data-dir', dataDir, '--rollout-root', root, '--pause-when', 'failures>=lots']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--pause-when "failures>=lots": cannot read "failures>=lots"');
    const alone = await runCli(['fleet', 'serve', '--port', '0', '--token-file', tokenFile, '--data-dir', dataDir, '--pause-when', 'failures>=2']);
    expect(alone.code).toBe(64);
    expect(alone.stderr).toContain('--pause-when needs --rollout-root');
  }, 120_000);
});
