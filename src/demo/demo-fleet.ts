// The demo's embedded fleet service: a fresh SQLite store in <dir>/fleet with a random token in its
// file, which the station's runs report to, and what it knows of the station afterwards.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startFleetServer } from '../fleet/fleet-server.js';
import { fleetDatabaseTarget, openFleetDatabase } from '../fleet/open-fleet-database.js';
import { createTypeormFleetStore } from '../fleet/typeorm-fleet-store.js';

/** What the embedded fleet service saw of the demo's station. */
export interface DemoFleet {
  /** The service's base URL while the demo ran (it stops with the demo). */
  url: string;
  /** Its SQLite data folder and token file, to open it again with `fleet serve`. */
  dataDir: string;
  tokenFile: string;
  /** GET /fleet/v1/summary after the last run. */
  summary: { stations: number; versions: Record<string, number>; states: Record<string, number> };
  /** GET /fleet/v1/stations: what it knows of the station. */
  station: { installedVersion: string | null; state: string | null; reports: number } | null;
}

const DAY_MS = 86_400_000;

/** Starts the embedded fleet service on a fresh SQLite store in `dataDir`, with a random token in its file. */
export async function startDemoFleet(dataDir: string) {
  await fs.mkdir(dataDir, { recursive: true });
  const token = randomBytes(24).toString('hex');
  const tokenFile = path.join(dataDir, 'token');
  await fs.writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  const store = createTypeormFleetStore(await openFleetDatabase(fleetDatabaseTarget(undefined, dataDir)));
  const server = await startFleetServer({ store, token, port: 0, host: '127.0.0.1', overdueAfterMs: 3 * DAY_MS }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  return {
    url: server.url,
    tokenFile,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}

/** Reads what the fleet service knows (its read API needs no token). */
export async function readDemoFleet(fleet: { url: string; tokenFile: string }, dataDir: string): Promise<DemoFleet> {
  const get = async <T>(route: string): Promise<T> => {
    const response = await fetch(new URL(route, fleet.url));
    if (!response.ok) throw new Error(`fleet service: GET ${route} answered ${response.status}`);
    return (await response.json()) as T;
  };
  const summary = await get<DemoFleet['summary']>('fleet/v1/summary');
  const stations = await get<Array<{ installedVersion: string | null; state: string | null; reports: number }>>('fleet/v1/stations');
  const first = stations[0];
  return {
    url: fleet.url,
    dataDir,
    tokenFile: fleet.tokenFile,
    summary: { stations: summary.stations, versions: summary.versions, states: summary.states },
    station: first === undefined ? null : { installedVersion: first.installedVersion, state: first.state, reports: first.reports },
  };
}

