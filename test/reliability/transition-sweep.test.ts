// A kill at every persisted transition, deterministically: each cycle is walked state by state, the
// CLI SIGKILLed the instant its log says it entered the next state (before or while its snapshot is
// saved), then relaunched. The invariants hold after every kill and the cycle still completes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveRoot } from '../helpers/serve-root.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess } from './helpers/cli-process.js';
import { allowedFrom, checkInstalled, checkStation, type AllowedFiles } from './helpers/invariants.js';
import { buildWorld, freshStation, NEW, OLD, stationArgs, type World } from './helpers/world.js';
import { sha256, tempDir } from '../helpers/station.js';

let world: World;
let server: TestServer;
let client: string;

beforeAll(async () => {
  world = await buildWorld({ size: 64 * 1024 });
  server = await serveRoot(world.root, { '*': { trickle: { bytes: 16 * 1024, everyMs: 5 } } });
  client = await freshStation(world, path.join(await tempDir('rcu-sweep-'), 'station'));
});
afterAll(async () => server.close());

/**
 * Runs `command` once per state in `states`, killing it as it enters that state, then lets it
 * finish; returns the states a kill really landed in and the exit code of the finishing run.
 */
async function sweep(command: string, states: string[], allowed: AllowedFiles, versions: string[]): Promise<{ killedIn: string[]; code: number | null }> {
  const args = stationArgs(command, client, `${server.url}registration-client/`, ['--keep-backups', '1']);
  const logFile = path.join(client, '.upgrade', 'registration.jsonl');
  const killedIn: string[] = [];
  for (const state of states) {
    const run = await runCliProcess(args, { logFile, plan: { kind: 'log', n: 1, pattern: new RegExp(`"msg":"state \\S+ → ${state} on`) } });
    expect((await checkStation(client, allowed, versions)).violations, `after the kill entering ${state}`).toEqual([]);
    if (run.killed) killedIn.push(state);
  }
  const last = await runCliProcess(args, { logFile });
  expect((await checkStation(client, allowed, versions)).violations).toEqual([]);
  return { killedIn, code: last.code };
}

describe('a SIGKILL at every transition', () => {
  const both = () => allowedFrom(world.hashes[OLD] ?? new Map(), world.hashes[NEW] ?? new Map());

  it('patch: killed entering each state of the startup cycle, the station is repaired', async () => {
    for (const name of ['lib-0.jar', 'ext/deep/folder/kept.jar']) await fs.rm(path.join(client, 'lib', ...name.split('/')));
    await fs.writeFile(path.join(client, 'lib', 'junk.jar'), 'junk');
    const allowed = allowedFrom(world.hashes[OLD] ?? new Map(), new Map([['junk.jar', sha256(Buffer.from('junk'))]]));
    const { killedIn, code } = await sweep('start', ['probing', 'manifest', 'verify', 'patch', 'checkingUpgrade', 'upgradeAvailable'], allowed, [OLD]);
    expect(code).toBe(0);
    expect(killedIn.length).toBeGreaterThanOrEqual(5);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });

  it('upgrade: killed entering each state up to staged, then the applying start killed entering each of its states', async () => {
    const staged = await sweep('upgrade', ['probing', 'manifest', 'verify', 'checkingUpgrade', 'backup', 'downloading', 'staged'], both(), [OLD, NEW]);
    expect(staged.code).toBe(10);
    expect(staged.killedIn.length).toBeGreaterThanOrEqual(6);
    const applied = await sweep('start', ['restarting', 'dbUpgrade', 'done'], both(), [OLD, NEW]);
    expect(applied.code).toBe(0);
    expect(applied.killedIn.length).toBeGreaterThanOrEqual(2);
    expect(await checkInstalled(client, world, NEW)).toEqual([]);
  });

  it('rollback: killed entering each of its states, the old release and its database are back', async () => {
    const { code, killedIn } = await sweep('rollback', ['rollback', 'ready'], both(), [OLD, NEW]);
    expect(code).toBe(0);
    expect(killedIn.length).toBeGreaterThanOrEqual(1);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });
});
