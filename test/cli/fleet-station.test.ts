// A station reporting to a real fleet service through the built CLI: the report after `start`
// (MOSIP machine name and key index included), a dead service that changes neither the exit code
// nor the output, the queue delivered in order once the service is back, and a run killed while
// sending that loses nothing and is counted once.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFleetServer, type FleetServer } from '../../src/fleet/fleet-server.js';
import type { FleetStore } from '../../src/fleet/fleet-store.js';
import { fleetDatabaseTarget, openFleetDatabase } from '../../src/fleet/open-fleet-database.js';
import { createTypeormFleetStore } from '../../src/fleet/typeorm-fleet-store.js';
import { validateFleetBatch } from '../../src/formats/fleet-report.js';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { bytesFor, installStation, publish, runCli, tempDir } from '../helpers/station.js';

const TOKEN = 'station-fleet-token-9d2e';
let root: string;
let client: string;
let work: string;
let tokenFile: string;
let releases: StaticServer;
let store: FleetStore;
let fleet: FleetServer;

const release = (version: string) => ({
  'registration-client-1.0.0.jar': bytesFor(`client-${version}`, 20_000),
  'registration-services-1.0.0.jar': bytesFor(`services-${version}`, 20_000),
});

beforeEach(async () => {
  work = await tempDir('rcu-fleet-cli-');
  root = path.join(work, 'root');
  client = path.join(work, 'station');
  await publish(root, '1.0.0', release('1.0.0'));
  await installStation(root, '1.0.0', client);
  await publish(root, '1.1.0', release('1.1.0'));
  await fs.mkdir(path.join(client, '.mosipkeys'));
  await fs.writeFile(path.join(client, '.mosipkeys', 'readme.txt'), 'Machine Name: m-station-42\r\nPublic Key: MIIBIjAN\r\nKey Index: 6A:2F:90:11\r\n');
  tokenFile = path.join(work, 'fleet.token');
  await fs.writeFile(tokenFile, `${TOKEN}\n`);
  releases = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
  store = createTypeormFleetStore(await openFleetDatabase(fleetDatabaseTarget(undefined, path.join(work, 'fleet'))));
  fleet = await startFleetServer({ store, token: TOKEN, port: 0, overdueAfterMs: 3 * 86_400_000 });
});

afterEach(async () => {
  await fleet.close();
  await store.close();
  await releases.close();
  await fs.rm(work, { recursive: true, force: true });
});

const start = (fleetUrl: string, extra: Parameters<typeof runCli>[1] = {}) =>
  runCli(
    ['start', '--client-dir', client, '--server-url', `${releases.url}registration-client/`, '--fleet-url', fleetUrl, '--fleet-token-file', tokenFile, '--json'],
    extra,
  );

function outbox(): { eventId: string; seq: number }[] {
  const db = new Database(path.join(client, '.upgrade', 'state.db'), { readonly: true });
  try {
    return (db.prepare('SELECT event_id AS eventId, seq FROM upgrader_outbox ORDER BY seq').all() as { eventId: string; seq: number }[]);
  } finally {
    db.close();
  }
}

async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  await new Promise((resolve) => server.close(resolve));
  return url;
}

describe('a station reports to the fleet', () => {
  it('after `start`: which version it runs, what is announced, its MOSIP name and key index', async () => {
    const run = await start(fleet.url);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ state: 'upgradeAvailable', installedVersion: '1.0.0', latestVersion: '1.1.0' });
    const [station] = await store.stations({}, new Date(), 3 * 86_400_000);
    expect(station).toMatchObject({
      machineName: 'm-station-42',
      keyIndex: '6A:2F:90:11',
      installedVersion: '1.0.0',
      announcedVersion: '1.1.0',
      state: 'upgradeAvailable',
      lastExitCode: 0,
      lastErrorCode: null,
      reports: 1,
      overdue: false,
    });
    expect(outbox()).toEqual([]);
    const log = await fs.readFile(path.join(client, 'registration.log'), 'utf8');
    expect(log).toContain('fleet: 1 report(s) delivered');
    expect(log).not.toContain(TOKEN);
    // The same station id on the next run.
    await start(fleet.url);
    expect((await store.stations({}, new Date(), 1e9)).map((s) => s.reports)).toEqual([2]);
  });

  it('with the service down: same exit code and JSON, the report stays queued, then the queue arrives in order', async () => {
    const dead = await deadUrl();
    const quiet = await start(dead);
    const reference = await runCli(['start', '--client-dir', client, '--server-url', `${releases.url}registration-client/`, '--json']);
    expect(quiet.code).toBe(reference.code);
    expect(Object.keys(quiet.json ?? {})).toEqual(Object.keys(reference.json ?? {}));
    expect(quiet.json?.state).toBe(reference.json?.state);
    expect(outbox()).toHaveLength(2);
    const log = await fs.readFile(path.join(client, 'registration.log'), 'utf8');
    expect(log).toMatch(/fleet: 0 report\(s\) delivered, 1 still queued: .*ECONNREFUSED/);
    const text = await runCli(['start', '--client-dir', client, '--server-url', `${releases.url}registration-client/`, '--fleet-url', dead, '--fleet-token-file', tokenFile]);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain('still queued');
    expect(outbox()).toHaveLength(3);
    const queued = outbox();
    const back = await start(fleet.url);
    expect(back.code).toBe(0);
    expect(outbox()).toEqual([]);
    const [station] = await store.stations({}, new Date(), 1e9);
    expect(station?.reports).toBe(4);
    const history = await store.history(station!.stationId, 10);
    expect(history.slice(1).map((r) => r.eventId).reverse()).toEqual(queued.map((q) => q.eventId));
  });

  it('a run killed after the service stored its batch (no acknowledgement) resends it, and it is stored once', async () => {
    // Stores every batch it gets, never answers: the station is killed while it waits.
    let stored = 0;
    const swallow = http.createServer((request) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const checked = validateFleetBatch(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if ('batch' in checked) void store.ingest(checked.batch, new Date()).then(() => (stored += 1));
      });
    });
    await new Promise<void>((resolve) => swallow.listen(0, '127.0.0.1', resolve));
    try {
      const killed = await start(`http://127.0.0.1:${(swallow.address() as AddressInfo).port}/`, { killWhen: { when: () => stored > 0, afterMs: 0 } });
      expect(killed.signal).toBe('SIGKILL');
    } finally {
      swallow.closeAllConnections();
      await new Promise((resolve) => swallow.close(resolve));
    }
    expect(outbox()).toHaveLength(1);
    const again = await start(fleet.url);
    expect(again.code).toBe(0);
    expect(outbox()).toEqual([]);
    const [station] = await store.stations({}, new Date(), 1e9);
    expect(station?.reports).toBe(2);
    expect(await store.history(station!.stationId, 10)).toHaveLength(2);
  });
});
