// One upgrader run per station at a time (exit 40 otherwise). proper-lockfile gives the atomic
// mkdir lock with mtime refresh. Each contender first writes `station.pid-<pid>` beside it, so a
// process killed at any instant — even between taking the lock and saying who it is — leaves a
// record that the next run can check: when every other recorded process is gone, the lock is
// taken over at once instead of waiting for it to go stale.
import { constants as fsConstants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { randomUUID } from 'node:crypto';
import { ConfigError, UpgradeError } from '../errors.js';
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
/** A lock held by a process on another host is taken over when not refreshed for this long. */
const STALE_ELSEWHERE_MS = 30_000;

/** The station lock held by this run. */
export interface StationLock {
  /** Still ours? False once another run took it over or it vanished: the run must write nothing more. */
  held(): Promise<boolean>;
  release(): Promise<void>;
}

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
function isDead(contender: { pid: number; owner: LockOwner | undefined }, lockAgeMs: number): boolean {
  const { owner, pid } = contender;
  if (owner === undefined) return Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid);
  // A process here is judged by its pid alone, however long it was paused (SIGSTOP, a VM paused, a
  // blocked event loop): a live holder keeps the lock. Elsewhere only the lock's refresh can tell.
  if (owner.host === os.hostname()) return !isProcessAlive(owner.pid);
  return lockAgeMs > STALE_ELSEWHERE_MS;
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

/**
 * Refuses a `.upgrade/` that is, or holds, a symlink: the lock, state, parts and staging are written
 * and deleted there, and a link would lead those writes and deletions outside the station (64,
 * nothing touched). Walks without following links.
 */
export async function assertNoSymlinksInUpgradeDir(upgradeDir: string): Promise<void> {
  const refuse = (link: string): never => {
    throw new ConfigError(
      'CONFIG_INVALID',
      `${link} is a symlink: the upgrader's folder ${upgradeDir} must hold real files and folders only (its contents are written and deleted); remove the link — nothing was changed`,
      { details: { path: link } },
    );
  };
  const top = await fs.lstat(upgradeDir).catch(() => undefined);
  if (top === undefined) return;
  if (!top.isDirectory()) refuse(upgradeDir);
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) refuse(full);
      if (entry.isDirectory()) await walk(full);
    }
  };
  await walk(upgradeDir);
}

/** Takes the station lock in `<upgradeDir>/station.lock`; resolves to its release function. */
export async function acquireStationLock(upgradeDir: string, command: string, logger: Logger): Promise<StationLock> {
  await fs.mkdir(upgradeDir, { recursive: true });
  const target = path.join(upgradeDir, 'station');
  const pidFile = path.join(upgradeDir, `${PID_PREFIX}${process.pid}`);
  // Who holds the lock now: rewritten by every run that takes it, so a run taken over can tell.
  const ownerFile = path.join(upgradeDir, 'station.owner');
  const token = randomUUID();
  const me: LockOwner = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
  await fs.writeFile(pidFile, JSON.stringify(me));
  let compromised = false;
  const options = {
    realpath: false,
    // Never stale by age here: a paused holder is still alive (see isDead); the mtime still shows it runs.
    stale: 2 ** 31 - 1,
    update: 5_000,
    retries: 0,
    onCompromised: (error: Error) => {
      compromised = true;
      logger.warn(`station lock lost: ${error.message}; this run writes nothing more`);
    },
  };
  const take = async (): Promise<StationLock> => {
    const release = await lockfile.lock(target, options);
    await fs.writeFile(`${ownerFile}.${token}`, token);
    await fs.rename(`${ownerFile}.${token}`, ownerFile);
    const held = async (): Promise<boolean> =>
      !compromised && (await fs.readFile(ownerFile, 'utf8').catch(() => '')) === token && (await fs.stat(`${target}.lock`).catch(() => undefined)) !== undefined;
    return {
      held,
      release: async () => {
        // A lock another run took over is theirs: neither released nor its owner record removed.
        if (await held()) {
          await fs.rm(ownerFile, { force: true });
          await release().catch((error: Error) => logger.warn(`could not release the station lock: ${error.message}`));
        }
        await fs.rm(pidFile, { force: true });
      },
    };
  };
  try {
    const lock = await take();
    // Records left by killed runs are litter once the lock is ours: clear those whose process is gone.
    for (const other of await otherContenders(upgradeDir)) if (isDead(other, 0)) await fs.rm(other.file, { force: true });
    return lock;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
      await fs.rm(pidFile, { force: true });
      throw error;
    }
  }
  const others = await otherContenders(upgradeDir);
  const lockInfo = await fs.stat(`${target}.lock`).catch(() => undefined);
  const lockAge = lockInfo === undefined ? Infinity : Date.now() - lockInfo.mtimeMs;
  const alive = others.filter((other) => !isDead(other, lockAge));
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
