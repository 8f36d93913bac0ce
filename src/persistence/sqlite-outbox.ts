// The station's fleet outbox in `.upgrade/state.db` (table `upgrader_outbox`, id and dropped count
// in `upgrader_kv`). Opened by the runner after the run, while it still holds the station lock.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { PersistenceError } from '../errors.js';
import type { FleetEvent } from '../formats/fleet-report.js';
import { openStateDatabase, type StoreLog } from './open-state-database.js';
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

/** Opens the outbox of the state database at `dbPath` (creating and migrating it when needed). */
export async function openSqliteOutbox(dbPath: string, options: SqliteOutboxOptions = {}): Promise<Outbox> {
  const now = options.now ?? (() => new Date());
  const dataSource = await openStateDatabase(dbPath, { log: options.log ?? (() => undefined), now });
  return new SqliteOutbox(dbPath, dataSource, options.caps ?? DEFAULT_OUTBOX_CAPS, now);
}

class SqliteOutbox implements Outbox {
  constructor(
    private readonly dbPath: string,
    private readonly dataSource: DataSource,
    private readonly caps: OutboxCaps,
    private readonly now: () => Date,
  ) {}

  stationId(): Promise<string> {
    return this.guard('read the station id', () =>
      this.dataSource.transaction(async (manager) => {
        const rows = await manager.query<{ value: string }[]>(`SELECT "value" FROM "upgrader_kv" WHERE "key" = ?`, [STATION_ID_KEY]);
        const existing = rows[0]?.value;
        if (existing !== undefined) return existing;
        const id = randomUUID();
        await manager.query(SET_VALUE, [STATION_ID_KEY, id, this.now().toISOString()]);
        return id;
      }),
    );
  }

  enqueue(event: Omit<FleetEvent, 'seq'>): Promise<void> {
    return this.guard('queue a fleet report', () =>
      this.dataSource.transaction(async (manager) => {
        const now = this.now();
        await manager.query(`INSERT INTO "upgrader_outbox" ("event_id", "queued_at", "event") VALUES (?, ?, ?)`, [
          event.eventId,
          now.toISOString(),
          JSON.stringify(event),
        ]);
        // The caps: everything older than the newest maxEvents, and everything past maxAge.
        const cutoff = new Date(now.getTime() - this.caps.maxAgeMs).toISOString();
        const dropped = await manager.query<unknown[]>(
          `DELETE FROM "upgrader_outbox" WHERE "queued_at" < ? OR "seq" <= COALESCE(
             (SELECT "seq" FROM "upgrader_outbox" ORDER BY "seq" DESC LIMIT 1 OFFSET ?), -1) RETURNING "seq"`,
          [cutoff, this.caps.maxEvents],
        );
        if (dropped.length > 0) {
          const before = await readCount(manager.query.bind(manager));
          await manager.query(SET_VALUE, [DROPPED_KEY, String(before + dropped.length), now.toISOString()]);
        }
      }),
    );
  }

  peek(limit: number): Promise<OutboxBatch> {
    return this.guard('read the outbox', async () => {
      const rows = await this.dataSource.query<{ seq: number; event: string }[]>(
        `SELECT "seq", "event" FROM "upgrader_outbox" ORDER BY "seq" LIMIT ?`,
        [Math.max(0, limit)],
      );
      const events = rows.map((row) => ({ ...(JSON.parse(row.event) as Omit<FleetEvent, 'seq'>), seq: row.seq }));
      return { events, dropped: await readCount(this.dataSource.query.bind(this.dataSource)) };
    });
  }

  acknowledge(eventIds: string[], droppedSent: number): Promise<void> {
    return this.guard('remove acknowledged reports', () =>
      this.dataSource.transaction(async (manager) => {
        for (let i = 0; i < eventIds.length; i += 500) {
          const chunk = eventIds.slice(i, i + 500);
          await manager.query(`DELETE FROM "upgrader_outbox" WHERE "event_id" IN (${chunk.map(() => '?').join(', ')})`, chunk);
        }
        if (droppedSent > 0) {
          const left = Math.max(0, (await readCount(manager.query.bind(manager))) - droppedSent);
          await manager.query(SET_VALUE, [DROPPED_KEY, String(left), this.now().toISOString()]);
        }
      }),
    );
  }

  size(): Promise<number> {
    return this.guard('count the outbox', async () => {
      const rows = await this.dataSource.query<{ n: number }[]>(`SELECT COUNT(*) AS "n" FROM "upgrader_outbox"`);
      return rows[0]?.n ?? 0;
    });
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async guard<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new PersistenceError(
        'STATE_DB_FAILED',
        `Could not ${what} in the state database ${this.dbPath}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error, details: { path: this.dbPath } },
      );
    }
  }
}

type Query = (sql: string, parameters?: unknown[]) => Promise<unknown>;

async function readCount(query: Query): Promise<number> {
  const rows = (await query(`SELECT "value" FROM "upgrader_kv" WHERE "key" = ?`, [DROPPED_KEY])) as { value: string }[];
  const value = Number(rows[0]?.value ?? 0);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}
