// What a station's fleet report carries beyond the basics, through the real delivery path
// (reportToFleet → https or http → the fleet service → its database): the CA file the downloads
// trust (reg.upgrader.ca-file) is trusted for the fleet service too; bytes reused by differential
// downloads and a version taken with --ignore-rollout are stored and read back; reports of older
// stations without those fields are still taken.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startFleetServer, type FleetServer } from '../../src/fleet/fleet-server.js';
import type { FleetStore } from '../../src/fleet/fleet-store.js';
import { fleetDatabaseTarget, openFleetDatabase } from '../../src/fleet/open-fleet-database.js';
import { createTypeormFleetStore } from '../../src/fleet/typeorm-fleet-store.js';
import { validateFleetBatch } from '../../src/formats/fleet-report.js';
import { openSqliteOutbox, type Outbox } from '../../src/persistence/index.js';
import { reportToFleet } from '../../src/runner/fleet-report.js';
import { createMemoryLogger } from '../../src/services/logger.js';
import { fleetBatch, fleetEvent } from '../fleet/fleet-fixtures.js';
import { tempDir } from '../helpers/station.js';
import { makeTlsFiles, opensslAvailable } from '../trust/trust-fixtures.js';

const TOKEN = 'extras-token-0b7d';
let dir: string;
let store: FleetStore;
let fleet: FleetServer;
let outbox: Outbox;
let tokenFile: string;

beforeEach(async () => {
  dir = await tempDir('rcu-fleet-extras-');
  store = createTypeormFleetStore(await openFleetDatabase(fleetDatabaseTarget(undefined, path.join(dir, 'service'))));
  fleet = await startFleetServer({ store, token: TOKEN, port: 0, overdueAfterMs: 86_400_000 });
  outbox = await openSqliteOutbox(path.join(dir, 'station', '.upgrade', 'state.db'));
  tokenFile = path.join(dir, 'token');
  await fs.writeFile(tokenFile, TOKEN);
});

afterEach(async () => {
  await outbox.close();
  await fleet.close();
  await store.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const event = (overrides: Parameters<typeof fleetEvent>[0] = {}) => {
  const { seq: _seq, ...rest } = fleetEvent(overrides);
  return rest;
};

/** An https front (TLS with a private CA) forwarding to the fleet service. */
async function httpsFront(key: Buffer, cert: Buffer): Promise<{ url: string; close: () => Promise<void> }> {
  const target = new URL(fleet.url);
  const server = https.createServer({ key, cert }, (request, response) => {
    const forward = http.request({ host: target.hostname, port: target.port, path: request.url, method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    request.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('the fleet report of a run', () => {
  it('carries bytes reused and --ignore-rollout to the service, which stores and serves them', async () => {
    const config = await loadConfig({ clientDir: path.join(dir, 'station'), flags: { fleetUrl: fleet.url, fleetTokenFile: tokenFile }, env: {} });
    const logger = createMemoryLogger();
    const delivery = await reportToFleet({ config, outbox, logger, event: event({ command: 'upgrade', bytesFetched: 1000, bytesReused: 250_000, rolloutIgnored: true, phase: 'staged' }) });
    expect(delivery).toEqual({ sent: 1, queued: 0, problem: null });
    const [station] = await store.stations({}, new Date(), 86_400_000);
    const [report] = await store.history(station!.stationId, 10);
    expect(report).toMatchObject({ bytesFetched: 1000, bytesReused: 250_000, rolloutIgnored: true });
    const served = (await (await fetch(new URL(`fleet/v1/stations/${station!.stationId}/reports`, fleet.url))).json()) as unknown[];
    expect(served[0]).toMatchObject({ bytesReused: 250_000, rolloutIgnored: true });
  });

  it('takes reports of older stations without those fields (stored as 0 and false), and refuses wrong types', async () => {
    const { bytesReused: _b, rolloutIgnored: _r, ...old } = fleetEvent();
    const batch = fleetBatch('7d1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b', [old]);
    expect('batch' in validateFleetBatch(batch)).toBe(true);
    await store.ingest(batch, new Date());
    expect((await store.history(batch.stationId, 1))[0]).toMatchObject({ bytesReused: 0, rolloutIgnored: false });
    expect(validateFleetBatch(fleetBatch(batch.stationId, [{ ...old, rolloutIgnored: 'yes' as unknown as boolean }]))).toEqual({
      problem: { field: 'events[0].rolloutIgnored', expected: 'true or false' },
    });
    expect(validateFleetBatch(fleetBatch(batch.stationId, [{ ...old, bytesReused: -1 }]))).toMatchObject({ problem: { field: 'events[0].bytesReused' } });
  });

  it.runIf(opensslAvailable)('trusts the fleet service over https with the CA file the downloads trust, and only with it', async () => {
    const tls = await makeTlsFiles();
    const front = await httpsFront(await fs.readFile(tls.serverKey), await fs.readFile(tls.serverCert));
    try {
      const withoutCa = await loadConfig({ clientDir: path.join(dir, 'station'), flags: { fleetUrl: front.url, fleetTokenFile: tokenFile }, env: {} });
      const refused = await reportToFleet({ config: withoutCa, outbox, logger: createMemoryLogger(), event: event() });
      expect(refused).toMatchObject({ sent: 0, queued: 1 });
      expect(refused?.problem).toMatch(/certificate/i);
      const withCa = await loadConfig({ clientDir: path.join(dir, 'station'), flags: { fleetUrl: front.url, fleetTokenFile: tokenFile, caFile: tls.caCert }, env: {} });
      const delivered = await reportToFleet({ config: withCa, outbox, logger: createMemoryLogger(), event: event() });
      expect(delivered).toEqual({ sent: 2, queued: 0, problem: null });
      expect((await store.summary(new Date(), 86_400_000)).stations).toBe(1);
      // A CA file that cannot be read: one warning naming it, the reports stay queued.
      const badCa = await loadConfig({ clientDir: path.join(dir, 'station'), flags: { fleetUrl: front.url, fleetTokenFile: tokenFile, caFile: path.join(dir, 'missing.pem') }, env: {} });
      const logger = createMemoryLogger();
      expect(await reportToFleet({ config: badCa, outbox, logger, event: event() })).toBeUndefined();
      expect(logger.lines.map((line) => line.message).join('\n')).toContain(`cannot read the CA file ${path.join(dir, 'missing.pem')}`);
      expect(await outbox.size()).toBe(1);
    } finally {
      await front.close();
    }
  });
});
