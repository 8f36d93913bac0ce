// The contract of the fleet service's storage (DESIGN §13): ingest batches idempotently, answer
// "which station runs what", "what failed" and "who went quiet". Time comes in as an argument: the
// service's clock judges overdue, never a station's.
import type { FleetAck, FleetBatch, FleetEvent } from '../formats/fleet-report.js';
import type { FleetEventFields } from '../rollout/tally-rollout.js';

/** One station as `GET /fleet/v1/stations` lists it. */
export interface StationView {
  stationId: string;
  machineName: string | null;
  keyIndex: string | null;
  hostName: string;
  installedVersion: string | null;
  announcedVersion: string | null;
  state: string;
  lastExitCode: number;
  lastErrorCode: string | null;
  lastPhase: string | null;
  /** When the service last heard from the station (service clock, ISO-8601). */
  lastSeen: string;
  /** When the station's latest event happened (station clock). */
  lastEventAt: string;
  /** Reports stored for the station. */
  reports: number;
  /** Events the station's outbox dropped (cap reached), as it reported. */
  dropped: number;
  overdue: boolean;
}

/** `GET /fleet/v1/summary`. */
export interface FleetSummary {
  stations: number;
  versions: Record<string, number>;
  states: Record<string, number>;
  /** Reports with an error code whose event happened in the last 24 h, by error code. */
  failures24h: Record<string, number>;
  overdue: number;
  /** The service's clock when the summary was made. */
  at: string;
  overdueAfterMs: number;
}

/** Filters of the station list. */
export interface StationFilter {
  version?: string;
  state?: string;
  errorCode?: string;
  overdue?: boolean;
  /** Part of the station id, machine name or host name (case-insensitive). */
  search?: string;
  limit?: number;
  offset?: number;
}

/** One stored report of a station (its history). */
export type StoredReport = FleetEvent & { stationId: string; receivedAt: string };

/** Storage of the fleet service. */
export interface FleetStore {
  /** Stores a validated batch in one transaction (shared with batches that arrived meanwhile); events already stored are counted as duplicates. */
  ingest(batch: FleetBatch, receivedAt: Date): Promise<FleetAck>;
  stations(filter: StationFilter, now: Date, overdueAfterMs: number): Promise<StationView[]>;
  summary(now: Date, overdueAfterMs: number): Promise<FleetSummary>;
  /** A station's reports, newest first. */
  history(stationId: string, limit: number): Promise<StoredReport[]>;
  /** The distinct outcomes of every run that reached an upgrade phase, per station (since the last resume of its version): what a rollout monitor counts, rebuilt at start. */
  upgradeReports(): Promise<Array<FleetEventFields & { stationId: string }>>;
  /** A person resumed the rollout of `version`: from now on (and after a restart) only reports received since `since` count for it. */
  countRolloutFrom(version: string, since: Date): Promise<void>;
  close(): Promise<void>;
}
