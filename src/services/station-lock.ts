// One upgrader run per station at a time (exit 40 otherwise). proper-lockfile gives the atomic
// mkdir lock with mtime refresh; an owner file beside it lets the next run take over at once from
// a process that was killed (same host, PID gone) instead of waiting for the lock to go stale.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { UpgradeError } from '../errors.js';
import type { Logger } from './logger.js';

/** Who holds the lock, written beside it. */
interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/** Is a process with this PID alive on this machine? */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** Takes the station lock in `<upgradeDir>/station.lock`; resolves to its release function. */
export async function acquireStationLock(
  upgradeDir: string,
  command: string,
  logger: Logger,
): Promise<() => Promise<void>> {
  await fs.mkdir(upgradeDir, { recursive: true });
  const target = path.join(upgradeDir, 'station');
  const ownerFile = path.join(upgradeDir, 'station.lock.owner');
  const options = {
    realpath: false,
    stale: 30_000,
    update: 5_000,
    retries: 0,
    // Losing the lock mid-run (clock jump, deleted folder) is logged; the run's own steps stay idempotent.
    onCompromised: (error: Error) => logger.warn(`station lock compromised: ${error.message}`),
  };
  const take = async () => {
    const release = await lockfile.lock(target, options);
    const owner: LockOwner = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
    await fs.writeFile(ownerFile, JSON.stringify(owner));
    return async () => {
      await fs.rm(ownerFile, { force: true });
      await release();
    };
  };
  try {
    return await take();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const owner = await readOwner(ownerFile);
    if (owner !== undefined && owner.host === os.hostname() && !isProcessAlive(owner.pid)) {
      logger.warn(`taking over the station lock of process ${owner.pid} (${owner.command}), which is no longer running`);
      await fs.rm(`${target}.lock`, { recursive: true, force: true });
      try {
        return await take();
      } catch (retryError) {
        if ((retryError as NodeJS.ErrnoException).code !== 'ELOCKED') throw retryError;
      }
    }
    const who = owner === undefined ? 'another run' : `process ${owner.pid} (${owner.command}, since ${owner.since})`;
    throw new UpgradeError('LOCKED', `the station is locked by ${who}: ${target}.lock; wait for it to finish`, {
      details: { lock: `${target}.lock`, pid: owner?.pid ?? null },
    });
  }
}
