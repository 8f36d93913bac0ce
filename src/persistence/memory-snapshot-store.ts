import type { PersistedSnapshot, SnapshotStore, TransitionRecord } from './snapshot-store.js';

// JSON round trip: the fake hands out copies shaped exactly as the SQLite store's would be.
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A SnapshotStore kept in memory, for tests of the runner and the machine. */
export function createMemorySnapshotStore(): SnapshotStore {
  let latest: PersistedSnapshot | undefined;
  const log: TransitionRecord[] = [];
  const values = new Map<string, string>();
  const append = (transition: TransitionRecord): number =>
    log.push({ ...copy(transition), seq: log.length + 1 });
  return {
    load: () => Promise.resolve(latest && copy(latest)),
    save: (snapshot, transition) => {
      const { schemaVersion, machineVersion } = snapshot;
      latest = copy({ schemaVersion, machineVersion, snapshot: snapshot.snapshot, seq: append(transition) });
      return Promise.resolve();
    },
    append: (transition) => Promise.resolve(void append(transition)),
    clearSnapshot: () => Promise.resolve(void (latest = undefined)),
    history: ({ limit, runId, order = 'newest' } = {}) => {
      const rows = log.filter((row) => runId === undefined || row.runId === runId);
      if (order === 'newest') rows.reverse();
      return Promise.resolve(copy(rows.slice(0, limit === undefined ? undefined : Math.max(0, limit))));
    },
    getValue: (key) => Promise.resolve(values.get(key)),
    setValue: (key, value) =>
      Promise.resolve(void (value === undefined ? values.delete(key) : values.set(key, value))),
    close: () => Promise.resolve(),
  };
}
