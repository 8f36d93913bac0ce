// The contract of the station's fleet outbox (DESIGN §13): reports wait here, in the state
// database, until the fleet service acknowledges them. Capped by count and age; what the cap drops
// is counted and reported with the next batch.
import type { FleetEvent } from '../formats/fleet-report.js';

/** Caps of the outbox: the oldest events beyond either are dropped (and counted). */
export interface OutboxCaps {
  /** Most events kept. Default 10 000. */
  maxEvents: number;
  /** Oldest event kept, by the station's clock, in ms. Default 30 days. */
  maxAgeMs: number;
}

/** The defaults of the issue: 10 000 events or 30 days. */
export const DEFAULT_OUTBOX_CAPS: OutboxCaps = { maxEvents: 10_000, maxAgeMs: 30 * 24 * 3600 * 1000 };

/** What is waiting to be sent: the oldest events first, and how many were dropped since the last ack. */
export interface OutboxBatch {
  events: FleetEvent[];
  dropped: number;
}

/** The station's outbox. */
export interface Outbox {
  /** The station's UUID: created on first use and kept in the state database. */
  stationId(): Promise<string>;
  /** Queues an event (its seq is assigned here), then applies the caps; one transaction. */
  enqueue(event: Omit<FleetEvent, 'seq'>): Promise<void>;
  /** Up to `limit` of the oldest queued events, in order. */
  peek(limit: number): Promise<OutboxBatch>;
  /** Deletes acknowledged events and subtracts the dropped count that went with them; one transaction. */
  acknowledge(eventIds: string[], droppedSent: number): Promise<void>;
  /** Number of queued events. */
  size(): Promise<number>;
  close(): Promise<void>;
}

/** Which queued events a cap drops: the oldest beyond `maxEvents`, and any older than `maxAgeMs`. Pure. */
export function planOutboxTrim(
  queued: { seq: number; queuedAt: string }[],
  caps: OutboxCaps,
  now: Date,
): number[] {
  const oldestKept = now.getTime() - caps.maxAgeMs;
  const bySeq = [...queued].sort((a, b) => a.seq - b.seq);
  const overCount = Math.max(0, bySeq.length - caps.maxEvents);
  return bySeq.filter((row, index) => index < overCount || Date.parse(row.queuedAt) < oldestKept).map((row) => row.seq);
}
