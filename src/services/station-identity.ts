// Which station a state database belongs to: the client folder's real path and its inode. A state
// database met under another station (a shared or copied `.upgrade/`) must not steer this one.
import { promises as fs } from 'node:fs';

/** The identity of a client folder as recorded in its state database. */
export interface StationIdentity {
  path: string;
  /** `<dev>:<ino>` of the client folder. */
  inode: string;
}

/** The identity of the client folder now. */
export async function stationIdentity(clientDir: string): Promise<StationIdentity> {
  const real = await fs.realpath(clientDir);
  const info = await fs.stat(real, { bigint: true });
  return { path: real, inode: `${info.dev}:${info.ino}` };
}

/** Same station when the path or the inode is the same (a moved station keeps its inode, a remounted disk its path). */
export function isSameStation(recorded: string | undefined, now: StationIdentity): boolean {
  if (recorded === undefined) return true;
  try {
    const before = JSON.parse(recorded) as Partial<StationIdentity>;
    return before.path === now.path || before.inode === now.inode;
  } catch {
    return false;
  }
}
