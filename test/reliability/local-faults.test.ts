// Faults of the station's own machine: lib/ that cannot be written (chattr +i: tests run as root,
// where chmod stops nothing), a disk that fills up (a small tmpfs mounted under the station), and
// files held open by the running client. Each ends in a clean failure code with lib/ as it was (or a
// success where Linux allows it), and the station recovers once the fault is gone.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readClientDb } from '../helpers/client-db.js';
import { serveRoot } from '../helpers/serve-root.js';
import { hashTree, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess } from './helpers/cli-process.js';
import { checkClientDb, checkInstalled } from './helpers/invariants.js';
import { buildWorld, freshStation, NEW, OLD, stationArgs, type World } from './helpers/world.js';

let world: World;
let server: TestServer;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  world = await buildWorld({ size: 128 * 1024 });
  server = await serveRoot(world.root);
});
afterAll(async () => server.close());
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const station = async (): Promise<string> => freshStation(world, path.join(await tempDir('rcu-local-'), 'station'));
const run = (command: string, client: string, extra: string[] = []) =>
  runCliProcess(stationArgs(command, client, `${server.url}registration-client/`, ['--retries', '1', ...extra]), {
    logFile: path.join(client, '.upgrade', 'registration.jsonl'),
  });
const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

/** Makes a file or folder immutable (chattr +i); undone after the test. False when chattr is not possible here. */
function immutable(target: string): boolean {
  if (sh('chattr', ['+i', target]).status !== 0) return false;
  cleanups.push(() => void sh('chattr', ['-i', target]));
  return true;
}

/** Mounts a tmpfs of `size` on dir; unmounted after the test. False when mounting is not possible here. */
async function smallDisk(dir: string, size: string): Promise<boolean> {
  await fs.mkdir(dir, { recursive: true });
  if (sh('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status !== 0) return false;
  cleanups.push(() => void sh('umount', ['-l', dir]));
  return true;
}

const canChattr = await (async () => {
  const probe = path.join(await tempDir('rcu-chattr-'), 'probe');
  await fs.writeFile(probe, 'x');
  const ok = sh('chattr', ['+i', probe]).status === 0;
  if (ok) sh('chattr', ['-i', probe]);
  return ok;
})();
const canMount = await (async () => {
  const dir = await tempDir('rcu-mount-');
  const ok = sh('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0;
  if (ok) sh('umount', [dir]);
  return ok;
})();

describe.skipIf(!canChattr)('read-only lib/ (chattr +i; skipped where the filesystem or user cannot)', () => {
  it('start cannot patch: exit 21, lib/ untouched; once writable, the next start repairs it', async () => {
    const client = await station();
    const lib = path.join(client, 'lib');
    await fs.rm(path.join(lib, 'lib-0.jar'));
    const before = await hashTree(lib);
    expect(immutable(lib)).toBe(true);
    const failed = await run('start', client);
    expect(failed.code, failed.stdout).toBe(21);
    expect(await hashTree(lib)).toEqual(before);
    cleanups.pop()?.();
    const repaired = await run('start', client);
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });

  it('a staged upgrade meeting an immutable lib/ is refused up front (21, naming lib/); lib/ stays the old release; it applies once lib/ is writable', async () => {
    const client = await station();
    expect((await run('upgrade', client)).code).toBe(10);
    expect(immutable(path.join(client, 'lib'))).toBe(true);
    const failed = await run('start', client);
    expect(failed.code, failed.stdout).toBe(21);
    expect(failed.stdout).toMatch(/IO_FAILED/);
    expect(failed.stdout).toContain(path.join(client, 'lib'));
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
    expect(checkClientDb(client)).toEqual([]);
    cleanups.pop()?.();
    expect((await run('start', client)).code).toBe(0);
    expect(await checkInstalled(client, world, NEW)).toEqual([]);
  });
});

describe.skipIf(!canMount)('disk full (a small tmpfs; skipped where mount is not allowed)', () => {
  it('patch downloads fill the staging disk: exit 21 naming the space, lib/ untouched; with room, start repairs', async () => {
    const client = await station();
    const lib = path.join(client, 'lib');
    for (const name of ['lib-0.jar', 'lib-1.jar', 'lib-2.jar']) await fs.rm(path.join(lib, name));
    const before = await hashTree(lib);
    expect(await smallDisk(path.join(client, '.upgrade', 'staging'), '200k')).toBe(true);
    const failed = await run('start', client);
    expect(failed.code, failed.stdout).toBe(21);
    expect(failed.stdout).toMatch(/space|ENOSPC/);
    expect(await hashTree(lib)).toEqual(before);
    cleanups.pop()?.();
    const repaired = await run('start', client);
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });

  it('a backup root without room: upgrade refuses up front (30, DISK_FULL), nothing half-written, station unchanged', async () => {
    const client = await station();
    const backups = path.join(await tempDir('rcu-backups-'), 'root');
    expect(await smallDisk(backups, '300k')).toBe(true);
    const failed = await run('upgrade', client, ['--rollback-path', backups]);
    expect(failed.code, failed.stdout).toBe(30);
    expect(failed.json).toMatchObject({ error: { code: 'DISK_FULL' } });
    expect(await fs.readdir(backups)).toEqual([]);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
    expect((await run('start', client)).code).toBe(0);
  });

  it('staging the upgrade fills the disk: a clean failure, lib/ untouched; with room the upgrade completes', async () => {
    const client = await station();
    expect(await smallDisk(path.join(client, '.upgrade', 'staging'), '250k')).toBe(true);
    const failed = await run('upgrade', client);
    expect(failed.code, failed.stdout).toBe(21);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
    cleanups.pop()?.();
    expect((await run('upgrade', client)).code).toBe(10);
    expect((await run('start', client)).code).toBe(0);
    expect(await checkInstalled(client, world, NEW)).toEqual([]);
  });
});

describe('files held open by the running client', () => {
  it('a jar held open is still replaced (Linux rename); the open handle keeps reading the old bytes', async () => {
    const client = await station();
    const jar = path.join(client, 'lib', 'lib-0.jar');
    await fs.writeFile(jar, 'damaged while the client runs');
    const handle = await fs.open(jar, 'r');
    try {
      const result = await run('start', client);
      expect(result.code, result.stdout).toBe(0);
      expect((await handle.readFile()).toString()).toBe('damaged while the client runs');
      expect(await checkInstalled(client, world, OLD)).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  it('the client database locked by the client: the DB upgrade fails cleanly (30), nothing half-applied; unlocked, it completes', async () => {
    const client = await station();
    expect((await run('upgrade', client)).code).toBe(10);
    const db = new Database(path.join(client, 'db', 'reg.sqlite'));
    db.exec('BEGIN EXCLUSIVE');
    let failed;
    try {
      failed = await run('start', client);
    } finally {
      db.exec('ROLLBACK');
      db.close();
    }
    expect(failed.code, failed.stdout).toBe(30);
    expect(readClientDb(path.join(client, 'db', 'reg.sqlite')).version).toBe(OLD);
    expect(checkClientDb(client)).toEqual([]);
    const retried = await run('start', client);
    expect(retried.code, retried.stdout).toBe(0);
    expect(checkClientDb(client)).toEqual([]);
    expect(readClientDb(path.join(client, 'db', 'reg.sqlite')).version).toBe(NEW);
  }, 60_000);
});
