// The SnapshotStore of a station: `.upgrade/state.db`, SQLite (better-sqlite3) with its schema made by
// TypeORM migrations. Every operation is one prepared SQL statement (or one transaction of two) on the
// raw connection: the runner saves after every transition, so `save` must stay well under a
// millisecond plus one fsync, and a launch with nothing to do must not wait for TypeORM to load.
import type Database from 'better-sqlite3';
import { PersistenceError } from '../errors.js';
import { openStateConnection, openStateConnectionReadOnly, type StateConnection } from './open-state-connection.js';
import type { StoreLog } from './open-state-database.js';
import type { HistoryOptions, PersistedSnapshot, SnapshotStore, TransitionRecord } from './snapshot-store.js';
import type { TransitionRow } from './state-entities.js';

/** Options of `openSqliteSnapshotStore`. */
export interface SqliteSnapshotStoreOptions {
  /** Receives warnings (a corrupt database moved aside) and notes; silent by default. */
  log?: StoreLog;
  /** Clock for row timestamps and the name of a moved-aside file. */
  now?: () => Date;
  /** Open an existing file for reading only: no creation, migration or moving aside (status, history). */
  readOnly?: boolean;
}

const INSERT_TRANSITION = `INSERT INTO "upgrader_transition"
  ("at", "run_id", "command", "from_state", "to_state", "event", "detail")
  VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING "seq"`;
const UPSERT_SNAPSHOT = `INSERT INTO "upgrader_snapshot"
  ("id", "schema_version", "machine_version", "snapshot", "seq", "saved_at") VALUES (1, ?, ?, ?, ?, ?)
  ON CONFLICT ("id") DO UPDATE SET "schema_version" = excluded."schema_version",
  "machine_version" = excluded."machine_version", "snapshot" = excluded."snapshot",
  "seq" = excluded."seq", "saved_at" = excluded."saved_at"`;
const UPSERT_VALUE = `INSERT INTO "upgrader_kv" ("key", "value", "updated_at") VALUES (?, ?, ?)
  ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "updated_at" = excluded."updated_at"`;
const SELECT_SNAPSHOT = `SELECT "schema_version" AS "schemaVersion", "machine_version" AS "machineVersion",
  "snapshot", "seq" FROM "upgrader_snapshot" WHERE "id" = 1`;
const SELECT_TRANSITIONS = `SELECT "seq", "at", "run_id" AS "runId", "command", "from_state" AS "fromState",
  "to_state" AS "toState", "event", "detail" FROM "upgrader_transition"`;

/** Opens (creating, migrating or replacing a corrupt file as needed) the SQLite state store at `dbPath`. */
export async function openSqliteSnapshotStore(
  dbPath: string,
  options: SqliteSnapshotStoreOptions = {},
): Promise<SnapshotStore> {
  const now = options.now ?? (() => new Date());
  const connection =
    options.readOnly === true
      ? await openStateConnectionReadOnly(dbPath)
      : await openStateConnection(dbPath, { log: options.log ?? (() => undefined), now });
  return new SqliteSnapshotStore(dbPath, connection, now);
}

interface SnapshotSelect {
  schemaVersion: number;
  machineVersion: string;
  snapshot: string;
  seq: number | null;
}

class SqliteSnapshotStore implements SnapshotStore {
  private readonly db: Database.Database;
  // Operations are chained so that a failure is reported by the call that caused it, and none runs after close.
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly dbPath: string,
    private readonly connection: StateConnection,
    private readonly now: () => Date,
  ) {
    this.db = connection.db;
  }

  load(): Promise<PersistedSnapshot | undefined> {
    return this.serially('load the snapshot', () => {
      const row = this.db.prepare(SELECT_SNAPSHOT).get() as SnapshotSelect | undefined;
      if (row === undefined) return undefined;
      const loaded: PersistedSnapshot = {
        schemaVersion: row.schemaVersion,
        machineVersion: row.machineVersion,
        snapshot: JSON.parse(row.snapshot) as unknown,
      };
      if (row.seq !== null) loaded.seq = row.seq;
      return loaded;
    });
  }

  save(snapshot: PersistedSnapshot, transition: TransitionRecord): Promise<void> {
    return this.serially('save the snapshot', () => {
      const json = toJson(snapshot.snapshot, 'snapshot');
      const transitionParams = this.transitionParams(transition);
      // One transaction: a failing statement rolls both back.
      this.db.transaction(() => {
        const seq = this.insertTransition(transitionParams);
        this.db.prepare(UPSERT_SNAPSHOT).run(snapshot.schemaVersion, snapshot.machineVersion, json, seq, this.now().toISOString());
      })();
    });
  }

  append(transition: TransitionRecord): Promise<void> {
    return this.serially('append to the history', () => {
      this.insertTransition(this.transitionParams(transition));
    });
  }

  clearSnapshot(): Promise<void> {
    return this.serially('clear the snapshot', () => {
      this.db.prepare('DELETE FROM "upgrader_snapshot" WHERE "id" = 1').run();
    });
  }

  history(options: HistoryOptions = {}): Promise<TransitionRecord[]> {
    const { limit, runId, order = 'newest' } = options;
    return this.serially('read the history', () => {
      const where = runId === undefined ? '' : ' WHERE "run_id" = ?';
      const sql = `${SELECT_TRANSITIONS}${where} ORDER BY "seq" ${order === 'newest' ? 'DESC' : 'ASC'}${limit === undefined ? '' : ' LIMIT ?'}`;
      const params: unknown[] = [...(runId === undefined ? [] : [runId]), ...(limit === undefined ? [] : [Math.max(0, limit)])];
      return (this.db.prepare(sql).all(...params) as TransitionRow[]).map(toRecord);
    });
  }

  getValue(key: string): Promise<string | undefined> {
    return this.serially(`read the value ${key}`, () => {
      const value = this.db.prepare('SELECT "value" FROM "upgrader_kv" WHERE "key" = ?').pluck().get(key) as string | undefined;
      return value;
    });
  }

  setValue(key: string, value: string | undefined): Promise<void> {
    return this.serially(`write the value ${key}`, () => {
      if (value === undefined) this.db.prepare('DELETE FROM "upgrader_kv" WHERE "key" = ?').run(key);
      else this.db.prepare(UPSERT_VALUE).run(key, value, this.now().toISOString());
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail.catch(() => undefined);
    await this.connection.close();
  }

  private transitionParams(t: TransitionRecord): unknown[] {
    const detail = t.detail === undefined ? null : toJson(t.detail, 'transition detail');
    return [t.at, t.runId, t.command, t.from, t.to, t.event, detail];
  }

  private insertTransition(params: unknown[]): number {
    const seq = this.db.prepare(INSERT_TRANSITION).pluck().get(...params) as number | undefined;
    if (seq === undefined) throw new Error('INSERT … RETURNING gave no seq');
    return seq;
  }

  private serially<T>(what: string, operation: () => T): Promise<T> {
    const result = this.closed ? Promise.reject(new Error('the store is closed')) : this.tail.then(operation);
    this.tail = result.catch(() => undefined);
    return result.catch((error: unknown) => {
      throw new PersistenceError(
        'STATE_DB_FAILED',
        `Could not ${what} in the state database ${this.dbPath}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, details: { path: this.dbPath } },
      );
    });
  }
}

function toJson(value: unknown, what: string): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error(`the ${what} is not JSON (${typeof value})`);
  return json;
}

function toRecord(row: TransitionRow): TransitionRecord {
  const record: TransitionRecord = {
    seq: row.seq,
    at: row.at,
    runId: row.runId,
    command: row.command,
    from: row.fromState,
    to: row.toState,
    event: row.event,
  };
  if (row.detail !== null) record.detail = JSON.parse(row.detail) as unknown;
  return record;
}
