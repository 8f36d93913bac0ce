// The station's fleet outbox in `.upgrade/state.db` (table `upgrader_outbox`, id and dropped count
// in `upgrader_kv`). Opened by the runner after the run, while it still holds the station lock.
// Like the snapshot store it works on the raw better-sqlite3 connection: a current state.db is
// opened without TypeORM, so queueing a launch's report costs a launch with nothing to do no more.
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { PersistenceError } from '../errors.js';
import type { FleetEvent } from '../formats/fleet-report.js';
import { openStateConnection, type StateConnection } from './open-state-connection.js';
import type { StoreLog } from './open-state-database.js';
import { DEFAULT_OUTBOX_CAPS, type Outbox, type OutboxBatch, type OutboxCaps } from './outbox.js';

/** Key of the station's UUID in `upgrader_kv`. */
export const STATION_ID_KEY = 'fleet-station-id';
/** Key of the count of events the caps dropped and no batch has reported yet. */
export const DROPPED_KEY = 'fleet-outbox-dropped';

/** Options of `openSqliteOutbox`. */
export interface SqliteOutboxOptions {
  caps?: OutboxCaps;
  now?: () => Date;
  log?: StoreLog;
}

const SET_VALUE = `INSERT INTO "upgrader_kv" ("key", "value", "updated_at") VALUES (?, ?, ?)
  ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "updated_at" = excluded."updated_at"`;
const GET_VALUE = `SELECT "value" FROM "upgrader_kv" WHERE "key" = ?`;
// The caps: everything older than the newest maxEvents, and everything past maxAge.
const TRIM = `DELETE FROM "upgrader_outbox" WHERE "queued_at" < ? OR "seq" <= COALESCE(
  (SELECT "seq" FROM "upgrader_outbox" ORDER BY "seq" DESC LIMIT 1 OFFSET ?), -1) RETURNING "seq"`;

/** Opens the outbox of the state database at `dbPath` (creating and migrating it when needed). */
export async function openSqliteOutbox(dbPath: string, options: SqliteOutboxOptions = {}): Promise<Outbox> {
  const now = options.now ?? (() => new Date());
  const connection = await openStateConnection(dbPath, { log: options.log ?? (() => undefined), now });
  return new SqliteOutbox(dbPath, connection, options.caps ?? DEFAULT_OUTBOX_CAPS, now);
}

class SqliteOutbox implements Outbox {
  private readonly db: Database.Database;
  private closed = false;

  constructor(
    private readonly dbPath: string,
    private readonly connection: StateConnection,
    private readonly caps: OutboxCaps,
    private readonly now: () => Date,
  ) {
    this.db = connection.db;
  }

  stationId(): Promise<string> {
    return this.guard('read the station id', () =>
      this.db.transaction(() => {
        const existing = this.db.prepare(GET_VALUE).pluck().get(STATION_ID_KEY) as string | undefined;
        if (existing !== undefined) return existing;
        const id = randomUUID();
        this.db.prepare(SET_VALUE).run(STATION_ID_KEY, id, this.now().toISOString());
        return id;
      })(),
    );
  }

  enqueue(event: Omit<FleetEvent, 'seq'>): Promise<void> {
    return this.guard('queue a fleet report', () => {
      this.db.transaction(() => {
        const now = this.now();
        this.db
          .prepare(`INSERT INTO "upgrader_outbox" ("event_id", "queued_at", "event") VALUES (?, ?, ?)`)
          .run(event.eventId, now.toISOString(), JSON.stringify(event));
        const cutoff = new Date(now.getTime() - this.caps.maxAgeMs).toISOString();
        const dropped = this.db.prepare(TRIM).all(cutoff, this.caps.maxEvents);
        if (dropped.length > 0) this.db.prepare(SET_VALUE).run(DROPPED_KEY, String(this.droppedCount() + dropped.length), now.toISOString());
      })();
    });
  }

  peek(limit: number): Promise<OutboxBatch> {
    return this.guard('read the outbox', () => {
      const rows = this.db.prepare(`SELECT "seq", "event" FROM "upgrader_outbox" ORDER BY "seq" LIMIT ?`).all(Math.max(0, limit)) as {
        seq: number;
        event: string;
      }[];
      const events = rows.map((row) => ({ ...(JSON.parse(row.event) as Omit<FleetEvent, 'seq'>), seq: row.seq }));
      return { events, dropped: this.droppedCount() };
    });
  }

  acknowledge(eventIds: string[], droppedSent: number): Promise<void> {
    return this.guard('remove acknowledged reports', () => {
      this.db.transaction(() => {
        for (let i = 0; i < eventIds.length; i += 500) {
          const chunk = eventIds.slice(i, i + 500);
          this.db.prepare(`DELETE FROM "upgrader_outbox" WHERE "event_id" IN (${chunk.map(() => '?').join(', ')})`).run(...chunk);
        }
        if (droppedSent > 0) {
          const left = Math.max(0, this.droppedCount() - droppedSent);
          this.db.prepare(SET_VALUE).run(DROPPED_KEY, String(left), this.now().toISOString());
        }
      })();
    });
  }

  size(): Promise<number> {
    return this.guard('count the outbox', () => this.db.prepare(`SELECT COUNT(*) FROM "upgrader_outbox"`).pluck().get() as number);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  private droppedCount(): number {
    const value = Number(this.db.prepare(GET_VALUE).pluck().get(DROPPED_KEY) ?? 0);
    return Number.isSafeInteger(value) && value > 0 ? value : 0;
  }

  private guard<T>(what: string, operation: () => T): Promise<T> {
    try {
      if (this.closed) throw new Error('the outbox is closed');
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(
        new PersistenceError(
          'STATE_DB_FAILED',
          `Could not ${what} in the state database ${this.dbPath}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error, details: { path: this.dbPath } },
        ),
      );
    }
  }
}
