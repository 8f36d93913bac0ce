// The fleet service's HTTP API on a real socket, with the embedded SQLite store: the token, the
// batch limits and schema (a bad batch stores nothing), duplicates, the station list and summary,
// and hostile input stored as inert text or refused.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFleetServer, type FleetServer } from '../../src/fleet/fleet-server.js';
import type { FleetStore } from '../../src/fleet/fleet-store.js';
import { fleetDatabaseTarget, openFleetDatabase } from '../../src/fleet/open-fleet-database.js';
import { createTypeormFleetStore } from '../../src/fleet/typeorm-fleet-store.js';
import { FLEET_LIMITS } from '../../src/formats/fleet-report.js';
import { fleetBatch, fleetEvent } from './fleet-fixtures.js';

const TOKEN = 'tok-3f1c9a7e5b2d4c6a8e0f';
let dir: string;
let store: FleetStore;
let server: FleetServer;
const lines: string[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rcu-fleet-http-'));
  store = createTypeormFleetStore(await openFleetDatabase(fleetDatabaseTarget(undefined, dir)));
  server = await startFleetServer({ store, token: TOKEN, port: 0, overdueAfterMs: 3 * 24 * 3600 * 1000, log: (line) => lines.push(line) });
});

afterEach(async () => {
  await server.close();
  await store.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function post(body: unknown, token: string | null = TOKEN, type = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(new URL('fleet/v1/reports', server.url), {
    method: 'POST',
    headers: { 'content-type': type, ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function get<T>(route: string): Promise<{ status: number; json: T }> {
  const response = await fetch(new URL(route, server.url));
  return { status: response.status, json: (await response.json()) as T };
}

async function storedStations(): Promise<number> {
  return (await get<{ stations: number }>('fleet/v1/summary')).json.stations;
}

describe('fleet service API', () => {
  it('stores a batch with the token, ignores it the second time, and lists the station', async () => {
    const station = randomUUID();
    const batch = fleetBatch(station, [fleetEvent({ seq: 1 }), fleetEvent({ seq: 2, state: 'failed', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED' })]);
    expect(await post(batch)).toEqual({ status: 200, json: { accepted: 2, duplicates: 0 } });
    expect(await post(batch)).toEqual({ status: 200, json: { accepted: 0, duplicates: 2 } });
    const list = await get<{ stationId: string; state: string; reports: number; lastErrorCode: string }[]>('fleet/v1/stations?state=failed');
    expect(list.json).toMatchObject([{ stationId: station, state: 'failed', reports: 2, lastErrorCode: 'DB_UPGRADE_FAILED' }]);
    expect((await get<unknown[]>('fleet/v1/stations?state=ready&overdue=false')).json).toEqual([]);
    // Started without a rollout monitor: it watches no rollout.
    expect(await get('fleet/v1/rollout')).toEqual({ status: 200, json: null });
    const summary = await get<Record<string, unknown>>('fleet/v1/summary');
    expect(summary.json).toMatchObject({ stations: 1, versions: { '1.1.5.5': 1 }, states: { failed: 1 }, failures24h: { DB_UPGRADE_FAILED: 1 }, overdue: 0 });
    const history = await get<{ seq: number }[]>(`fleet/v1/stations/${station}/reports`);
    expect(history.json.map((r) => r.seq)).toEqual([2, 1]);
  });

  it('refuses reports without the right token (a forged station id stores nothing), and never logs the token', async () => {
    const batch = fleetBatch(randomUUID(), [fleetEvent()]);
    expect((await post(batch, null)).status).toBe(401);
    expect((await post(batch, 'tok-3f1c9a7e5b2d4c6a8e0g')).status).toBe(401);
    expect((await post(batch, `${TOKEN}x`)).status).toBe(401);
    expect((await post(batch, '')).status).toBe(401);
    expect(await storedStations()).toBe(0);
    expect(lines.join('\n')).not.toContain(TOKEN);
    expect(lines.some((line) => line.includes('POST /fleet/v1/reports 401'))).toBe(true);
  });

  it.each([
    ['not JSON', '{"stationId":'],
    ['an array', '[]'],
    ['an unknown batch field', { stationId: randomUUID(), dropped: 0, events: [fleetEvent()], admin: true }],
    ['an unknown event field', { stationId: randomUUID(), dropped: 0, events: [{ ...fleetEvent(), sql: 'DROP' }] }],
    ['a station id that is not a UUID', { stationId: "1' OR '1'='1", dropped: 0, events: [fleetEvent()] }],
    ['an exit code as text', { stationId: randomUUID(), dropped: 0, events: [{ ...fleetEvent(), exitCode: '0' }] }],
    ['a negative byte count', { stationId: randomUUID(), dropped: 0, events: [{ ...fleetEvent(), bytesFetched: -1 }] }],
    ['a missing field', { stationId: randomUUID(), dropped: 0, events: [(({ state: _s, ...rest }) => rest)(fleetEvent())] }],
    ['a time that is not a time', { stationId: randomUUID(), dropped: 0, events: [{ ...fleetEvent(), at: 'yesterday' }] }],
    ['an oversized text', { stationId: randomUUID(), dropped: 0, events: [{ ...fleetEvent(), hostName: 'h'.repeat(FLEET_LIMITS.maxText + 1) }] }],
    ['no events', { stationId: randomUUID(), dropped: 0, events: [] }],
    ['one id twice', ((e) => ({ stationId: randomUUID(), dropped: 0, events: [e, { ...e, seq: 2 }] }))(fleetEvent())],
    ['a good event and a bad one', { stationId: randomUUID(), dropped: 0, events: [fleetEvent(), { ...fleetEvent(), seq: 1.5 }] }],
  ])('refuses a batch with %s: 400 and nothing stored', async (_name, body) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect((answer.json.error as { code: string }).code).toBe('BAD_BATCH');
    expect(await storedStations()).toBe(0);
  });

  it('refuses an oversized batch (413) and too many events (400), storing nothing', async () => {
    const huge = fleetBatch(randomUUID(), [fleetEvent()]);
    const padded = JSON.stringify(huge).replace('{', `{"pad":"${'x'.repeat(FLEET_LIMITS.maxBodyBytes)}",`);
    expect((await post(padded)).status).toBe(413);
    const many = fleetBatch(randomUUID(), Array.from({ length: FLEET_LIMITS.maxEvents + 1 }, (_, seq) => fleetEvent({ seq })));
    expect((await post(many)).status).toBe(400);
    expect((await post(fleetBatch(randomUUID(), [fleetEvent()]), TOKEN, 'text/plain')).status).toBe(415);
    expect(await storedStations()).toBe(0);
  });

  it('answers bad queries with 400 and serves the page offline', async () => {
    expect((await get('fleet/v1/stations?overdue=maybe')).status).toBe(400);
    expect((await get('fleet/v1/stations?limit=-1')).status).toBe(400);
    expect((await get('fleet/v1/stations?drop=1')).status).toBe(400);
    expect((await get("fleet/v1/stations?version=1'%20OR%20'1'%3D'1")).json).toEqual([]);
    const page = await fetch(new URL('fleet/', server.url));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await page.text()).not.toMatch(/https?:\/\//);
  });
});
