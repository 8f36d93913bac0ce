// The contract of the upgrader's state store (DESIGN §6): the latest persisted machine snapshot, an
// append-only log of what happened, and a few counters. The runner is its only writer.

/** Version of the `PersistedSnapshot` wrapper written by this store (not of the machine). */
export const SNAPSHOT_SCHEMA_VERSION = 1;

/** The latest machine snapshot, wrapped with the versions needed to decide whether it can be restored. */
export interface PersistedSnapshot {
  /** Format version of this wrapper (`SNAPSHOT_SCHEMA_VERSION`). */
  schemaVersion: number;
  /** Version of the machine definition that produced the snapshot; opaque to the store. */
  machineVersion: string;
  /** Plain JSON from `actor.getPersistedSnapshot()`. */
  snapshot: unknown;
  /** Set by the store on `load`: seq of the transition saved together with this snapshot. */
  seq?: number;
}

/** One row of the transition log: a machine transition, or a note such as "run started". */
export interface TransitionRecord {
  /** Assigned by the store, increasing; ignored on write. */
  seq?: number;
  /** When it happened, ISO-8601 UTC. */
  at: string;
  /** Identifies one run of the upgrader (every row of a run shares it). */
  runId: string;
  /** CLI command of the run (`start`, `upgrade`, …). */
  command: string;
  /** State before the transition (null for the first one, or for notes). */
  from: string | null;
  /** State after the transition. */
  to: string;
  /** Event type that caused it. */
  event: string;
  /** Small plain JSON: event payload or key context (versions, counts, error). */
  detail?: unknown;
}

/** Options of `SnapshotStore.history`. */
export interface HistoryOptions {
  /** At most this many records (all when absent). */
  limit?: number;
  /** Only the records of this run. */
  runId?: string;
  /** `newest` first (default) or `oldest` first. */
  order?: 'newest' | 'oldest';
}

/** Where the runner keeps the machine snapshot, the transition log and its counters. */
export interface SnapshotStore {
  /** The latest snapshot, or undefined when there is none. */
  load(): Promise<PersistedSnapshot | undefined>;
  /** Atomically replaces the latest snapshot and appends the transition (one transaction). */
  save(snapshot: PersistedSnapshot, transition: TransitionRecord): Promise<void>;
  /** Appends a record without touching the snapshot (run started/ended, notes). */
  append(transition: TransitionRecord): Promise<void>;
  /** Forgets the latest snapshot; the log is kept. */
  clearSnapshot(): Promise<void>;
  /** Records of the log, newest first by default, each with the seq the store assigned. */
  history(options?: HistoryOptions): Promise<TransitionRecord[]>;
  /** A value of the key-value table (crash-loop counters, last latest-version seen, …). */
  getValue(key: string): Promise<string | undefined>;
  /** Sets a value of the key-value table; undefined deletes it. */
  setValue(key: string, value: string | undefined): Promise<void>;
  /** Releases the store; it cannot be used afterwards. */
  close(): Promise<void>;
}
