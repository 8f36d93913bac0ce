// The station lock on its own: a second holder gets LOCKED (40) while the first lives; a lock left
// by a process that died (killed between taking it and releasing it) is taken over at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/services/logger.js';
import { acquireStationLock } from '../../src/services/station-lock.js';
import { tempDir } from '../helpers/station.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A process that stays alive until the test ends. */
function liveProcess(): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  return child.pid ?? 0;
}

/** The PID of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid ?? 0;
}

/** The lock as another process leaves it: the lock folder and that process's record. */
async function heldBy(upgradeDir: string, pid: number): Promise<void> {
  await fs.mkdir(upgradeDir, { recursive: true });
  await fs.writeFile(path.join(upgradeDir, `station.pid-${pid}`), JSON.stringify({ pid, host: os.hostname(), command: 'start', since: new Date().toISOString() }));
  await lockfile.lock(path.join(upgradeDir, 'station'), { realpath: false });
}

describe('acquireStationLock', () => {
  it('take, release, take again: each release leaves no lock and no record', async () => {
    const upgradeDir = path.join(await tempDir('rcu-lock-'), '.upgrade');
    for (let i = 0; i < 2; i += 1) {
      const lock = await acquireStationLock(upgradeDir, 'start', createMemoryLogger());
      expect(await fs.readdir(upgradeDir)).toEqual(expect.arrayContaining(['station.lock', `station.pid-${process.pid}`]));
      await lock.release();
      expect(await fs.readdir(upgradeDir)).toEqual([]);
    }
  });

  it('held by a running process: LOCKED, exit 40, and the holder keeps it', async () => {
    const upgradeDir = path.join(await tempDir('rcu-lock-'), '.upgrade');
    const holder = liveProcess();
    await heldBy(upgradeDir, holder);
    await expect(acquireStationLock(upgradeDir, 'upgrade', createMemoryLogger())).rejects.toMatchObject({ code: 'LOCKED', exitCode: 40 });
    expect(await fs.readdir(upgradeDir)).toEqual(expect.arrayContaining(['station.lock', `station.pid-${holder}`]));
    expect(await fs.readdir(upgradeDir)).not.toContain(`station.pid-${process.pid}`);
  });

  it('left by a process that was killed: taken over at once, saying from whom', async () => {
    const upgradeDir = path.join(await tempDir('rcu-lock-'), '.upgrade');
    const dead = await deadPid();
    await heldBy(upgradeDir, dead);
    const logger = createMemoryLogger();
    const lock = await acquireStationLock(upgradeDir, 'start', logger);
    expect(logger.lines.some((line) => line.level === 'warn' && line.message.includes(`process ${dead}`))).toBe(true);
    expect(await fs.readdir(upgradeDir)).not.toContain(`station.pid-${dead}`);
    await lock.release();
  });
});
