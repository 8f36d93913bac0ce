// The station's fleet outbox in .upgrade/state.db: a stable station id, order, caps by count and
// age (dropped events counted), deletion only on acknowledgement, and the same rules in the fake.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryOutbox, openSqliteOutbox, openSqliteSnapshotStore, planOutboxTrim, type Outbox, type OutboxCaps } from '../../src/persistence/index.js';
import { fleetEvent } from '../fleet/fleet-fixtures.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

async function stateDb(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rcu-outbox-'));
  dirs.push(dir);
  return path.join(dir, '.upgrade', 'state.db');
}

const event = (n: number) => {
  const { seq: _seq, ...rest } = fleetEvent({ hostName: `run-${n}` });
  return rest;
};

describe('planOutboxTrim', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const day = 24 * 3600 * 1000;
  const row = (seq: number, ageDays: number) => ({ seq, queuedAt: new Date(now.getTime() - ageDays * day).toISOString() });
  it.each([
    ['nothing over either cap', [row(1, 1), row(2, 0)], { maxEvents: 5, maxAgeMs: 30 * day }, []],
    ['the oldest beyond the count', [row(3, 0), row(1, 0), row(2, 0)], { maxEvents: 2, maxAgeMs: 30 * day }, [1]],
    ['anything past the age', [row(1, 31), row(2, 29), row(3, 40)], { maxEvents: 10, maxAgeMs: 30 * day }, [1, 3]],
    ['both caps at once', [row(1, 0), row(2, 31), row(3, 0), row(4, 0)], { maxEvents: 2, maxAgeMs: 30 * day }, [1, 2]],
  ])('%s', (_name, rows, caps: OutboxCaps, dropped) => {
    expect(planOutboxTrim(rows, caps, now)).toEqual(dropped);
  });
});

function describeOutbox(name: string, open: (caps?: OutboxCaps, now?: () => Date) => Promise<Outbox>): void {
  describe(`Outbox: ${name}`, () => {
    it('queues in order, peeks the oldest first, deletes only what was acknowledged', async () => {
      const outbox = await open();
      for (let n = 1; n <= 5; n += 1) await outbox.enqueue(event(n));
      const first = await outbox.peek(3);
      expect(first.events.map((e) => e.hostName)).toEqual(['run-1', 'run-2', 'run-3']);
      expect(first.events.map((e) => e.seq)).toEqual([...first.events.map((e) => e.seq)].sort((a, b) => a - b));
      await outbox.acknowledge([first.events[0]!.eventId, first.events[1]!.eventId], 0);
      expect((await outbox.peek(10)).events.map((e) => e.hostName)).toEqual(['run-3', 'run-4', 'run-5']);
      expect(await outbox.size()).toBe(3);
      await outbox.close();
    });

    it('drops the oldest beyond the count cap and counts them until a batch carried the count', async () => {
      const outbox = await open({ maxEvents: 3, maxAgeMs: 1e12 });
      for (let n = 1; n <= 7; n += 1) await outbox.enqueue(event(n));
      const batch = await outbox.peek(10);
      expect(batch.events.map((e) => e.hostName)).toEqual(['run-5', 'run-6', 'run-7']);
      expect(batch.dropped).toBe(4);
      await outbox.enqueue(event(8)); // one more dropped while the batch is in flight
      await outbox.acknowledge(batch.events.map((e) => e.eventId), batch.dropped);
      expect(await outbox.peek(10)).toMatchObject({ dropped: 1, events: [{ hostName: 'run-8' }] });
      await outbox.close();
    });

    it('drops events older than the age cap (station clock)', async () => {
      let clock = new Date('2026-11-01T00:00:00Z');
      const outbox = await open({ maxEvents: 100, maxAgeMs: 30 * 24 * 3600 * 1000 }, () => clock);
      await outbox.enqueue(event(1));
      clock = new Date('2026-11-20T00:00:00Z');
      await outbox.enqueue(event(2));
      clock = new Date('2026-12-05T00:00:00Z');
      await outbox.enqueue(event(3));
      expect(await outbox.peek(10)).toMatchObject({ dropped: 1, events: [{ hostName: 'run-2' }, { hostName: 'run-3' }] });
      await outbox.close();
    });
  });
}

describeOutbox('in memory', (caps, now) => Promise.resolve(createMemoryOutbox(caps, now)));
describeOutbox('SQLite state database', async (caps, now) => openSqliteOutbox(await stateDb(), { ...(caps ? { caps } : {}), ...(now ? { now } : {}) }));

describe('Outbox in .upgrade/state.db', () => {
  it('keeps the station id and the queue across reopening, beside the snapshot store', async () => {
    const db = await stateDb();
    const store = await openSqliteSnapshotStore(db);
    await store.setValue('x', '1');
    await store.close();
    const first = await openSqliteOutbox(db);
    const id = await first.stationId();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await first.enqueue(event(1));
    await first.close();
    const again = await openSqliteOutbox(db);
    expect(await again.stationId()).toBe(id);
    expect((await again.peek(5)).events.map((e) => e.hostName)).toEqual(['run-1']);
    await again.close();
    const raw = new Database(db, { readonly: true });
    try {
      expect(raw.prepare('SELECT COUNT(*) AS n FROM upgrader_outbox').get()).toEqual({ n: 1 });
      expect(raw.prepare("SELECT value FROM upgrader_kv WHERE key = 'fleet-station-id'").get()).toEqual({ value: id });
    } finally {
      raw.close();
    }
  });
});
