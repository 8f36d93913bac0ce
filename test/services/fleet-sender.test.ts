// Delivering the station's outbox to a real fleet service over loopback: acknowledged events leave
// the outbox; a dead service, a silent one, a wrong token or a 500 leave every event queued; a
// station back after a long offline spell delivers its history in order, and a batch sent twice
// (killed before the acknowledgement was recorded) is stored once.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFleetServer, type FleetServer } from '../../src/fleet/fleet-server.js';
import type { FleetStore } from '../../src/fleet/fleet-store.js';
import { fleetDatabaseTarget, openFleetDatabase } from '../../src/fleet/open-fleet-database.js';
import { createTypeormFleetStore } from '../../src/fleet/typeorm-fleet-store.js';
import { openSqliteOutbox, type Outbox } from '../../src/persistence/index.js';
import { createFleetPoster, deliverOutbox } from '../../src/services/fleet-sender.js';
import { fleetEvent } from '../fleet/fleet-fixtures.js';

const TOKEN = 'fleet-token-for-tests';
let dir: string;
let store: FleetStore;
let server: FleetServer;
let outbox: Outbox;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rcu-fleet-send-'));
  store = createTypeormFleetStore(await openFleetDatabase(fleetDatabaseTarget(undefined, path.join(dir, 'service'))));
  server = await startFleetServer({ store, token: TOKEN, port: 0, overdueAfterMs: 3 * 24 * 3600 * 1000 });
  outbox = await openSqliteOutbox(path.join(dir, 'station', '.upgrade', 'state.db'));
});

afterEach(async () => {
  await outbox.close();
  await server.close();
  await store.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const queue = async (n: number, from = 1): Promise<void> => {
  for (let i = from; i < from + n; i += 1) {
    const { seq: _seq, ...event } = fleetEvent({ hostName: `run-${i}` });
    await outbox.enqueue(event);
  }
};

/** A server that accepts connections and never answers. */
async function silentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const silent = http.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => { silent.closeAllConnections(); silent.close(() => resolve()); }),
  };
}

describe('deliverOutbox', () => {
  it('sends everything in batches, oldest first, and empties the outbox', async () => {
    await queue(12);
    const result = await deliverOutbox({ outbox, post: createFleetPoster({ baseUrl: server.url, token: TOKEN }), budgetMs: 10_000, batchSize: 5 });
    expect(result).toEqual({ sent: 12, queued: 0, problem: null });
    const id = await outbox.stationId();
    const history = await store.history(id, 100);
    expect(history.map((r) => r.hostName)).toEqual(Array.from({ length: 12 }, (_, i) => `run-${12 - i}`));
  });

  it('keeps every event queued when the service is down, refuses the token, or fails', async () => {
    await queue(3);
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/`;
    await new Promise((resolve) => dead.close(resolve));
    const down = await deliverOutbox({ outbox, post: createFleetPoster({ baseUrl: deadUrl, token: TOKEN }), budgetMs: 2000 });
    expect(down).toMatchObject({ sent: 0, queued: 3 });
    expect(down.problem).toContain('ECONNREFUSED');
    const wrongToken = await deliverOutbox({ outbox, post: createFleetPoster({ baseUrl: server.url, token: 'nope' }), budgetMs: 2000 });
    expect(wrongToken).toMatchObject({ sent: 0, queued: 3 });
    expect(wrongToken.problem).toContain('HTTP 401');
    expect(wrongToken.problem).not.toContain('nope');
    expect((await store.summary(new Date(), 1)).stations).toBe(0);
  });

  it('gives up on a silent service within its budget, events still queued', async () => {
    await queue(2);
    const silent = await silentServer();
    try {
      const result = await deliverOutbox({ outbox, post: createFleetPoster({ baseUrl: silent.url, token: TOKEN }), budgetMs: 300 });
      expect(result).toMatchObject({ sent: 0, queued: 2 });
      expect(result.problem).toContain('300 ms');
    } finally {
      await silent.close();
    }
  });

  it('delivers a month offline in order when the station comes back; a resent batch is stored once', async () => {
    await queue(40);
    // A run killed after the service stored a batch but before the outbox forgot it sends it again.
    const { events, dropped } = await outbox.peek(10);
    const post = createFleetPoster({ baseUrl: server.url, token: TOKEN });
    expect(await post({ stationId: await outbox.stationId(), dropped, events }, new AbortController().signal)).toEqual({ accepted: 10, duplicates: 0 });
    const result = await deliverOutbox({ outbox, post, budgetMs: 10_000 });
    expect(result).toMatchObject({ sent: 40, queued: 0 });
    const history = await store.history(await outbox.stationId(), 100);
    expect(history).toHaveLength(40);
    expect(history.map((r) => r.seq)).toEqual([...history.map((r) => r.seq)].sort((a, b) => b - a));
    const [station] = await store.stations({}, new Date(), 1e9);
    expect(station?.reports).toBe(40);
    expect(station?.hostName).toBe('run-40');
  });
});
