// A station the upgrader's user cannot write (issue 17, item 3), with the real CLI: a read-only bind
// mount of the client folder (tests run as root, where chmod stops nothing). Every command ends 21
// with the full result object naming the folder, nothing changes, and once the station is writable
// again the next launch repairs it.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serveRoot } from '../helpers/serve-root.js';
import { hashTree, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess } from './helpers/cli-process.js';
import { checkInstalled } from './helpers/invariants.js';
import { buildWorld, freshStation, OLD, stationArgs, type World } from './helpers/world.js';

let world: World;
let server: TestServer;
const cleanups: Array<() => void> = [];
const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

beforeAll(async () => {
  world = await buildWorld({ size: 16 * 1024 });
  server = await serveRoot(world.root);
});
afterAll(async () => server.close());
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const run = (command: string, client: string) =>
  runCliProcess(stationArgs(command, client, `${server.url}registration-client/`, ['--retries', '1']), {
    logFile: path.join(client, 'registration.log'),
    timeoutMs: 90_000,
  });

/** Makes dir read-only in place (a read-only bind mount); false where mount is not allowed. */
function readOnly(dir: string): boolean {
  if (sh('mount', ['--bind', dir, dir]).status !== 0) return false;
  if (sh('mount', ['-o', 'remount,ro,bind', dir]).status !== 0) {
    sh('umount', [dir]);
    return false;
  }
  cleanups.push(() => void sh('umount', ['-l', dir]));
  return true;
}

const canMount = await (async () => {
  const dir = await tempDir('rcu-ro-probe-');
  const ok = readOnly(dir);
  for (const cleanup of cleanups.splice(0)) cleanup();
  return ok;
})();

describe.skipIf(!canMount)('a read-only station (read-only bind mount)', () => {
  it.each(['start', 'upgrade'])('%s ends 21 with the full result naming the folder; nothing changes; writable again, start repairs it', async (command) => {
    const client = await freshStation(world, path.join(await tempDir('rcu-ro-'), 'station'));
    await fs.rm(path.join(client, 'lib', 'lib-0.jar'));
    const before = await hashTree(client);
    expect(readOnly(client)).toBe(true);

    const refused = await run(command, client);
    expect(refused.timedOut).toBe(false);
    expect(refused.code, refused.stdout + refused.stderr).toBe(21);
    expect(refused.json).toMatchObject({ command, state: 'failed', exitCode: 21, installedVersion: OLD, error: { code: 'IO_FAILED', details: { path: client } } });
    for (const key of ['latestVersion', 'upgradeAvailable', 'restartRequired', 'patched', 'removed', 'bytesFetched', 'warnings']) expect(refused.json).toHaveProperty(key);
    expect(await hashTree(client)).toEqual(before);

    cleanups.pop()?.();
    const repaired = await run('start', client);
    expect(repaired.code, repaired.stdout).toBe(0);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });
});
