// The cycles the torture runner drives a station through, each a list of commands that must end
// with a given exit code, and what lib/ may hold at any instant meanwhile.
import { promises as fs, statfsSync } from 'node:fs';
import path from 'node:path';
import { bytesFor, sha256 } from '../../helpers/station.js';
import { allowedFrom, type AllowedFiles } from '../helpers/invariants.js';
import type { Random } from '../helpers/prng.js';
import { NEW, OLD, type World } from '../helpers/world.js';

/** Names of the cycles. */
export type CycleName = 'patch' | 'upgrade' | 'rollback' | 'abandon' | 'diskfull';

/** One command of a cycle and the exit code its uninterrupted run must give. */
export interface CycleStep {
  command: 'start' | 'upgrade' | 'rollback';
  exit: number;
  /** Extra flags of this command's runs. */
  args?: string[];
}

/** A cycle ready to run: its steps, what lib/ may hold meanwhile, and the version it ends at. */
export interface Cycle {
  name: CycleName;
  steps: CycleStep[];
  allowed: AllowedFiles;
  versions: string[];
  finalVersion: string;
  /** What the cycle did to the station before its first run (damage), for the log. */
  note: string;
}

/** Which cycles can start from a station at `installed`. */
export function cyclesFrom(installed: string): CycleName[] {
  return installed === OLD ? ['patch', 'upgrade', 'upgrade', 'abandon', 'diskfull'] : ['patch', 'rollback', 'diskfull'];
}

/**
 * Damages lib/ like a real station gets damaged (files deleted, overwritten, junk added) so the next
 * `start` has something to patch; the damaged bytes are "old" too: they may stay until replaced.
 */
async function damage(client: string, hashes: ReadonlyMap<string, string>, random: Random): Promise<{ damaged: Map<string, string>; note: string }> {
  const lib = path.join(client, 'lib');
  const names = [...hashes.keys()];
  const [deleted, corrupted] = [random.sample(names, random.int(1, 3)), random.sample(names, random.int(0, 2))];
  const damaged = new Map<string, string>();
  for (const name of deleted) await fs.rm(path.join(lib, ...name.split('/')), { force: true });
  for (const name of corrupted) {
    const bytes = bytesFor(`damage-${random.next()}`, random.int(1, 50_000));
    await fs.mkdir(path.dirname(path.join(lib, ...name.split('/'))), { recursive: true });
    await fs.writeFile(path.join(lib, ...name.split('/')), bytes);
    damaged.set(name, sha256(bytes));
  }
  const junk = random.pick(['junk.jar', 'registration-client-0.9.0.jar', 'stray/dir/leftover.properties']);
  const junkBytes = bytesFor(`junk-${random.next()}`, 1000);
  await fs.mkdir(path.dirname(path.join(lib, ...junk.split('/'))), { recursive: true });
  await fs.writeFile(path.join(lib, ...junk.split('/')), junkBytes);
  damaged.set(junk, sha256(junkBytes));
  return { damaged, note: `deleted ${deleted.join(', ')}; overwrote ${corrupted.join(', ') || 'nothing'}; added ${junk}` };
}

/** Prepares a cycle on the station (damaging it for `patch`) and describes it. */
export async function prepareCycle(name: CycleName, client: string, installed: string, world: World, random: Random): Promise<Cycle> {
  const old = world.hashes[OLD] ?? new Map<string, string>();
  const next = world.hashes[NEW] ?? new Map<string, string>();
  switch (name) {
    case 'patch': {
      const current = world.hashes[installed] ?? new Map<string, string>();
      const { damaged, note } = await damage(client, current, random);
      return { name, steps: [{ command: 'start', exit: 0 }], allowed: allowedFrom(current, damaged), versions: [installed], finalVersion: installed, note };
    }
    case 'diskfull': {
      // "A full disk heals by itself": a damaged station whose disk has no room (a free-space reserve
      // above what is free) fails its patch with 21; with room again, the next launch repairs it.
      const current = world.hashes[installed] ?? new Map<string, string>();
      const { damaged, note } = await damage(client, current, random);
      const info = statfsSync(client);
      const noRoom = String(info.bavail * info.bsize + 1024 ** 3);
      return {
        name,
        steps: [
          { command: 'start', exit: 21, args: ['--free-space-reserve', noRoom] },
          { command: 'start', exit: 0 },
        ],
        allowed: allowedFrom(current, damaged),
        versions: [installed],
        finalVersion: installed,
        note: `${note}; the first start finds the disk full`,
      };
    }
    case 'upgrade':
      return {
        name,
        steps: [
          { command: 'upgrade', exit: 10 },
          { command: 'start', exit: 0 },
        ],
        allowed: allowedFrom(old, next),
        versions: [OLD, NEW],
        finalVersion: NEW,
        note: `${OLD} → ${NEW}`,
      };
    case 'abandon':
      return {
        name,
        steps: [
          { command: 'upgrade', exit: 10 },
          { command: 'rollback', exit: 0 },
        ],
        allowed: allowedFrom(old, next),
        versions: [OLD],
        finalVersion: OLD,
        note: `stage ${NEW}, then roll back before applying it`,
      };
    case 'rollback':
      return {
        name,
        steps: [{ command: 'rollback', exit: 0 }],
        allowed: allowedFrom(old, next),
        versions: [OLD, NEW],
        finalVersion: OLD,
        note: `${NEW} → ${OLD} from the kept backup`,
      };
  }
}
