// Found by the torture run: a run killed while it wrote its `station.pid-<pid>` record leaves an
// empty (torn) record. It was counted as a live contender forever, so once a later run was killed
// holding the lock, every launch got exit 40 until the lock went stale. The record's file name
// carries the pid: a torn record of a process that no longer runs is a dead one.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveRoot } from '../helpers/serve-root.js';
import { installStation, publish, runCli, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';

let root: string;
let server: TestServer;

beforeAll(async () => {
  root = await tempDir('rcu-lock-root-');
  await publish(root, '1.0.0', { 'a.jar': 'a' });
  server = await serveRoot(root);
});
afterAll(async () => server.close());

/** A pid that certainly ran and certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** A station whose lock is held (fresh mtime) and whose contender records are as given. */
async function lockedStation(records: Record<number, string>): Promise<string> {
  const client = path.join(await tempDir('rcu-lock-'), 'station');
  await installStation(root, '1.0.0', client);
  const upgrade = path.join(client, '.upgrade');
  await fs.mkdir(path.join(upgrade, 'station.lock'), { recursive: true });
  for (const [pid, content] of Object.entries(records)) await fs.writeFile(path.join(upgrade, `station.pid-${pid}`), content);
  return client;
}

const start = (client: string) => runCli(['start', '--client-dir', client, '--server-url', `${server.url}registration-client/`, '--json']);
const record = (pid: number) => JSON.stringify({ pid, host: os.hostname(), command: 'start', since: new Date().toISOString() });

describe('station lock after kills', () => {
  it('a torn record of a dead process does not keep the lock: the next start takes it over (exit 0)', async () => {
    const [torn, holder] = [deadPid(), deadPid()];
    const client = await lockedStation({ [torn]: '', [holder]: record(holder) });
    const run = await start(client);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const left = (await fs.readdir(path.join(client, '.upgrade'))).filter((n) => n.startsWith('station.'));
    expect(left).toEqual([]);
  });

  it('a torn record of a live process still counts as a contender (exit 40)', async () => {
    const client = await lockedStation({ [process.pid]: '' });
    const run = await start(client);
    expect(run.code).toBe(40);
    expect(run.json).toMatchObject({ error: { code: 'LOCKED' } });
  });
});

describe('records of killed runs (issue 17)', () => {
  it('the next run that takes the lock removes the station.pid-<pid> records of processes that are gone', async () => {
    const client = path.join(await tempDir('rcu-lock-'), 'station');
    await installStation(root, '1.0.0', client);
    const upgrade = path.join(client, '.upgrade');
    await fs.mkdir(upgrade, { recursive: true });
    const dead = [deadPid(), deadPid()];
    for (const pid of dead) {
      await fs.writeFile(path.join(upgrade, `station.pid-${pid}`), JSON.stringify({ pid, host: os.hostname(), command: 'start', since: new Date().toISOString() }));
    }
    const result = await start(client);
    expect(result.code, result.stdout).toBe(0);
    expect((await fs.readdir(upgrade)).filter((name) => name.startsWith('station.pid-'))).toEqual([]);
  });
});
