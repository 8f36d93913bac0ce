// Group commit for the fleet service's ingest: batches that arrive while the writers are busy wait
// and are written together by the next free one — one transaction, one fsync, for many stations.
// SQLite gets one writer (the single better-sqlite3 connection never sees two transactions);
// PostgreSQL a few, whose transactions lock rows in one global order (see the store: no deadlock).

/** Writes a group of items in one go; answers one result per item, in order. */
export type GroupWriter<T, R> = (items: T[]) => Promise<R[]>;

/** Options of `createGroupCommit`. */
export interface GroupCommitOptions<T> {
  /** The most weight (e.g. events) one group holds; a single heavier item is still written alone. */
  maxWeight: number;
  weight: (item: T) => number;
  /** Groups written at the same time (default 1). */
  writers?: number;
}

/**
 * A queue in front of `write`: `submit` resolves with the item's result once its group is
 * committed. When a group fails, its items are retried one by one, so one item's failure (a
 * database error) is only its own.
 */
export function createGroupCommit<T, R>(write: GroupWriter<T, R>, options: GroupCommitOptions<T>): (item: T) => Promise<R> {
  type Waiting = { item: T; resolve: (result: R) => void; reject: (error: unknown) => void };
  let waiting: Waiting[] = [];
  let active = 0;
  const writers = Math.max(1, options.writers ?? 1);

  function nextGroup(): Waiting[] {
    let weight = 0;
    let count = 0;
    while (count < waiting.length) {
      const next = options.weight(waiting[count]!.item);
      if (count > 0 && weight + next > options.maxWeight) break;
      weight += next;
      count += 1;
    }
    const group = waiting.slice(0, count);
    waiting = waiting.slice(count);
    return group;
  }

  async function drain(): Promise<void> {
    active += 1;
    try {
      while (waiting.length > 0) {
        const group = nextGroup();
        try {
          const results = await write(group.map((entry) => entry.item));
          group.forEach((entry, index) => entry.resolve(results[index]!));
        } catch (error) {
          if (group.length === 1) {
            group[0]!.reject(error);
            continue;
          }
          for (const entry of group) {
            try {
              const [result] = await write([entry.item]);
              entry.resolve(result!);
            } catch (alone) {
              entry.reject(alone);
            }
          }
        }
      }
    } finally {
      active -= 1;
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (active < writers) void drain();
    });
}
