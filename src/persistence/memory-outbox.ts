// An Outbox kept in memory, for tests of the sender and the runner's hook.
import { randomUUID } from 'node:crypto';
import type { FleetEvent } from '../formats/fleet-report.js';
import { DEFAULT_OUTBOX_CAPS, planOutboxTrim, type Outbox, type OutboxCaps } from './outbox.js';

/** A fresh in-memory outbox with the same caps and order as the SQLite one. */
export function createMemoryOutbox(caps: OutboxCaps = DEFAULT_OUTBOX_CAPS, now: () => Date = () => new Date()): Outbox {
  const id = randomUUID();
  let rows: { seq: number; queuedAt: string; event: FleetEvent }[] = [];
  let nextSeq = 1;
  let dropped = 0;
  return {
    stationId: () => Promise.resolve(id),
    enqueue: (event) => {
      rows.push({ seq: nextSeq, queuedAt: now().toISOString(), event: { ...event, seq: nextSeq } });
      nextSeq += 1;
      const gone = new Set(planOutboxTrim(rows, caps, now()));
      dropped += gone.size;
      rows = rows.filter((row) => !gone.has(row.seq));
      return Promise.resolve();
    },
    peek: (limit) => Promise.resolve({ events: rows.slice(0, Math.max(0, limit)).map((row) => ({ ...row.event })), dropped }),
    acknowledge: (eventIds, droppedSent) => {
      const acked = new Set(eventIds);
      rows = rows.filter((row) => !acked.has(row.event.eventId));
      dropped = Math.max(0, dropped - droppedSent);
      return Promise.resolve();
    },
    size: () => Promise.resolve(rows.length),
    close: () => Promise.resolve(),
  };
}
