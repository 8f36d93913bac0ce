// `upgrade` staging the new release through every network fault of the matrix: it stages (10) when
// the link is usable and fails cleanly (21 / 64 / 65) when not. Staging never touches lib/ or
// MANIFEST.MF, and after a failure the station upgrades and applies normally once the server is healthy.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serveRoot } from '../helpers/serve-root.js';
import { hashTree, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess } from './helpers/cli-process.js';
import { applyFault, clearFaults, FAULTS } from './helpers/faults.js';
import { checkClientDb, checkInstalled } from './helpers/invariants.js';
import { buildWorld, freshStation, NEW, OLD, stationArgs, type World } from './helpers/world.js';

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
  client = await freshStation(world, path.join(await tempDir('rcu-netup-'), 'station'));
});

const run = (command: string) =>
  runCliProcess(stationArgs(command, client, `${server.url}registration-client/`, FLAGS), { logFile: path.join(client, '.upgrade', 'registration.jsonl') });

describe('upgrade under network faults', () => {
  for (const fault of FAULTS) {
    it(`${fault.name}: exit ${fault.upgrade}, lib/ and MANIFEST.MF untouched`, async () => {
      const before = await hashTree(path.join(client, 'lib'));
      await applyFault(server, world.root, NEW, fault);
      const staged = await run('upgrade');
      expect(staged.code, staged.stdout + staged.stderr).toBe(fault.upgrade);
      expect(await hashTree(path.join(client, 'lib'))).toEqual(before);
      expect(await fs.readFile(path.join(client, 'MANIFEST.MF'))).toEqual(world.manifests[OLD]);
      if (fault.upgrade === 10) return;
      // A failed staging leaves a station that upgrades and applies normally once the server is healthy.
      await clearFaults(server, world.root);
      const again = await run('upgrade');
      expect(again.code, again.stdout + again.stderr).toBe(10);
      const applied = await run('start');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect(applied.json).toMatchObject({ state: 'done', installedVersion: NEW });
      expect(await checkInstalled(client, world, NEW)).toEqual([]);
      expect(checkClientDb(client)).toEqual([]);
    });
  }
});
