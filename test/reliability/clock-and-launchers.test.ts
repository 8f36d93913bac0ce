// Time and concurrency faults: a clock that was ahead and jumped back (no faketime here: its traces
// are simulated — a backup named from the future, a lock touched in the future), and two launchers
// starting the upgrader at the same instant.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClientDb } from '../helpers/client-db.js';
import { serveRoot } from '../helpers/serve-root.js';
import { hashTree, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess } from './helpers/cli-process.js';
import { allowedFrom, checkInstalled, checkLib, checkStation } from './helpers/invariants.js';
import { buildWorld, freshStation, NEW, OLD, REGISTRATIONS, stationArgs, type World } from './helpers/world.js';

let world: World;
let server: TestServer;

beforeAll(async () => {
  world = await buildWorld({ size: 64 * 1024 });
  server = await serveRoot(world.root, { '*': { trickle: { bytes: 16 * 1024, everyMs: 5 } } });
});
afterAll(async () => server.close());

const station = async (): Promise<string> => freshStation(world, path.join(await tempDir('rcu-clock-'), 'station'));
const run = (command: string, client: string, extra: string[] = []) =>
  runCliProcess(stationArgs(command, client, `${server.url}registration-client/`, extra), { logFile: path.join(client, '.upgrade', 'registration.jsonl') });

/** A complete backup of an old 1.0.0 station (only 10 registrations) as a clock far ahead would have named it. */
async function backupFromTheFuture(client: string): Promise<string> {
  const dir = path.join(client, 'BackUp', `${OLD}_2099-01-01 00-00-00.000Z`);
  await fs.cp(path.join(world.pristine, 'lib'), path.join(dir, 'lib'), { recursive: true });
  await fs.cp(path.join(world.pristine, 'bin'), path.join(dir, 'bin'), { recursive: true });
  await fs.copyFile(path.join(world.pristine, 'MANIFEST.MF'), path.join(dir, 'MANIFEST.MF'));
  await fs.mkdir(path.join(dir, 'db'), { recursive: true });
  await fs.copyFile(path.join(world.pristine, 'db', 'reg.sqlite'), path.join(dir, 'db', 'reg.sqlite'));
  const db = new Database(path.join(dir, 'db', 'reg.sqlite'));
  db.exec(`DELETE FROM registration WHERE rowid > 10`);
  db.close();
  const marker = { cycleId: 'long-ago', version: OLD, createdAt: '2099-01-01T00:00:00.000Z', parts: ['lib', 'bin', 'MANIFEST.MF', 'db/reg.sqlite'], extraPaths: [] };
  await fs.writeFile(path.join(dir, 'backup-complete.json'), JSON.stringify(marker));
  return dir;
}

describe('a clock that jumped back', () => {
  it('a backup named in the future is not taken for the newest: rollback restores this upgrade’s backup, no registration lost', async () => {
    const client = await station();
    const stale = await backupFromTheFuture(client);
    expect((await run('upgrade', client, ['--keep-backups', '1'])).code).toBe(10);
    const applied = await run('start', client, ['--keep-backups', '1']);
    expect(applied.code, applied.stdout).toBe(0);
    const kept = await fs.readdir(path.join(client, 'BackUp'));
    expect(kept, 'the newest backup by creation is the one kept').not.toContain(path.basename(stale));
    const rolled = await run('rollback', client);
    expect(rolled.code, rolled.stdout).toBe(0);
    expect(readClientDb(path.join(client, 'db', 'reg.sqlite')).registrations).toBe(REGISTRATIONS);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });

  it('a lock left by a dead run with an mtime in the future is taken over at once', async () => {
    const client = await station();
    const lock = path.join(client, '.upgrade', 'station.lock');
    await fs.mkdir(lock, { recursive: true });
    const future = new Date(Date.UTC(2099, 0, 1));
    await fs.utimes(lock, future, future);
    await fs.writeFile(path.join(client, '.upgrade', 'station.pid-999999'), JSON.stringify({ pid: 999_999, host: os.hostname(), command: 'start', since: future.toISOString() }));
    const result = await run('start', client);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});

describe('two launchers at the same instant', () => {
  it('upgrade meeting a state database another run is creating right now gets 40 from the lock, not a state-database error', async () => {
    const client = await station();
    await fs.mkdir(path.join(client, '.upgrade', 'station.lock'), { recursive: true });
    await fs.writeFile(path.join(client, '.upgrade', `station.pid-${process.pid}`), JSON.stringify({ pid: process.pid, host: os.hostname(), command: 'upgrade', since: new Date().toISOString() }));
    new Database(path.join(client, '.upgrade', 'state.db')).exec('CREATE TABLE migrations (id INTEGER)').close();
    for (const command of ['upgrade', 'rollback']) {
      const result = await run(command, client);
      expect(result.code, result.stdout).toBe(40);
      expect(result.json).toMatchObject({ error: { code: 'LOCKED' } });
    }
  });

  // Every request answered after 1.5 s: whichever launcher takes the lock holds it for several
  // seconds, so the other one — started at the same instant — always meets it, however slowly
  // either process starts on a loaded machine.
  let slow: TestServer;
  beforeAll(async () => {
    slow = await serveRoot(world.root, { '*': { latencyMs: 1500 } });
  });
  afterAll(async () => slow.close());
  const runSlow = (command: string, client: string) =>
    runCliProcess(stationArgs(command, client, `${slow.url}registration-client/`, []), { logFile: path.join(client, '.upgrade', 'registration.jsonl') });

  for (const [first, second] of [
    ['start', 'start'],
    ['upgrade', 'upgrade'],
    ['upgrade', 'start'],
  ] as const) {
    it(`${first} + ${second}: one runs, the other gets 40, the station stays intact`, async () => {
      const client = await station();
      await fs.rm(path.join(client, 'lib', 'lib-0.jar'));
      const before = await hashTree(path.join(client, 'lib'));
      const results = await Promise.all([runSlow(first, client), runSlow(second, client)]);
      const codes = results.map((r) => r.code).sort();
      expect(codes.filter((c) => c === 40), results.map((r) => r.stdout).join('\n')).toHaveLength(1);
      expect(codes.filter((c) => c !== 40).every((c) => c === 0 || c === 10)).toBe(true);
      const allowed = allowedFrom(new Map(Object.entries(before)), world.hashes[OLD] ?? new Map(), world.hashes[NEW] ?? new Map());
      expect(await checkLib(client, allowed)).toEqual([]);
      expect((await checkStation(client, allowed, [OLD, NEW])).violations).toEqual([]);
    });
  }
});
