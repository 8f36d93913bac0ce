// Symlinked folders inside the station (issue 17, items 2 and 6), with the real CLI: a folder of
// lib/ replaced by a symlink to a copy elsewhere is untrusted — its files are fetched again into a
// real folder, the copy elsewhere is never touched, and start never exits 0 with a listed file
// missing; a symlinked folder under .upgrade/ is refused and nothing outside the station changes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveRoot } from '../helpers/serve-root.js';
import { hashTree, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess } from './helpers/cli-process.js';
import { checkInstalled } from './helpers/invariants.js';
import { buildWorld, freshStation, OLD, stationArgs, type World } from './helpers/world.js';

let world: World;
let server: TestServer;

beforeAll(async () => {
  world = await buildWorld({ size: 16 * 1024 });
  server = await serveRoot(world.root);
});
afterAll(async () => server.close());

const station = async (): Promise<string> => freshStation(world, path.join(await tempDir('rcu-symlink-'), 'station'));
const run = (command: string, client: string, extra: string[] = []) =>
  runCliProcess(stationArgs(command, client, `${server.url}registration-client/`, ['--retries', '1', ...extra]), {
    logFile: path.join(client, 'registration.log'),
    timeoutMs: 90_000,
  });

describe('a folder of lib/ replaced by a symlink to a folder elsewhere (same files)', () => {
  it('start replaces it by a real folder of verified files (exit 0), leaves the folder elsewhere alone; the next offline launch exits 0', async () => {
    const client = await station();
    const elsewhere = path.join(await tempDir('rcu-elsewhere-'), 'ext');
    await fs.cp(path.join(client, 'lib', 'ext'), elsewhere, { recursive: true });
    const outside = await hashTree(elsewhere);
    await fs.rm(path.join(client, 'lib', 'ext'), { recursive: true });
    await fs.symlink(elsewhere, path.join(client, 'lib', 'ext'));

    const repaired = await run('start', client);
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(repaired.json?.['patched']).toEqual(['ext/deep/folder/kept.jar']);
    expect(repaired.json?.['removed']).toEqual([]);
    expect((await fs.lstat(path.join(client, 'lib', 'ext'))).isDirectory()).toBe(true);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
    expect(await hashTree(elsewhere)).toEqual(outside);

    const offline = await run('start', client, ['--offline']);
    expect(offline.code, offline.stdout).toBe(0);
  });

  it('offline, a symlinked folder is reported (21) and nothing is deleted', async () => {
    const client = await station();
    const elsewhere = path.join(await tempDir('rcu-elsewhere-'), 'ext');
    await fs.rename(path.join(client, 'lib', 'ext'), elsewhere);
    await fs.symlink(elsewhere, path.join(client, 'lib', 'ext'));
    const outcome = await run('start', client, ['--offline']);
    expect(outcome.code, outcome.stdout).toBe(21);
    expect((await fs.lstat(path.join(client, 'lib', 'ext'))).isSymbolicLink()).toBe(true);
    expect(Object.keys(await hashTree(elsewhere))).toEqual(['deep/folder/kept.jar']);
  });
});

describe('a symlink under .upgrade/ (the upgrader deletes and writes there)', () => {
  it.each(['start', 'upgrade', 'rollback'])('.upgrade/staging linked to a folder elsewhere: %s refuses (64) naming it; nothing elsewhere is deleted or written; unlinked, start works', async (command) => {
    const client = await station();
    await fs.rm(path.join(client, 'lib', 'lib-0.jar'));
    const elsewhere = await tempDir('rcu-staging-elsewhere-');
    await fs.writeFile(path.join(elsewhere, 'precious.txt'), 'not the upgrader’s');
    await fs.mkdir(path.join(client, '.upgrade'), { recursive: true });
    await fs.symlink(elsewhere, path.join(client, '.upgrade', 'staging'));
    const before = await hashTree(path.join(client, 'lib'));

    const refused = await run(command, client);
    expect(refused.code, refused.stdout).toBe(64);
    expect(refused.json).toMatchObject({ state: 'failed', exitCode: 64, error: { code: 'CONFIG_INVALID', details: { path: path.join(client, '.upgrade', 'staging') } } });
    expect(await fs.readdir(elsewhere)).toEqual(['precious.txt']);
    expect(await hashTree(path.join(client, 'lib'))).toEqual(before);

    await fs.rm(path.join(client, '.upgrade', 'staging'));
    const repaired = await run('start', client);
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });

  it('.upgrade itself linked elsewhere: refused (64), nothing written there', async () => {
    const client = await station();
    const elsewhere = await tempDir('rcu-upgrade-elsewhere-');
    await fs.symlink(elsewhere, path.join(client, '.upgrade'));
    const refused = await run('start', client);
    expect(refused.code, refused.stdout).toBe(64);
    expect(await fs.readdir(elsewhere)).toEqual([]);
  });
});
