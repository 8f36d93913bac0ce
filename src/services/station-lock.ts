// One upgrader run per station at a time (exit 40 otherwise). proper-lockfile gives the atomic
// mkdir lock with mtime refresh. Each contender first writes `station.pid-<pid>` beside it, so a
// process killed at any instant — even between taking the lock and saying who it is — leaves a
// record that the next run can check: when every other recorded process is gone, the lock is
// taken over at once instead of waiting for it to go stale.
import { constants as fsConstants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { UpgradeError } from '../errors.js';
import type { Logger } from './logger.js';

/** Who holds (or wants) the lock. */
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

const PID_PREFIX = 'station.pid-';

async function otherContenders(upgradeDir: string): Promise<Array<{ file: string; pid: number; owner: LockOwner | undefined }>> {
  const names = (await fs.readdir(upgradeDir)).filter((n) => n.startsWith(PID_PREFIX) && n !== `${PID_PREFIX}${process.pid}`);
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(upgradeDir, name);
      const pid = Number(name.slice(PID_PREFIX.length));
      try {
        return { file, pid, owner: JSON.parse(await fs.readFile(file, 'utf8')) as LockOwner };
      } catch {
        return { file, pid, owner: undefined };
      }
    }),
  );
}

/**
 * A contender that is certainly gone: same host, PID not running. A record we cannot read (torn by
 * a kill while it was written) is judged by the PID in its file name: dead only if that PID is not
 * running here, so a record being written right now still counts as alive.
 */
function isDead(contender: { pid: number; owner: LockOwner | undefined }): boolean {
  const { owner, pid } = contender;
  if (owner === undefined) return Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid);
  return owner.host === os.hostname() && !isProcessAlive(owner.pid);
}

/**
 * Refuses, with a clear IO_FAILED (21), a station this user cannot write (a read-only mount, another
 * owner): every station command writes its lock, state and log there.
 */
export async function assertStationWritable(clientDir: string): Promise<void> {
  for (const dir of [clientDir, path.join(clientDir, 'lib')]) {
    try {
      await fs.access(dir, fsConstants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EACCES';
      if (code === 'ENOENT') continue;
      throw new UpgradeError(
        'IO_FAILED',
        `The station folder ${dir} cannot be written by this user (${code}): the upgrader writes its lock, state and log there and repairs lib/ — run it as the station's user or make the folder writable; nothing was changed`,
        { cause: error, details: { path: dir, reason: code } },
      );
    }
  }
}

/** Takes the station lock in `<upgradeDir>/station.lock`; resolves to its release function. */
export async function acquireStationLock(upgradeDir: string, command: string, logger: Logger): Promise<() => Promise<void>> {
  await fs.mkdir(upgradeDir, { recursive: true });
  const target = path.join(upgradeDir, 'station');
  const pidFile = path.join(upgradeDir, `${PID_PREFIX}${process.pid}`);
  const me: LockOwner = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
  await fs.writeFile(pidFile, JSON.stringify(me));
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
    return async () => {
      await release();
      await fs.rm(pidFile, { force: true });
    };
  };
  try {
    return await take();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
      await fs.rm(pidFile, { force: true });
      throw error;
    }
  }
  const others = await otherContenders(upgradeDir);
  const alive = others.filter((other) => !isDead(other));
  if (alive.length === 0) {
    for (const other of others) {
      logger.warn(`taking over the station lock from process ${other.owner?.pid ?? other.pid} (${other.owner?.command ?? '?'}), which is no longer running`);
      await fs.rm(other.file, { force: true });
    }
    await fs.rm(`${target}.lock`, { recursive: true, force: true });
    try {
      return await take();
    } catch (retryError) {
      if ((retryError as NodeJS.ErrnoException).code !== 'ELOCKED') {
        await fs.rm(pidFile, { force: true });
        throw retryError;
      }
    }
  }
  await fs.rm(pidFile, { force: true });
  const holder = alive[0]?.owner;
  const who = holder === undefined ? 'another run' : `process ${holder.pid} (${holder.command}, since ${holder.since})`;
  throw new UpgradeError('LOCKED', `the station is locked by ${who}: ${target}.lock; wait for it to finish`, {
    details: { lock: `${target}.lock`, pid: holder?.pid ?? null },
  });
}
