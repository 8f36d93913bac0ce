// What a failed run says it did (issue 17, small ones), with the real CLI against a served release
// that fails midway: `bytesFetched` is what really came over the network, not 0; a 30 whose apply was
// rolled back lists nothing under `patched` and names what the rollback restored.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/station.js';
import { serveRoot } from '../helpers/serve-root.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess, type CliOutcome } from './helpers/cli-process.js';
import { checkInstalled } from './helpers/invariants.js';
import { buildWorld, freshStation, NEW, OLD, stationArgs, type World } from './helpers/world.js';

let world: World;
let server: TestServer;
let client: string;

beforeAll(async () => {
  world = await buildWorld({ size: 48 * 1024 });
  server = await serveRoot(world.root);
});
afterAll(async () => server.close());
beforeEach(async () => {
  server.setKnobs('*', {});
  for (const version of [OLD, NEW]) server.setKnobs(`/registration-client/${version}/lib/lib-2.jar`, {});
  server.resetCounters();
  client = await freshStation(world, path.join(await tempDir('rcu-failed-'), 'station'));
});

// One file at a time and whole files: every byte the server sends for a file is read by the client
// (a finished file whole, the failing one up to the server's FIN), so the two counts must agree.
const run = (command: string, extra: string[] = []): Promise<CliOutcome> =>
  runCliProcess(stationArgs(command, client, `${server.url}registration-client/`, ['--concurrency', '1', '--whole-files', '--retries', '1', '--read-timeout', '1000', ...extra]), {
    logFile: path.join(client, 'registration.log'),
    timeoutMs: 90_000,
  });

/** Body bytes the server sent for the files of a release's lib/. */
const sentFor = (version: string): number =>
  server.requests.filter((r) => r.path.startsWith(`/registration-client/${version}/lib/`)).reduce((sum, r) => sum + r.bytesSent, 0);

/**
 * lib-2.jar of `version` stops after 20 KB on every request (the socket left open until the client's
 * read timeout, so every byte sent has arrived) and Range is ignored: no attempt makes progress.
 */
function breakMidway(version: string): void {
  server.setKnobs(`/registration-client/${version}/lib/lib-2.jar`, { ignoreRange: true, resetAfterBytes: 20 * 1024, resetTimes: 1000, resetMode: 'hang' });
}

describe('bytesFetched of a failed run', () => {
  it('start: a patch that fails midway (21) reports every byte it fetched, the failed file included', async () => {
    for (const name of ['lib-0.jar', 'lib-1.jar', 'lib-2.jar', 'lib-3.jar']) await fs.rm(path.join(client, 'lib', name));
    breakMidway(OLD);
    const failed = await run('start');
    expect(failed.code, failed.stdout + failed.stderr).toBe(21);
    const fetched = failed.json?.['bytesFetched'] as number;
    expect(fetched).toBe(sentFor(OLD));
    expect(fetched).toBeGreaterThanOrEqual(2 * 20 * 1024); // two attempts of the broken file at least
    expect(failed.json).toMatchObject({ state: 'failed', patched: [] });
  });

  it('upgrade: a staging that fails midway (21) reports every byte it fetched; the station stays at the old release', async () => {
    breakMidway(NEW);
    const failed = await run('upgrade');
    expect(failed.code, failed.stdout + failed.stderr).toBe(21);
    const fetched = failed.json?.['bytesFetched'] as number;
    expect(fetched).toBe(sentFor(NEW));
    expect(fetched).toBeGreaterThanOrEqual(2 * 20 * 1024);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });

  it('a hash mismatch (65) reports both downloads of the file', async () => {
    await fs.rm(path.join(client, 'lib', 'lib-2.jar'));
    server.setKnobs(`/registration-client/${OLD}/lib/lib-2.jar`, { corrupt: true });
    const failed = await run('start');
    expect(failed.code, failed.stdout + failed.stderr).toBe(65);
    const size = (await fs.stat(path.join(world.pristine, 'lib', 'lib-2.jar'))).size;
    expect(failed.json?.['bytesFetched']).toBe(2 * size);
  });
});

describe('what a failed upgrade says is on disk', () => {
  it('an apply that fails midway (30) and is rolled back lists nothing as patched and names what the rollback restored', async () => {
    const staged = await run('upgrade');
    expect(staged.code, staged.stdout + staged.stderr).toBe(10);
    // The apply goes in name order: every jar is moved into lib/ before the last staged file is found missing.
    await fs.rm(path.join(client, '.upgrade', 'staging', 'upgrade', NEW, 'lib', 'sql', NEW, 'initial_db_scripts.sql'));
    const failed = await run('start');
    expect(failed.code, failed.stdout + failed.stderr).toBe(30);
    expect(failed.json).toMatchObject({ state: 'failed', installedVersion: OLD, patched: [], removed: [], error: { code: 'UPGRADE_FAILED' } });
    const rolledBack = failed.json?.['rolledBack'] as string[];
    // The jars moved in were put back (the new-only ones removed); the deletes had not begun, so only-in-old.jar never left.
    const moved = ['feature-1.2.0.jar', 'lib-0.jar', 'lib-1.jar', 'lib-2.jar', 'lib-3.jar', 'registration-client-1.2.0.jar', 'registration-services-1.2.0.jar', 'sql/1.1.0/initial_db_scripts.sql', 'sql/1.1.0/rollback_scripts.sql'];
    expect([...rolledBack].sort()).toEqual(['MANIFEST.MF', ...moved.map((name) => `lib/${name}`)].sort());
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });

  it('the operator rollback names what it restored; nothing is listed as patched', async () => {
    expect((await run('upgrade', ['--keep-backups', '1'])).code).toBe(10);
    expect((await run('start', ['--keep-backups', '1'])).code).toBe(0);
    const back = await run('rollback');
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(back.json).toMatchObject({ state: 'ready', installedVersion: OLD, patched: [] });
    expect(back.json?.['rolledBack']).toEqual(expect.arrayContaining(['lib/lib-0.jar', 'lib/feature-1.2.0.jar', 'MANIFEST.MF']));
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });
});
