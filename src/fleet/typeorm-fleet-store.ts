// The FleetStore on TypeORM, one SQL text for SQLite and PostgreSQL: both speak
// `INSERT … ON CONFLICT … DO NOTHING/UPDATE … RETURNING`; only the placeholders differ.
// Ingest is group-committed: the batches waiting while a write runs become one transaction — their
// new reports in multi-row inserts, and one upsert row per station moved to its newest report.
import type { DataSource, EntityManager } from 'typeorm';
import type { FleetAck, FleetBatch, FleetEvent } from '../formats/fleet-report.js';
import type { FleetEventFields } from '../rollout/tally-rollout.js';
import type { FleetStore, FleetSummary, StationFilter, StationView, StoredReport } from './fleet-store.js';
import { createGroupCommit } from './group-commit.js';

const EVENT_COLUMNS = [
  'command', 'host_name', 'machine_name', 'key_index', 'upgrader_version', 'installed_version',
  'announced_version', 'state', 'exit_code', 'error_code', 'phase',
] as const;
const REPORT_COLUMNS = ['event_id', 'station_id', 'seq', 'at', 'received_at', ...EVENT_COLUMNS, 'bytes_fetched', 'duration_ms', 'bytes_reused', 'rollout_ignored'] as const;
const STATION_COLUMNS = ['station_id', ...EVENT_COLUMNS, 'last_seq', 'last_at', 'first_seen', 'last_seen', 'reports', 'dropped'] as const;
const columnList = (columns: readonly string[]): string => columns.map((c) => `"${c}"`).join(', ');
const REPORT_INSERT = `INSERT INTO "fleet_report" (${columnList(REPORT_COLUMNS)})`;
const STATION_INSERT = `INSERT INTO "fleet_station" (${columnList(STATION_COLUMNS)})`;
/** Events written by one transaction at most (a group of batches). */
const GROUP_EVENTS = 5000;
/**
 * Groups written at once on PostgreSQL. One: measured with fleet-sim (1 000 stations, 32
 * connections), four writers carried 5 reports per commit at 393 ms of PostgreSQL CPU per 1 000
 * reports, one writer 16 per commit at 188 ms, at the same wall rate.
 */
const POSTGRES_WRITERS = 1;
/** Rows per INSERT statement: 500 × 18 parameters stays under SQLite's 32 766 and PostgreSQL's 65 535. */
const ROWS_PER_STATEMENT = 500;

function eventValues(event: FleetEvent): unknown[] {
  return [
    event.command, event.hostName, event.machineName, event.keyIndex, event.upgraderVersion, event.installedVersion,
    event.announcedVersion, event.state, event.exitCode, event.errorCode, event.phase,
  ];
}

/** A FleetStore on an initialized (migrated) DataSource of either driver. */
export function createTypeormFleetStore(dataSource: DataSource): FleetStore {
  const postgres = dataSource.options.type === 'postgres';
  // `?` → `$n` for PostgreSQL; the SQL texts below never hold a literal `?`.
  const sql = (text: string): string => {
    if (!postgres) return text;
    let n = 0;
    return text.replace(/\?/g, () => `$${(n += 1)}`);
  };
  const tuple = (width: number): string => `(${Array.from({ length: width }, () => '?').join(', ')})`;
  const query = <T>(runner: DataSource | EntityManager, text: string, params: unknown[] = []): Promise<T[]> =>
    runner.query<T[]>(sql(text), params);

  // Columns the newest report decides; the CASE keeps a station's row at its highest seq, whatever
  // order batches arrive in.
  const newer = `excluded."last_seq" >= "fleet_station"."last_seq"`;
  const latest = [...EVENT_COLUMNS, 'last_seq', 'last_at'].map((c) => `"${c}" = CASE WHEN ${newer} THEN excluded."${c}" ELSE "fleet_station"."${c}" END`);
  const STATION_CONFLICT = `ON CONFLICT ("station_id") DO UPDATE SET ${latest.join(', ')},
    "last_seen" = excluded."last_seen",
    "reports" = "fleet_station"."reports" + excluded."reports", "dropped" = "fleet_station"."dropped" + excluded."dropped"`;

  type Pending = { batch: FleetBatch; receivedAt: Date };
  // Batches that arrive while a write is under way are written together, in one transaction.
  const submit = createGroupCommit<Pending, FleetAck>(writeGroup, {
    maxWeight: GROUP_EVENTS,
    weight: (pending) => pending.batch.events.length,
    writers: postgres ? POSTGRES_WRITERS : 1,
  });
  const ingest = (batch: FleetBatch, receivedAt: Date): Promise<FleetAck> => submit({ batch, receivedAt });

  /** Rows of one INSERT, in statements of at most ROWS_PER_STATEMENT rows (both drivers limit parameters). */
  async function insertRows<T>(manager: EntityManager, head: string, width: number, tail: string, rows: unknown[][]): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      const answer: unknown = await query<T>(manager, `${head} VALUES ${chunk.map(() => tuple(width)).join(', ')} ${tail}`, chunk.flat());
      // Rows with RETURNING; without, better-sqlite3 answers a run summary instead.
      if (Array.isArray(answer)) out.push(...(answer as T[]));
    }
    return out;
  }

  async function writeGroup(group: Pending[]): Promise<FleetAck[]> {
    // The first copy of an event id in the group is the one stored; later copies are duplicates.
    const owner = new Map<string, number>();
    const rows: unknown[][] = [];
    group.forEach(({ batch, receivedAt }, index) => {
      const stationId = batch.stationId.toLowerCase();
      for (const event of batch.events) {
        const id = event.eventId.toLowerCase();
        if (owner.has(id)) continue;
        owner.set(id, index);
        rows.push([id, stationId, event.seq, new Date(event.at).toISOString(), receivedAt.toISOString(), ...eventValues(event), event.bytesFetched, event.durationMs, event.bytesReused ?? 0, event.rolloutIgnored === true ? 1 : 0]);
      }
    });
    // Every transaction locks report keys, then station keys, each in ascending order: concurrent writers never wait in a cycle.
    rows.sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
    return dataSource.transaction(async (manager) => {
      const inserted = await insertRows<{ event_id: string }>(manager, REPORT_INSERT, REPORT_COLUMNS.length, 'ON CONFLICT ("event_id") DO NOTHING RETURNING "event_id"', rows);
      const fresh = new Set(inserted.map((row) => row.event_id));
      const isNew = (event: FleetEvent, index: number): boolean => {
        const id = event.eventId.toLowerCase();
        return fresh.has(id) && owner.get(id) === index;
      };
      // One row per station: its newest new event, its new reports, its dropped counts, heard from now.
      const stations = new Map<string, { newest: FleetEvent; seq: number; fresh: number; dropped: number; received: string }>();
      group.forEach(({ batch, receivedAt }, index) => {
        const stationId = batch.stationId.toLowerCase();
        const newEvents = batch.events.filter((event) => isNew(event, index));
        const newest = [...(newEvents.length > 0 ? newEvents : batch.events)].sort((a, b) => b.seq - a.seq)[0]!;
        // Only duplicates: the station was heard (last_seen), but its latest report stays as it is.
        const seq = newEvents.length > 0 ? newest.seq : -1;
        const received = receivedAt.toISOString();
        const known = stations.get(stationId);
        if (known === undefined) {
          stations.set(stationId, { newest, seq, fresh: newEvents.length, dropped: batch.dropped, received });
          return;
        }
        if (seq > known.seq) Object.assign(known, { newest, seq });
        known.fresh += newEvents.length;
        known.dropped += batch.dropped;
        if (received > known.received) known.received = received;
      });
      // In station id order, for the same reason as the reports.
      const stationRows = [...stations].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([stationId, row]) => [
        stationId, ...eventValues(row.newest), row.seq, new Date(row.newest.at).toISOString(), row.received, row.received, row.fresh, row.dropped,
      ]);
      await insertRows(manager, STATION_INSERT, STATION_COLUMNS.length, STATION_CONFLICT, stationRows);
      return group.map(({ batch }, index) => {
        const accepted = batch.events.filter((event) => isNew(event, index)).length;
        return { accepted, duplicates: batch.events.length - accepted };
      });
    });
  }

  function stationWhere(filter: StationFilter, cutoff: string): { where: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]): void => {
      clauses.push(clause);
      params.push(...values);
    };
    if (filter.version !== undefined) add('"installed_version" = ?', filter.version);
    if (filter.state !== undefined) add('"state" = ?', filter.state);
    if (filter.errorCode !== undefined) add('"error_code" = ?', filter.errorCode);
    if (filter.overdue !== undefined) add(filter.overdue ? '"last_seen" < ?' : '"last_seen" >= ?', cutoff);
    if (filter.search !== undefined && filter.search !== '') {
      // LIKE's own wildcards in the search text are matched literally.
      const pattern = `%${filter.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      add(`(LOWER("station_id") LIKE ? ESCAPE '\\' OR LOWER(COALESCE("machine_name", '')) LIKE ? ESCAPE '\\' OR LOWER("host_name") LIKE ? ESCAPE '\\')`, pattern, pattern, pattern);
    }
    return { where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
  }

  async function stations(filter: StationFilter, now: Date, overdueAfterMs: number): Promise<StationView[]> {
    const cutoff = new Date(now.getTime() - overdueAfterMs).toISOString();
    const { where, params } = stationWhere(filter, cutoff);
    const limit = Math.min(Math.max(filter.limit ?? 100_000, 0), 100_000);
    const offset = Math.max(filter.offset ?? 0, 0);
    const rows = await query<Record<string, unknown>>(
      dataSource,
      `SELECT * FROM "fleet_station" ${where} ORDER BY "last_seen" DESC, "station_id" LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    return rows.map((row) => toStationView(row, cutoff));
  }

  async function summary(now: Date, overdueAfterMs: number): Promise<FleetSummary> {
    const cutoff = new Date(now.getTime() - overdueAfterMs).toISOString();
    const dayAgo = new Date(now.getTime() - 24 * 3600 * 1000).toISOString();
    const countOf = (rows: { key: string | null; n: unknown }[]): Record<string, number> =>
      Object.fromEntries(rows.map((row) => [row.key ?? '(none)', Number(row.n)]));
    const [totals, versions, states, failures] = await Promise.all([
      query<{ n: unknown; overdue: unknown }>(
        dataSource,
        `SELECT COUNT(*) AS "n", COALESCE(SUM(CASE WHEN "last_seen" < ? THEN 1 ELSE 0 END), 0) AS "overdue" FROM "fleet_station"`,
        [cutoff],
      ),
      query<{ key: string | null; n: unknown }>(dataSource, `SELECT "installed_version" AS "key", COUNT(*) AS "n" FROM "fleet_station" GROUP BY "installed_version"`),
      query<{ key: string | null; n: unknown }>(dataSource, `SELECT "state" AS "key", COUNT(*) AS "n" FROM "fleet_station" GROUP BY "state"`),
      query<{ key: string | null; n: unknown }>(
        dataSource,
        `SELECT "error_code" AS "key", COUNT(*) AS "n" FROM "fleet_report" WHERE "at" >= ? AND "at" <= ? AND "error_code" IS NOT NULL GROUP BY "error_code"`,
        [dayAgo, now.toISOString()],
      ),
    ]);
    return {
      stations: Number(totals[0]?.n ?? 0),
      versions: countOf(versions),
      states: countOf(states),
      failures24h: countOf(failures),
      overdue: Number(totals[0]?.overdue ?? 0),
      at: now.toISOString(),
      overdueAfterMs,
    };
  }

  async function history(stationId: string, limit: number): Promise<StoredReport[]> {
    const rows = await query<Record<string, unknown>>(
      dataSource,
      `SELECT * FROM "fleet_report" WHERE "station_id" = ? ORDER BY "seq" DESC LIMIT ${Math.min(Math.max(limit, 0), 10_000)}`,
      [stationId.toLowerCase()],
    );
    return rows.map(toStoredReport);
  }

  async function upgradeReports(): Promise<Array<FleetEventFields & { stationId: string }>> {
    const rows = await query<Record<string, unknown>>(
      dataSource,
      // A version whose rollout a person resumed counts only the reports received since (fleet_rollout_count).
      `SELECT DISTINCT r."station_id", r."announced_version", r."installed_version", r."exit_code", r."error_code", r."phase" FROM "fleet_report" r
        LEFT JOIN "fleet_rollout_count" c ON c."version" = r."announced_version"
        WHERE r."phase" IS NOT NULL AND (c."counted_from" IS NULL OR r."received_at" >= c."counted_from")`,
    );
    return rows.map((row) => ({
      stationId: str(row.station_id),
      announcedVersion: strOrNull(row.announced_version),
      installedVersion: strOrNull(row.installed_version),
      exitCode: Number(row.exit_code),
      errorCode: strOrNull(row.error_code),
      phase: strOrNull(row.phase),
    }));
  }

  async function countRolloutFrom(version: string, since: Date): Promise<void> {
    await query(
      dataSource,
      `INSERT INTO "fleet_rollout_count" ("version", "counted_from") VALUES (?, ?) ON CONFLICT ("version") DO UPDATE SET "counted_from" = excluded."counted_from"`,
      [version, since.toISOString()],
    );
  }

  return {
    ingest,
    stations,
    summary,
    history,
    upgradeReports,
    countRolloutFrom,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

// Columns are text or numbers; anything else would be a driver surprise, shown as JSON.
const str = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value));
const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : str(value));

function toStationView(row: Record<string, unknown>, cutoff: string): StationView {
  return {
    stationId: str(row.station_id),
    machineName: strOrNull(row.machine_name),
    keyIndex: strOrNull(row.key_index),
    hostName: str(row.host_name),
    installedVersion: strOrNull(row.installed_version),
    announcedVersion: strOrNull(row.announced_version),
    state: str(row.state),
    lastExitCode: Number(row.exit_code),
    lastErrorCode: strOrNull(row.error_code),
    lastPhase: strOrNull(row.phase),
    lastSeen: str(row.last_seen),
    lastEventAt: str(row.last_at),
    reports: Number(row.reports),
    dropped: Number(row.dropped),
    overdue: str(row.last_seen) < cutoff,
  };
}

function toStoredReport(row: Record<string, unknown>): StoredReport {
  return {
    stationId: str(row.station_id),
    eventId: str(row.event_id),
    seq: Number(row.seq),
    at: str(row.at),
    receivedAt: str(row.received_at),
    command: str(row.command),
    hostName: str(row.host_name),
    machineName: strOrNull(row.machine_name),
    keyIndex: strOrNull(row.key_index),
    upgraderVersion: str(row.upgrader_version),
    installedVersion: strOrNull(row.installed_version),
    announcedVersion: strOrNull(row.announced_version),
    state: str(row.state),
    exitCode: Number(row.exit_code),
    errorCode: strOrNull(row.error_code),
    bytesFetched: Number(row.bytes_fetched),
    durationMs: Number(row.duration_ms),
    phase: strOrNull(row.phase),
    bytesReused: Number(row.bytes_reused),
    rolloutIgnored: Number(row.rollout_ignored) === 1,
  };
}
