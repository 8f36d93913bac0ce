// `npm run fleet-sim -- --stations 10000 --days 30`: drives the real fleet service over loopback
// with simulated stations — a report every run, offline spells that deliver their queue in one
// batch when they end, failures, an upgrade rolling through the fleet — then measures the summary
// and what the page loads. On SQLite (embedded) and on a throwaway PostgreSQL 15 cluster (initdb
// in a temporary folder, fsync on). Writes its section of BENCHMARKS.md.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startFleetServer } from '../src/fleet/fleet-server.js';
import { fleetDatabaseTarget, openFleetDatabase, type FleetDatabaseTarget } from '../src/fleet/open-fleet-database.js';
import { createTypeormFleetStore } from '../src/fleet/typeorm-fleet-store.js';
import type { FleetBatch, FleetEvent } from '../src/formats/fleet-report.js';
import { mulberry32 } from './mulberry32.js';
import { DEFAULT_SCENARIO, formatBadRelease, simulateBadRelease } from './rollout-sim-engine.js';
import { postgresAvailable, startPostgresCluster } from './postgres-cluster.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: '10000' },
    days: { type: 'string', default: '30' },
    reports: { type: 'string', default: '100' },
    database: { type: 'string', default: 'both' },
    concurrency: { type: 'string', default: '32' },
    write: { type: 'boolean', default: false },
    // The bad-release scenario (DESIGN §13): how much of the fleet attempts a release that fails
    // everywhere before the fleet service pauses it — the same simulation as `npm run rollout-sim`.
    'bad-release': { type: 'boolean', default: false },
    percent: { type: 'string', default: String(DEFAULT_SCENARIO.percent) },
    'pause-when': { type: 'string', default: DEFAULT_SCENARIO.pauseWhen },
  },
});
const STATIONS = Number(values.stations);
const DAYS = Number(values.days);
const REPORTS = Number(values.reports);
const CONCURRENCY = Number(values.concurrency);
const TOKEN = randomUUID();
const DAY = 86_400_000;

interface SimStation {
  id: string;
  host: string;
  seq: number;
  version: string;
  upgradeAtTick: number;
  offlineFrom: number;
  offlineUntil: number;
  queue: FleetEvent[];
}

const ERRORS: [string, number][] = [['PATCH_DOWNLOAD_FAILED', 21], ['DB_UPGRADE_FAILED', 30], ['BUILD_STATUS_CHECK_FAILED', 20], ['LOCKED', 40]];

function makeStations(random: () => number): SimStation[] {
  return Array.from({ length: STATIONS }, (_, i) => {
    // One station in six goes offline once, for 1 to 12 days; one in a hundred never comes back.
    const spell = random() < 1 / 6;
    const offlineFrom = spell ? Math.floor(random() * REPORTS) : REPORTS + 1;
    const gone = random() < 0.01;
    return {
      id: randomUUID(),
      host: `station-${String(i).padStart(5, '0')}`,
      seq: 0,
      version: '1.1.5.5',
      upgradeAtTick: Math.floor(REPORTS * (0.3 + random() * 0.8)),
      offlineFrom: gone ? Math.floor(REPORTS * 0.85) : offlineFrom,
      offlineUntil: gone ? REPORTS + 1 : offlineFrom + Math.ceil(((1 + random() * 11) * DAY) / ((DAYS * DAY) / REPORTS)),
      queue: [],
    };
  });
}

function eventFor(station: SimStation, tick: number, at: Date, random: () => number): FleetEvent {
  station.seq += 1;
  const upgrading = tick === station.upgradeAtTick;
  const failure = random() < 0.02 ? ERRORS[Math.floor(random() * ERRORS.length)] : undefined;
  if (upgrading && failure === undefined) station.version = '1.2.0.1';
  return {
    eventId: randomUUID(),
    seq: station.seq,
    at: at.toISOString(),
    command: upgrading ? 'upgrade' : 'start',
    hostName: station.host,
    machineName: station.host.toUpperCase(),
    keyIndex: null,
    upgraderVersion: '0.1.0',
    installedVersion: station.version,
    announcedVersion: '1.2.0.1',
    state: failure !== undefined ? 'failed' : station.version === '1.2.0.1' ? 'ready' : 'upgradeAvailable',
    exitCode: failure?.[1] ?? 0,
    errorCode: failure?.[0] ?? null,
    bytesFetched: upgrading ? 180_000_000 : 0,
    durationMs: 200 + Math.floor(random() * 3000),
    phase: upgrading ? (failure ? 'rollback' : 'done') : null,
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(url: URL, method: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method,
      agent,
      headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${TOKEN}` },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function pool<T>(items: T[], worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      if (item !== undefined) await worker(item);
    }
  }));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

interface SimResult {
  database: string;
  reports: number;
  requests: number;
  ingestSeconds: number;
  reportsPerSecond: number;
  summaryMs: number;
  pageMs: number;
  overdueStationsMs: number;
  summary: unknown;
  /** CPU ms per 1 000 stored reports while posting: this process (stations and service), the database server. */
  nodeCpuMsPerThousand: number;
  databaseCpuMsPerThousand: number | null;
  /** Reports per committed transaction (PostgreSQL's own count), or null on SQLite. */
  reportsPerCommit: number | null;
}

/** What the simulator can read of a PostgreSQL cluster besides the service. */
interface ClusterMeter {
  cpuSeconds(): Promise<number>;
}

async function simulate(kind: string, target: FleetDatabaseTarget, cluster?: ClusterMeter): Promise<SimResult> {
  const random = mulberry32(42); // two runs simulate the same fleet
  const stations = makeStations(random);
  const start = Date.now() - DAYS * DAY;
  const step = (DAYS * DAY) / REPORTS;
  let simulatedNow = new Date(start);
  const dataSource = await openFleetDatabase(target);
  const store = createTypeormFleetStore(dataSource);
  const commits = async (): Promise<number | null> => {
    if (target.kind !== 'postgres') return null;
    // PostgreSQL 15 flushes a backend's statistics within a second of it going idle.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const [row] = await dataSource.query<{ n: string }[]>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()');
    return Number(row?.n ?? 0);
  };
  const commitsBefore = await commits();
  const clusterCpuBefore = await cluster?.cpuSeconds();
  let nodeCpuMs = 0;
  const server = await startFleetServer({ store, token: TOKEN, port: 0, overdueAfterMs: 3 * DAY, now: () => simulatedNow });
  const reportsUrl = new URL('fleet/v1/reports', server.url);
  let reports = 0;
  let requests = 0;
  let ingestMs = 0;
  try {
    for (let tick = 0; tick < REPORTS; tick += 1) {
      simulatedNow = new Date(start + (tick + 1) * step);
      const batches: FleetBatch[] = [];
      for (const station of stations) {
        station.queue.push(eventFor(station, tick, new Date(start + tick * step + random() * step * 0.5), random));
        const offline = tick >= station.offlineFrom && tick < station.offlineUntil;
        if (!offline) {
          for (let i = 0; i < station.queue.length; i += 500) batches.push({ stationId: station.id, dropped: 0, events: station.queue.slice(i, i + 500) });
          station.queue = [];
        }
      }
      const began = performance.now();
      const cpuBefore = process.cpuUsage();
      await pool(batches, async (batch) => {
        const answer = await request(reportsUrl, 'POST', JSON.stringify(batch));
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.text}`);
        reports += batch.events.length;
        requests += 1;
      });
      ingestMs += performance.now() - began;
      const cpu = process.cpuUsage(cpuBefore);
      nodeCpuMs += (cpu.user + cpu.system) / 1000;
      if (tick % 10 === 9) process.stderr.write(`${kind}: tick ${tick + 1}/${REPORTS}, ${reports} reports, ${Math.round(reports / (ingestMs / 1000))} reports/s\n`);
    }
    const clusterCpu = cluster === undefined || clusterCpuBefore === undefined ? null : (await cluster.cpuSeconds()) - clusterCpuBefore;
    const commitsAfter = await commits();
    const perThousand = (ms: number): number => (ms / reports) * 1000;
    const meters = {
      nodeCpuMsPerThousand: perThousand(nodeCpuMs),
      databaseCpuMsPerThousand: clusterCpu === null ? null : perThousand(clusterCpu * 1000),
      reportsPerCommit: commitsBefore === null || commitsAfter === null ? null : reports / Math.max(1, commitsAfter - commitsBefore),
    };
    const time = async (route: string, n: number): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < n; i += 1) {
        const began = performance.now();
        const answer = await request(new URL(route, server.url), 'GET');
        if (answer.status !== 200) throw new Error(`${route}: HTTP ${answer.status}`);
        samples.push(performance.now() - began);
      }
      return median(samples);
    };
    const summaryMs = await time('fleet/v1/summary', 21);
    const overdueStationsMs = await time('fleet/v1/stations?overdue=true', 11);
    // What the page loads: the document, the summary and the first 500 stations.
    const samples: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const began = performance.now();
      await Promise.all([request(new URL('fleet/', server.url), 'GET'), request(new URL('fleet/v1/summary', server.url), 'GET'), request(new URL('fleet/v1/stations?limit=500', server.url), 'GET')]);
      samples.push(performance.now() - began);
    }
    const summary: unknown = JSON.parse((await request(new URL('fleet/v1/summary', server.url), 'GET')).text);
    return { database: kind, reports, requests, ingestSeconds: ingestMs / 1000, reportsPerSecond: reports / (ingestMs / 1000), summaryMs, pageMs: median(samples), overdueStationsMs, summary, ...meters };
  } finally {
    await server.close();
    await store.close();
  }
}

async function main(): Promise<void> {
  const results: SimResult[] = [];
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'rcu-fleet-sim-'));
  try {
    if (values.database === 'sqlite' || values.database === 'both') {
      results.push(await simulate('SQLite', fleetDatabaseTarget(undefined, scratch)));
    }
    if (values.database === 'postgres' || values.database === 'both') {
      if (!postgresAvailable) throw new Error('PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin)');
      const cluster = await startPostgresCluster({ shared_buffers: '256MB' });
      try {
        results.push(await simulate('PostgreSQL 15', fleetDatabaseTarget(await cluster.createDatabase('fleet_sim'), scratch), cluster));
      } finally {
        await cluster.stop();
      }
    }
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  const lines = [
    '<!-- fleet-sim -->',
    '## Fleet service (`npm run fleet-sim`)',
    '',
    `_Generated by \`npm run fleet-sim -- --stations ${STATIONS} --days ${DAYS} --reports ${REPORTS} --write\` on ${new Date().toISOString()}, ${os.cpus().length} cores, load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}._`,
    '',
    `${STATIONS} simulated stations report ${REPORTS} runs each over ${DAYS} days to the real service over loopback (${CONCURRENCY} connections, keep-alive): one station in six is offline once for 1–12 days and delivers its queue in one batch when back, one in a hundred goes quiet for good, 2 % of runs fail with an error code, and an upgrade to 1.2.0.1 rolls through the fleet. The service's clock follows the simulated time. Ingest rate = reports stored ÷ time spent posting them; latencies are medians after the ingest, with every report in the database. PostgreSQL is a fresh Debian PostgreSQL 15 cluster (fsync on, shared_buffers 256MB); SQLite is the embedded default (WAL, synchronous=FULL).`,
    '',
    '| database | reports stored | requests | ingest | summary | page (document + summary + 500 stations) | overdue stations list | goal |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...results.map((r) => `| ${r.database} | ${r.reports} | ${r.requests} | ${Math.round(r.reportsPerSecond)} reports/s | ${r.summaryMs.toFixed(1)} ms | ${r.pageMs.toFixed(1)} ms | ${r.overdueStationsMs.toFixed(1)} ms | ${r.database.startsWith('PostgreSQL') ? `≥ 2 000 reports/s ${r.reportsPerSecond >= 2000 ? '✅' : '❌'}, summary ≤ 200 ms ${r.summaryMs <= 200 ? '✅' : '❌'}` : ''} |`),
    '',
    'CPU cost of the ingest, independent of what else the machine runs: CPU time per 1 000 stored reports of this process (the simulated stations\' HTTP client and the service) and of the database server, and how many reports each committed transaction carried (group commit: batches that arrive while a write runs are written together).',
    '',
    '| database | this process | database server | reports per commit | capacity of 2 cores at that cost |',
    '|---|---:|---:|---:|---:|',
    ...results.map((r) => {
      const total = r.nodeCpuMsPerThousand + (r.databaseCpuMsPerThousand ?? 0);
      return `| ${r.database} | ${r.nodeCpuMsPerThousand.toFixed(0)} ms | ${r.databaseCpuMsPerThousand === null ? '(in process)' : `${r.databaseCpuMsPerThousand.toFixed(0)} ms`} | ${r.reportsPerCommit === null ? '—' : r.reportsPerCommit.toFixed(1)} | ${Math.round((2 * 1_000_000) / total)} reports/s |`;
    }),
    '',
    ...results.map((r) => `- ${r.database} summary after the run: \`${JSON.stringify(r.summary)}\``),
    '<!-- /fleet-sim -->',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.write === true) {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../BENCHMARKS.md');
    const current = await fs.readFile(file, 'utf8');
    const section = lines.join('\n');
    const next = /<!-- fleet-sim -->[\s\S]*<!-- \/fleet-sim -->\n?/.test(current)
      ? current.replace(/<!-- fleet-sim -->[\s\S]*<!-- \/fleet-sim -->\n?/, section)
      : `${current.trimEnd()}\n\n${section}`;
    await fs.writeFile(file, next);
  }
  agent.destroy();
}

if (values['bad-release'] === true) {
  const scenario = { ...DEFAULT_SCENARIO, stations: STATIONS, percent: Number(values.percent), pauseWhen: values['pause-when'] };
  const outcome = simulateBadRelease(scenario);
  process.stdout.write(formatBadRelease(outcome, scenario));
  process.exitCode = outcome.attemptedShare <= 5 ? 0 : 1;
} else {
  await main();
}
