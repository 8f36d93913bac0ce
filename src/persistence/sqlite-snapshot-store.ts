// The SnapshotStore of a station: `.upgrade/state.db`, SQLite through TypeORM (better-sqlite3).
// Writes go through the DataSource's query runner, whose statements better-sqlite3 prepares once and
// caches: the runner saves after every transition, so `save` must stay well under a millisecond
// plus one fsync.
import type { DataSource, QueryRunner } from 'typeorm';
import { PersistenceError } from '../errors.js';
import { openStateDatabase, openStateDatabaseReadOnly } from './open-state-database.js';
import type { StoreLog } from './open-state-database.js';
import type { HistoryOptions, PersistedSnapshot, SnapshotStore, TransitionRecord } from './snapshot-store.js';
import { KvEntity, SnapshotEntity, TransitionEntity } from './state-entities.js';
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

/** Opens (creating, migrating or replacing a corrupt file as needed) the SQLite state store at `dbPath`. */
export async function openSqliteSnapshotStore(
  dbPath: string,
  options: SqliteSnapshotStoreOptions = {},
): Promise<SnapshotStore> {
  const now = options.now ?? (() => new Date());
  const dataSource =
    options.readOnly === true
      ? await openStateDatabaseReadOnly(dbPath)
      : await openStateDatabase(dbPath, { log: options.log ?? (() => undefined), now });
  return new SqliteSnapshotStore(dbPath, dataSource, now);
}

class SqliteSnapshotStore implements SnapshotStore {
  private readonly runner: QueryRunner;
  // better-sqlite3 has one connection: operations are chained so two transactions never interleave.
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly dbPath: string,
    private readonly dataSource: DataSource,
    private readonly now: () => Date,
  ) {
    this.runner = dataSource.createQueryRunner();
  }

  load(): Promise<PersistedSnapshot | undefined> {
    return this.serially('load the snapshot', async () => {
      const row = await this.dataSource.getRepository(SnapshotEntity).findOneBy({ id: 1 });
      if (row === null) return undefined;
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
    return this.serially('save the snapshot', async () => {
      const json = toJson(snapshot.snapshot, 'snapshot');
      const transitionParams = this.transitionParams(transition);
      await this.runner.startTransaction();
      try {
        const seq = await this.insertTransition(transitionParams);
        await this.runner.query(UPSERT_SNAPSHOT, [
          snapshot.schemaVersion,
          snapshot.machineVersion,
          json,
          seq,
          this.now().toISOString(),
        ]);
        await this.runner.commitTransaction();
      } catch (error) {
        await this.runner.rollbackTransaction();
        throw error;
      }
    });
  }

  append(transition: TransitionRecord): Promise<void> {
    return this.serially('append to the history', async () => {
      await this.insertTransition(this.transitionParams(transition));
    });
  }

  clearSnapshot(): Promise<void> {
    return this.serially('clear the snapshot', async () => {
      await this.dataSource.getRepository(SnapshotEntity).delete({ id: 1 });
    });
  }

  history(options: HistoryOptions = {}): Promise<TransitionRecord[]> {
    const { limit, runId, order = 'newest' } = options;
    return this.serially('read the history', async () => {
      const rows = await this.dataSource.getRepository(TransitionEntity).find({
        where: runId === undefined ? {} : { runId },
        order: { seq: order === 'newest' ? 'DESC' : 'ASC' },
        ...(limit === undefined ? {} : { take: Math.max(0, limit) }),
      });
      return rows.map(toRecord);
    });
  }

  getValue(key: string): Promise<string | undefined> {
    return this.serially(`read the value ${key}`, async () => {
      const row = await this.dataSource.getRepository(KvEntity).findOneBy({ key });
      return row?.value;
    });
  }

  setValue(key: string, value: string | undefined): Promise<void> {
    return this.serially(`write the value ${key}`, async () => {
      if (value === undefined) await this.dataSource.getRepository(KvEntity).delete({ key });
      else await this.runner.query(UPSERT_VALUE, [key, value, this.now().toISOString()]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail.catch(() => undefined);
    await this.dataSource.destroy();
  }

  private transitionParams(t: TransitionRecord): unknown[] {
    const detail = t.detail === undefined ? null : toJson(t.detail, 'transition detail');
    return [t.at, t.runId, t.command, t.from, t.to, t.event, detail];
  }

  private async insertTransition(params: unknown[]): Promise<number> {
    const rows = (await this.runner.query(INSERT_TRANSITION, params)) as { seq: number }[];
    const seq = rows[0]?.seq;
    if (seq === undefined) throw new Error('INSERT … RETURNING gave no seq');
    return seq;
  }

  private serially<T>(what: string, operation: () => Promise<T>): Promise<T> {
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
