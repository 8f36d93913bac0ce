// The FleetStore contract, written once and run against SQLite and PostgreSQL.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetStore } from '../../src/fleet/fleet-store.js';
import { fleetBatch, fleetEvent } from './fleet-fixtures.js';

const DAY = 24 * 3600 * 1000;
const NOW = new Date('2026-12-01T12:00:00.000Z');
const ago = (ms: number): Date => new Date(NOW.getTime() - ms);

/** Runs the contract; `open` makes a fresh, empty store for each test. */
export function describeFleetStoreContract(name: string, open: () => Promise<FleetStore>): void {
  describe(`FleetStore contract: ${name}`, () => {
    let store: FleetStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('stores a batch once: the same event ids again are duplicates and change nothing', async () => {
      const station = randomUUID();
      const events = [1, 2, 3].map((seq) => fleetEvent({ seq, at: ago(DAY / 2 - seq).toISOString() }));
      expect(await store.ingest(fleetBatch(station, events), ago(1000))).toEqual({ accepted: 3, duplicates: 0 });
      expect(await store.ingest(fleetBatch(station, events), NOW)).toEqual({ accepted: 0, duplicates: 3 });
      const extra = fleetEvent({ seq: 4 });
      expect(await store.ingest(fleetBatch(station, [events[0]!, extra]), NOW)).toEqual({ accepted: 1, duplicates: 1 });
      const [row] = await store.stations({}, NOW, 3 * DAY);
      expect(row).toMatchObject({ stationId: station, reports: 4, lastSeen: NOW.toISOString(), overdue: false });
      const history = await store.history(station, 100);
      expect(history.map((report) => report.seq)).toEqual([4, 3, 2, 1]);
      expect(history[0]).toMatchObject({ eventId: extra.eventId, receivedAt: NOW.toISOString(), installedVersion: '1.1.5.5' });
    });

    it("keeps a station at its newest report (highest seq) whatever order batches arrive in", async () => {
      const station = randomUUID();
      await store.ingest(fleetBatch(station, [fleetEvent({ seq: 7, installedVersion: '1.2.0.1', state: 'ready' })]), ago(2000));
      await store.ingest(
        fleetBatch(station, [fleetEvent({ seq: 3, installedVersion: '1.1.5.5', state: 'failed', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED' })]),
        ago(1000),
      );
      const [row] = await store.stations({}, NOW, 3 * DAY);
      expect(row).toMatchObject({ installedVersion: '1.2.0.1', state: 'ready', lastExitCode: 0, lastErrorCode: null, reports: 2 });
      expect(row?.lastSeen).toBe(ago(1000).toISOString());
    });

    it('lists stations by version, state, error code, overdue (service clock) and search text', async () => {
      const a = randomUUID();
      const b = randomUUID();
      const c = randomUUID();
      await store.ingest(fleetBatch(a, [fleetEvent({ hostName: 'Kiosk_A%1', machineName: 'M-100', installedVersion: '1.1.5.5', state: 'upgradeAvailable' })]), ago(DAY));
      await store.ingest(
        fleetBatch(b, [fleetEvent({ hostName: 'kiosk-b', installedVersion: '1.1.5.5', state: 'failed', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED', phase: 'dbUpgrade' })]),
        ago(DAY),
      );
      // Its own clock says "now", but the service last heard from it a week ago.
      await store.ingest(fleetBatch(c, [fleetEvent({ hostName: 'far', installedVersion: '1.2.0.1', state: 'ready', at: NOW.toISOString() })]), ago(7 * DAY));
      const ids = async (filter: Parameters<FleetStore['stations']>[0]): Promise<string[]> =>
        (await store.stations(filter, NOW, 3 * DAY)).map((row) => row.stationId).sort();
      expect(await ids({ version: '1.1.5.5' })).toEqual([a, b].sort());
      expect(await ids({ state: 'failed' })).toEqual([b]);
      expect(await ids({ errorCode: 'DB_UPGRADE_FAILED' })).toEqual([b]);
      expect(await ids({ overdue: true })).toEqual([c]);
      expect(await ids({ overdue: false, version: '1.1.5.5' })).toEqual([a, b].sort());
      expect(await ids({ search: 'm-100' })).toEqual([a]);
      expect(await ids({ search: 'a%1' })).toEqual([a]);
      expect(await ids({ search: '%' })).toEqual([a]);
      expect(await ids({ search: c.slice(0, 13).toUpperCase() })).toEqual([c]);
      expect(await ids({ limit: 2 })).toHaveLength(2);
      const [failed] = await store.stations({ state: 'failed' }, NOW, 3 * DAY);
      expect(failed).toMatchObject({ lastPhase: 'dbUpgrade', lastExitCode: 30, overdue: false });
    });

    it('summarises versions, states, failures of the last 24 h by error code, and overdue stations', async () => {
      const stations = Array.from({ length: 5 }, () => randomUUID());
      const [s0, s1, s2, s3, s4] = stations as [string, string, string, string, string];
      await store.ingest(fleetBatch(s0, [fleetEvent({ installedVersion: '1.2.0.1', state: 'ready' })]), ago(1000));
      await store.ingest(fleetBatch(s1, [fleetEvent({ installedVersion: '1.2.0.1', state: 'ready' })]), ago(4 * DAY));
      await store.ingest(
        fleetBatch(s2, [
          fleetEvent({ seq: 1, state: 'failed', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED', at: ago(2 * DAY).toISOString() }),
          fleetEvent({ seq: 2, state: 'failed', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED', at: ago(3600_000).toISOString() }),
          fleetEvent({ seq: 3, state: 'failed', exitCode: 21, errorCode: 'PATCH_DOWNLOAD_FAILED', at: ago(60_000).toISOString() }),
        ]),
        ago(1000),
      );
      await store.ingest(fleetBatch(s3, [fleetEvent({ state: 'failed', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED', at: ago(7200_000).toISOString() })]), ago(1000));
      await store.ingest(fleetBatch(s4, [fleetEvent({ installedVersion: null, state: 'failed', exitCode: 64, errorCode: 'CONFIG_INVALID', at: ago(2 * DAY).toISOString() })]), ago(1000));
      const summary = await store.summary(NOW, 3 * DAY);
      expect(summary).toMatchObject({
        stations: 5,
        versions: { '1.2.0.1': 2, '1.1.5.5': 2, '(none)': 1 },
        states: { ready: 2, failed: 3 },
        failures24h: { DB_UPGRADE_FAILED: 2, PATCH_DOWNLOAD_FAILED: 1 },
        overdue: 1,
        at: NOW.toISOString(),
      });
    });

    it('stores SQL-looking and odd text as inert text', async () => {
      const station = randomUUID();
      const hostile = `x'); DROP TABLE "fleet_station"; -- ? $1 \\ ☃`;
      await store.ingest(fleetBatch(station, [fleetEvent({ hostName: hostile, machineName: "'; DELETE FROM fleet_report; --", state: 'ready' })]), NOW);
      const [row] = await store.stations({ search: 'drop table' }, NOW, 3 * DAY);
      expect(row).toMatchObject({ hostName: hostile, machineName: "'; DELETE FROM fleet_report; --" });
      expect(await store.history(station, 10)).toHaveLength(1);
      expect((await store.summary(NOW, 3 * DAY)).stations).toBe(1);
    });

    it('adds up the events stations report as dropped by their outbox caps', async () => {
      const station = randomUUID();
      await store.ingest(fleetBatch(station, [fleetEvent({ seq: 1 })], 40), NOW);
      await store.ingest(fleetBatch(station, [fleetEvent({ seq: 2 })], 2), NOW);
      const [row] = await store.stations({}, NOW, 3 * DAY);
      expect(row?.dropped).toBe(42);
    });

    it('takes concurrent batches of many stations without losing one', async () => {
      const stations = Array.from({ length: 40 }, () => randomUUID());
      await Promise.all(
        stations.map((station) => store.ingest(fleetBatch(station, [1, 2, 3].map((seq) => fleetEvent({ seq }))), NOW)),
      );
      const summary = await store.summary(NOW, 3 * DAY);
      expect(summary.stations).toBe(40);
      const rows = await store.stations({}, NOW, 3 * DAY);
      expect(rows.every((row) => row.reports === 3)).toBe(true);
    });

    it('takes concurrent batches of one station, one event sent twice: stored once, its row at the newest seq', async () => {
      const station = randomUUID();
      const shared = fleetEvent({ seq: 2 });
      const batches = [
        fleetBatch(station, [fleetEvent({ seq: 1 }), shared], 1),
        fleetBatch(station, [shared, fleetEvent({ seq: 5, installedVersion: '1.2.0.1', state: 'ready' })], 2),
        fleetBatch(station, [fleetEvent({ seq: 3, state: 'failed', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED' })]),
      ];
      const acks = await Promise.all(batches.map((batch) => store.ingest(batch, NOW)));
      expect(acks.reduce((sum, ack) => sum + ack.accepted, 0)).toBe(4);
      expect(acks.reduce((sum, ack) => sum + ack.duplicates, 0)).toBe(1);
      const [row] = await store.stations({}, NOW, 3 * DAY);
      expect(row).toMatchObject({ stationId: station, reports: 4, dropped: 3, installedVersion: '1.2.0.1', state: 'ready' });
      expect((await store.history(station, 10)).map((report) => report.seq)).toEqual([5, 3, 2, 1]);
    });

    it('gives back the distinct outcomes of upgrade runs (what a rollout monitor counts at start)', async () => {
      const failing = randomUUID();
      const upgraded = randomUUID();
      const failedRun = { announcedVersion: '1.2.0.2', installedVersion: '1.2.0.1', state: 'failed', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED', phase: 'rollback' };
      // The same failure three times (a station relaunching) is one row; a run with no phase is none.
      await store.ingest(fleetBatch(failing, [1, 2, 3].map((seq) => fleetEvent({ seq, ...failedRun }))), NOW);
      await store.ingest(fleetBatch(upgraded, [fleetEvent({ seq: 1 }), fleetEvent({ seq: 2, installedVersion: '1.2.0.2', announcedVersion: '1.2.0.2', state: 'done', phase: 'done' })]), NOW);
      const rows = await store.upgradeReports();
      expect(rows).toHaveLength(2);
      expect(rows).toEqual(
        expect.arrayContaining([
          { stationId: failing, announcedVersion: '1.2.0.2', installedVersion: '1.2.0.1', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED', phase: 'rollback' },
          { stationId: upgraded, announcedVersion: '1.2.0.2', installedVersion: '1.2.0.2', exitCode: 0, errorCode: null, phase: 'done' },
        ]),
      );
    });

    it('after a resume, counts a version only from the reports received since (and other versions as before)', async () => {
      const [early, late, other] = [randomUUID(), randomUUID(), randomUUID()];
      const failedRun = { announcedVersion: '1.2.0.3', installedVersion: '1.2.0.1', state: 'failed', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED', phase: 'rollback' };
      await store.ingest(fleetBatch(early, [fleetEvent({ seq: 1, ...failedRun })]), ago(2000));
      await store.ingest(fleetBatch(other, [fleetEvent({ seq: 1, ...failedRun, announcedVersion: '1.2.0.4' })]), ago(2000));
      await store.countRolloutFrom('1.2.0.3', ago(1000));
      await store.ingest(fleetBatch(late, [fleetEvent({ seq: 1, ...failedRun })]), ago(1000));
      const counted = (await store.upgradeReports()).map((row) => `${row.announcedVersion ?? ''} ${row.stationId}`).sort();
      expect(counted).toEqual([`1.2.0.3 ${late}`, `1.2.0.4 ${other}`].sort());
      // A second resume moves the start again; the first no longer matters.
      await store.countRolloutFrom('1.2.0.3', NOW);
      expect((await store.upgradeReports()).map((row) => row.stationId)).toEqual([other]);
    });
  });
}
