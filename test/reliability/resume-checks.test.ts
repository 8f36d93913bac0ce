// A resumed upgrade checks what is installed (issue 17, item 5), with the real CLI: a state database
// copied from another station is not followed (its staged release is not applied here), and a DB
// retry after exit 30 is not run onto a lib/ restored by hand — each station ends consistent.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClientDb } from '../helpers/client-db.js';
import { serveRoot } from '../helpers/serve-root.js';
import { tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess } from './helpers/cli-process.js';
import { checkClientDb, checkInstalled } from './helpers/invariants.js';
import { buildWorld, freshStation, NEW, OLD, stationArgs, type World } from './helpers/world.js';

let world: World;
let server: TestServer;

beforeAll(async () => {
  world = await buildWorld({ size: 16 * 1024 });
  server = await serveRoot(world.root);
});
afterAll(async () => server.close());

const station = async (): Promise<string> => freshStation(world, path.join(await tempDir('rcu-resume-'), 'station'));
const run = (command: string, client: string) =>
  runCliProcess(stationArgs(command, client, `${server.url}registration-client/`, ['--retries', '1']), {
    logFile: path.join(client, 'registration.log'),
    timeoutMs: 90_000,
  });
const dbVersion = (client: string): string | undefined => readClientDb(path.join(client, 'db', 'reg.sqlite')).version;

describe('a resumed upgrade checks what is installed', () => {
  it('a .upgrade/ copied from another station: its staged release is not applied here (0, a warning); the first station still applies it', async () => {
    const first = await station();
    const second = await station();
    expect((await run('upgrade', first)).code).toBe(10);
    await fs.cp(path.join(first, '.upgrade'), path.join(second, '.upgrade'), { recursive: true });

    const other = await run('start', second);
    expect(other.code, other.stdout).toBe(0);
    expect((other.json?.['warnings'] as string[]).join('\n')).toMatch(/belongs to another station/);
    expect(await checkInstalled(second, world, OLD)).toEqual([]);
    expect(dbVersion(second)).toBe(OLD);

    const applied = await run('start', first);
    expect(applied.code, applied.stdout).toBe(0);
    expect(await checkInstalled(first, world, NEW)).toEqual([]);
  });

  it('after exit 30, lib/ restored by hand to the old release: the next start re-plans instead of upgrading the database (0, all at the old release)', async () => {
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
    // The operator puts the old release back by hand.
    await fs.rm(path.join(client, 'lib'), { recursive: true });
    await fs.cp(path.join(world.pristine, 'lib'), path.join(client, 'lib'), { recursive: true });
    await fs.copyFile(path.join(world.pristine, 'MANIFEST.MF'), path.join(client, 'MANIFEST.MF'));

    const next = await run('start', client);
    expect(next.code, next.stdout).toBe(0);
    expect(next.json).toMatchObject({ installedVersion: OLD });
    expect(dbVersion(client)).toBe(OLD);
    expect(checkClientDb(client)).toEqual([]);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  }, 120_000);
});
