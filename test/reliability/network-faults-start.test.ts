// `start` patching a damaged station through every network fault of the matrix: it finishes (0) when
// the link is bad but usable and fails cleanly (20 / 21 / 65) when not; lib/ never holds a byte
// that was not verified, a failed patch leaves lib/ exactly as it was, and once the server is healthy
// again the next start repairs the station.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serveRoot } from '../helpers/serve-root.js';
import { hashTree, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess } from './helpers/cli-process.js';
import { applyFault, clearFaults, FAULTS } from './helpers/faults.js';
import { allowedFrom, checkInstalled, checkLib } from './helpers/invariants.js';
import { buildWorld, freshStation, OLD, stationArgs, type World } from './helpers/world.js';

const FLAGS = ['--read-timeout', '1000', '--connect-timeout', '2000', '--retries', '3'];

let world: World;
let server: TestServer;
let client: string;

beforeAll(async () => {
  world = await buildWorld({ size: 64 * 1024 });
  server = await serveRoot(world.root);
});
afterAll(async () => server.close());
beforeEach(async () => {
  await clearFaults(server, world.root);
  client = await freshStation(world, path.join(await tempDir('rcu-net-'), 'station'));
});

/** Deletes three files (a core jar among them) and overwrites one: what the patch must repair. */
async function damage(): Promise<void> {
  const lib = path.join(client, 'lib');
  for (const name of ['lib-0.jar', 'lib-1.jar', `registration-client-${OLD}.jar`]) await fs.rm(path.join(lib, name));
  await fs.writeFile(path.join(lib, 'shared.jar'), 'damaged');
}

const run = (extra: string[] = []) =>
  runCliProcess(stationArgs('start', client, `${server.url}registration-client/`, [...FLAGS, ...extra]), { logFile: path.join(client, '.upgrade', 'registration.jsonl') });

describe('start under network faults', () => {
  for (const fault of FAULTS) {
    it(`${fault.name}: exit ${fault.start}, lib/ only ever old or verified bytes`, async () => {
      await damage();
      const before = await hashTree(path.join(client, 'lib'));
      await applyFault(server, world.root, OLD, fault);
      const first = await run();
      expect(first.code, first.stdout + first.stderr).toBe(fault.start);
      expect(await checkLib(client, allowedFrom(new Map(Object.entries(before)), world.hashes[OLD] ?? new Map()))).toEqual([]);
      if (fault.start === 0) {
        expect(await checkInstalled(client, world, OLD)).toEqual([]);
        return;
      }
      expect(await hashTree(path.join(client, 'lib')), 'a failed patch leaves lib/ as it was').toEqual(before);
      await clearFaults(server, world.root);
      const second = await run();
      expect(second.code, second.stdout + second.stderr).toBe(0);
      expect(await checkInstalled(client, world, OLD)).toEqual([]);
    });
  }
});
