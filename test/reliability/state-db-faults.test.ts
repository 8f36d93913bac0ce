// The upgrader's own state database lost or damaged mid-cycle — between two runs and while a run is
// going. The state only speeds up and explains: without it the station must still end consistent
// (lib/ one release, MANIFEST.MF that release, the database at that release) and upgradable.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClientDb } from '../helpers/client-db.js';
import { serveRoot } from '../helpers/serve-root.js';
import { hashTree, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess, type KillPlan } from './helpers/cli-process.js';
import { allowedFrom, checkClientDb, checkInstalled, checkLib } from './helpers/invariants.js';
import { buildWorld, freshStation, NEW, OLD, stationArgs, type World } from './helpers/world.js';

let world: World;
let server: TestServer;

beforeAll(async () => {
  world = await buildWorld({ size: 128 * 1024 });
  server = await serveRoot(world.root, { '*': { trickle: { bytes: 16 * 1024, everyMs: 10 } } });
});
afterAll(async () => server.close());

const station = async (): Promise<string> => freshStation(world, path.join(await tempDir('rcu-statedb-'), 'station'));
const run = (command: string, client: string, plan?: KillPlan) =>
  runCliProcess(stationArgs(command, client, `${server.url}registration-client/`), {
    logFile: path.join(client, '.upgrade', 'registration.jsonl'),
    ...(plan === undefined ? {} : { plan }),
  });
const stateDb = (client: string) => path.join(client, '.upgrade', 'state.db');
const allowed = () => allowedFrom(world.hashes[OLD] ?? new Map(), world.hashes[NEW] ?? new Map());

async function deleteStateDb(client: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await fs.rm(stateDb(client) + suffix, { force: true });
}

/** Overwrites 4 KiB in the middle of every page-holding file of the state database with garbage. */
async function corruptStateDb(client: string): Promise<void> {
  for (const suffix of ['', '-wal']) {
    const file = stateDb(client) + suffix;
    if (!existsSync(file)) continue;
    const handle = await fs.open(file, 'r+');
    try {
      const { size } = await handle.stat();
      await handle.write(Buffer.alloc(4096, 0xa5), 0, 4096, Math.max(0, Math.floor(size / 2) - 2048));
    } finally {
      await handle.close();
    }
  }
}

/** The station is at `version` through and through, and can still go the whole way to the new release. */
async function consistentAndUpgradable(client: string, version: string): Promise<void> {
  expect(await checkInstalled(client, world, version)).toEqual([]);
  expect(checkClientDb(client)).toEqual([]);
  if (version === OLD) {
    const staged = await run('upgrade', client);
    expect(staged.code, staged.stdout).toBe(10);
    const applied = await run('start', client);
    expect(applied.code, applied.stdout).toBe(0);
  }
  expect(await checkInstalled(client, world, NEW)).toEqual([]);
  expect(readClientDb(path.join(client, 'db', 'reg.sqlite')).version).toBe(NEW);
}

describe('state database lost or damaged between two runs', () => {
  it('deleted while an upgrade is staged: the next start is a fresh cycle (0) on the old release', async () => {
    const client = await station();
    expect((await run('upgrade', client)).code).toBe(10);
    await deleteStateDb(client);
    const result = await run('start', client);
    expect(result.code, result.stdout).toBe(0);
    expect(result.json).toMatchObject({ installedVersion: OLD, upgradeAvailable: true });
    await consistentAndUpgradable(client, OLD);
  });

  it('corrupted while an upgrade is staged: moved aside with a warning, fresh cycle (0)', async () => {
    const client = await station();
    expect((await run('upgrade', client)).code).toBe(10);
    await corruptStateDb(client);
    const result = await run('start', client);
    expect(result.code, result.stdout).toBe(0);
    expect((await fs.readdir(path.join(client, '.upgrade'))).some((n) => n.startsWith('state.db.corrupt-'))).toBe(true);
    await consistentAndUpgradable(client, OLD);
  });

  it('deleted half-way through applying (some new files moved in, MANIFEST.MF still old): start puts the old release back', async () => {
    const client = await station();
    expect((await run('upgrade', client)).code).toBe(10);
    const stageLib = path.join(client, '.upgrade', 'staging', 'upgrade', NEW, 'lib');
    const staged = Object.keys(await hashTree(stageLib));
    for (const name of staged.slice(0, Math.ceil(staged.length / 2))) {
      await fs.mkdir(path.dirname(path.join(client, 'lib', name)), { recursive: true });
      await fs.rename(path.join(stageLib, name), path.join(client, 'lib', name));
    }
    await deleteStateDb(client);
    const result = await run('start', client);
    expect(result.code, result.stdout).toBe(0);
    await consistentAndUpgradable(client, OLD);
  });

  it('deleted after MANIFEST.MF was committed but before the database upgrade: the next start still upgrades the database', async () => {
    const client = await station();
    expect((await run('upgrade', client)).code).toBe(10);
    const killed = await run('start', client, { kind: 'log', n: 1, pattern: /"msg":"state restarting → dbUpgrade/ });
    expect(killed.killed).toBe(true);
    expect(readClientDb(path.join(client, 'db', 'reg.sqlite')).version).toBe(OLD);
    await deleteStateDb(client);
    const result = await run('start', client);
    expect(result.code, result.stdout).toBe(0);
    await consistentAndUpgradable(client, NEW);
  });
});

describe('state database lost or damaged while a run is going', () => {
  for (const [what, damage] of [
    ['deleted', deleteStateDb],
    ['corrupted', corruptStateDb],
  ] as const) {
    it(`${what} while upgrade downloads: the run ends cleanly, the station stays consistent and upgradable`, async () => {
      const client = await station();
      const staging = run('upgrade', client);
      await waitForLog(client, /"msg":"staging /);
      await damage(client);
      const result = await staging;
      expect([10, 65], result.stdout + result.stderr).toContain(result.code);
      expect(await checkLib(client, allowed())).toEqual([]);
      const next = await run('start', client);
      expect([0], next.stdout).toContain(next.code);
      const installed = (next.json?.['installedVersion'] as string | undefined) ?? OLD;
      await consistentAndUpgradable(client, installed);
    });
  }
});

async function waitForLog(client: string, pattern: RegExp): Promise<void> {
  const file = path.join(client, '.upgrade', 'registration.jsonl');
  for (let i = 0; i < 6000; i += 1) {
    if (pattern.test(await fs.readFile(file, 'utf8').catch(() => ''))) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`log line ${String(pattern)} never came`);
}
