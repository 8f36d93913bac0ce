// A run paused while it holds the station lock (issue 17, item 4), with real processes: SIGSTOP
// stands for a paused VM or an event loop blocked by a long synchronous script. A live holder keeps
// the lock however old its refresh looks (the contender gets 40); a holder whose lock was taken
// from it stops without writing state, so the station's state is the other run's.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serveRoot } from '../helpers/serve-root.js';
import { tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { builtCli } from './helpers/repo.js';
import { runCliProcess } from './helpers/cli-process.js';
import { checkInstalled } from './helpers/invariants.js';
import { buildWorld, freshStation, OLD, stationArgs, type World } from './helpers/world.js';

let world: World;
let server: TestServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  world = await buildWorld({ size: 16 * 1024 });
  server = await serveRoot(world.root);
});
afterAll(async () => server.close());
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  server.setKnobs('*', {});
});

const url = (): string => `${server.url}registration-client/`;
const run = (command: string, client: string, extra: string[] = []) =>
  runCliProcess(stationArgs(command, client, url(), ['--retries', '1', ...extra]), { logFile: path.join(client, 'registration.log'), timeoutMs: 90_000 });

/** Starts a run in the background; resolves to its exit code and stdout when it ends. */
function background(command: string, client: string): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string }> } {
  const child = spawn(process.execPath, [builtCli, ...stationArgs(command, client, url(), ['--retries', '1'])], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.resume();
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) => child.once('close', (code) => resolve({ code, stdout })));
  return { child, done };
}

/** Waits until registration.log has a line matching `pattern` (the run reached that step). */
async function waitForLog(client: string, pattern: RegExp): Promise<void> {
  for (;;) {
    const log = await fs.readFile(path.join(client, 'registration.log'), 'utf8').catch(() => '');
    if (pattern.test(log)) return;
    await sleep(50);
  }
}

/** A station with three damaged jars, patched slowly (a trickle), so a run holds the lock for seconds. */
async function slowPatchStation(): Promise<string> {
  const client = await freshStation(world, path.join(await tempDir('rcu-paused-'), 'station'));
  for (const name of ['lib-0.jar', 'lib-1.jar', 'lib-2.jar']) await fs.writeFile(path.join(client, 'lib', name), 'damaged');
  server.setKnobs('*', { trickle: { bytes: 2048, everyMs: 100 } });
  return client;
}

describe('a paused run keeps its lock', () => {
  it('a contender gets 40 however old the paused holder’s lock looks; resumed, the holder finishes (0) and the station is right', async () => {
    const client = await slowPatchStation();
    const holder = background('start', client);
    await waitForLog(client, /state verify → patch/);
    holder.child.kill('SIGSTOP');
    // What a contender sees after a pause of ten minutes: a lock not refreshed for that long.
    const lockDir = path.join(client, '.upgrade', 'station.lock');
    const { atime, mtime } = await fs.stat(lockDir);
    const old = new Date(Date.now() - 600_000);
    await fs.utimes(lockDir, old, old);
    const contender = await run('start', client);
    expect(contender.code, contender.stdout).toBe(40);
    expect(contender.json).toMatchObject({ error: { code: 'LOCKED' } });
    await fs.utimes(lockDir, atime, mtime); // only the contender's view was aged: the holder finds its lock as it left it
    holder.child.kill('SIGCONT');
    const finished = await holder.done;
    expect(finished.code, finished.stdout).toBe(0);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
    expect((await run('start', client)).code).toBe(0);
  });

  it('a holder whose lock was taken from it stops without writing state (40); the other run’s result stands', async () => {
    const client = await slowPatchStation();
    const holder = background('start', client);
    await waitForLog(client, /state verify → patch/);
    holder.child.kill('SIGSTOP');
    // The lock vanishes while the holder is paused (removed by hand, or taken over from another host).
    await fs.rm(path.join(client, '.upgrade', 'station.lock'), { recursive: true, force: true });
    server.setKnobs('*', {});
    const other = await run('start', client);
    expect(other.code, other.stdout).toBe(0);
    const stateAfterOther = await run('status', client);
    holder.child.kill('SIGCONT');
    const finished = await holder.done;
    expect(finished.code, finished.stdout).toBe(40);
    expect(JSON.parse(finished.stdout)).toMatchObject({ exitCode: 40, error: { code: 'LOCKED' } });
    const status = await run('status', client);
    expect(status.json?.['state']).toBe(stateAfterOther.json?.['state']);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
    expect((await run('start', client)).code).toBe(0);
  });
});
