// The whole story on one machine (`reg-client-upgrader demo`): publish three releases, serve them,
// install a station at the oldest, damage it, then run the product's own station commands —
// start (patch), upgrade (stage), start (apply + DB upgrade across a skipped version), start
// (steady state) — and check the station against the release on the server. The station reports
// every run to an embedded fleet service (SQLite in <dir>/fleet), whose summary the demo shows.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InspectionEvent } from 'xstate';
import { ConfigError } from '../errors.js';
import type { RunResult } from '../machines/run-result.js';
import type { CycleCommand } from '../machines/station-machine.js';
import { runStationCommand } from '../runner/run-station-command.js';
import { publishRelease } from '../server/publish.js';
import { startStaticServer } from '../server/serve.js';
import { createDemoDerbyDatabase, findDemoDerby, readDemoDerbyDatabase } from './demo-derby.js';
import type { DemoDerby } from './demo-derby.js';
import { readDemoFleet, startDemoFleet, type DemoFleet } from './demo-fleet.js';
import { DEMO_VERSIONS, demoReleaseFiles } from './demo-releases.js';
import type { DemoReleaseDb } from './demo-releases.js';
import {
  DEMO_REGISTRATIONS,
  type DemoDbState,
  damageDemoStation,
  folderDifferences,
  hashFolder,
  installDemoStation,
  readDemoDatabase,
  type Damage,
} from './demo-station.js';

export type { DemoFleet } from './demo-fleet.js';

/** Options of runDemo. */
export interface DemoOptions {
  /** Empty or absent folder the demo works in (server/, station/). */
  dir: string;
  /** Inspection observer passed to every station command (the live inspector). */
  inspect?: (event: InspectionEvent) => void;
  /** Called as each phase ends, so a caller can tell the story while it happens. */
  onEvent?: (event: DemoEvent) => void;
  /** The station's database: SQLite (default, db/reg.sqlite) or a MOSIP-like encrypted Derby db/reg (needs Java and Derby). */
  db?: 'sqlite' | 'derby';
}

/** A release the demo published. */
export interface DemoRelease {
  version: string;
  files: number;
  bytes: number;
  ms: number;
}

/** One station command the demo ran, what it expected, and what happened. */
export interface DemoStep {
  title: string;
  command: CycleCommand;
  expected: { state: string; exitCode: number };
  result: RunResult;
  ms: number;
  ok: boolean;
}

/** A check of the final station. */
export interface DemoCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** Something the demo did, reported as it happens. */
export type DemoEvent =
  | { kind: 'published'; release: DemoRelease }
  | { kind: 'serving'; url: string }
  | { kind: 'installed'; version: string; clientDir: string; registrations: number; db: 'sqlite' | 'derby' }
  | { kind: 'damaged'; damage: Damage[] }
  | { kind: 'step'; step: DemoStep }
  | { kind: 'fleet'; fleet: DemoFleet }
  | { kind: 'checked'; check: DemoCheck };

/** Everything the demo did; `ok` is false when any step or check went wrong. */
export interface DemoReport {
  ok: boolean;
  db: 'sqlite' | 'derby';
  dir: string;
  serverRoot: string;
  clientDir: string;
  serverUrl: string;
  releases: DemoRelease[];
  damaged: Damage[];
  steps: DemoStep[];
  checks: DemoCheck[];
  fleet: DemoFleet | null;
  ms: number;
}

const FROM = DEMO_VERSIONS[0];
const TO = DEMO_VERSIONS[DEMO_VERSIONS.length - 1] ?? FROM;

const STEPS: Array<{ title: string; command: CycleCommand; state: string; exitCode: number }> = [
  { title: 'launch: verify and patch the damaged station', command: 'start', state: 'upgradeAvailable', exitCode: 0 },
  { title: `operator: upgrade to ${TO} (backup, download, stage)`, command: 'upgrade', state: 'staged', exitCode: 10 },
  { title: `relaunch: apply ${TO} and upgrade the database`, command: 'start', state: 'done', exitCode: 0 },
  { title: 'next launch: nothing to do', command: 'start', state: 'ready', exitCode: 0 },
];

async function ensureEmptyDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const entries = await fs.readdir(dir);
  if (entries.length > 0) {
    throw new ConfigError('CONFIG_INVALID', `demo: ${dir} is not empty; give an empty or new folder with --dir`, { details: { dir } });
  }
}

async function publishDemoReleases(serverRoot: string, buildRoot: string, releaseDb: DemoReleaseDb, emit: (event: DemoEvent) => void): Promise<DemoRelease[]> {
  const releases: DemoRelease[] = [];
  for (const version of DEMO_VERSIONS) {
    const began = performance.now();
    const libDir = path.join(buildRoot, version);
    for (const [name, content] of demoReleaseFiles(version, releaseDb)) {
      const file = path.join(libDir, ...name.split('/'));
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, content);
    }
    const published = await publishRelease({ version, libDir, outRoot: serverRoot });
    await fs.rm(libDir, { recursive: true, force: true });
    const release = {
      version,
      files: published.files.length,
      bytes: published.files.reduce((sum, file) => sum + file.size, 0),
      ms: performance.now() - began,
    };
    releases.push(release);
    emit({ kind: 'published', release });
  }
  await fs.rm(buildRoot, { recursive: true, force: true });
  return releases;
}

async function checkStation(serverRoot: string, clientDir: string, patched: string[], damaged: Damage[], readDb: () => Promise<DemoDbState>): Promise<DemoCheck[]> {
  const release = path.join(serverRoot, 'registration-client', TO);
  const differences = folderDifferences(await hashFolder(path.join(clientDir, 'lib')), await hashFolder(path.join(release, 'lib')));
  const manifestSame = (await fs.readFile(path.join(clientDir, 'MANIFEST.MF'))).equals(await fs.readFile(path.join(release, 'MANIFEST.MF')));
  const db = await readDb();
  const expectedScripts = DEMO_VERSIONS.slice(1).join(', ');
  const missingPatches = damaged.map((d) => d.name).filter((name) => !patched.includes(name));
  return [
    {
      name: 'damaged files patched',
      ok: missingPatches.length === 0,
      detail: missingPatches.length === 0 ? damaged.map((d) => d.name).join(', ') : `not patched: ${missingPatches.join(', ')}`,
    },
    {
      name: `lib/ equals release ${TO}`,
      ok: differences.length === 0,
      detail: differences.length === 0 ? 'every file has the hash of the published release' : `differs: ${differences.join(', ')}`,
    },
    { name: `MANIFEST.MF is ${TO}'s`, ok: manifestSame, detail: manifestSame ? 'byte for byte' : 'differs from the server copy' },
    { name: `database at ${TO}`, ok: db.version === TO, detail: `global_param says ${db.version ?? '(none)'}` },
    {
      name: `scripts of ${expectedScripts} applied once, in order`,
      ok: db.applied.join(', ') === expectedScripts && db.columns.includes('app_id') && db.columns.includes('packet_id'),
      detail: `history: ${db.applied.join(', ') || '(none)'}; registration columns: ${db.columns.join(', ')}`,
    },
    {
      name: 'registrations kept',
      ok: db.registrations === DEMO_REGISTRATIONS,
      detail: `${db.registrations} of ${DEMO_REGISTRATIONS} rows`,
    },
  ];
}

/** The fleet service heard every run of the station, and knows it is on the new version. */
function fleetCheck(fleet: DemoFleet | null, runs: number): DemoCheck {
  const station = fleet?.station ?? null;
  const ok = fleet !== null && fleet.summary.stations === 1 && station !== null && station.reports === runs && station.installedVersion === TO;
  return {
    name: 'fleet service heard every run',
    ok,
    detail: station === null ? 'no station reported' : `${station.reports} of ${runs} runs reported; it shows the station on ${station.installedVersion ?? '?'} (${station.state ?? '?'})`,
  };
}

/** Runs the demo end to end; never throws for a failed step (ok=false), only for an unusable folder. */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const began = performance.now();
  const emit = options.onEvent ?? ((): void => undefined);
  const dir = path.resolve(options.dir);
  // Java and Derby are looked for before anything is built: a machine without them gets exit 64 at once.
  const derby: DemoDerby | undefined = options.db === 'derby' ? await findDemoDerby() : undefined;
  await ensureEmptyDir(dir);
  const serverRoot = path.join(dir, 'server');
  const clientDir = path.join(dir, 'station');
  const releaseDb: DemoReleaseDb = derby === undefined ? { kind: 'sqlite' } : { kind: 'derby', jarName: derby.jarName, jar: derby.jar };
  const releases = await publishDemoReleases(serverRoot, path.join(dir, 'build'), releaseDb, emit);
  const server = await startStaticServer({ root: serverRoot, port: 0, host: '127.0.0.1' });
  const serverUrl = `${server.url}registration-client/`;
  const fleetDir = path.join(dir, 'fleet');
  const fleetService = await startDemoFleet(fleetDir).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  const steps: DemoStep[] = [];
  let damaged: Damage[] = [];
  let fleet: DemoFleet | null = null;
  try {
    emit({ kind: 'serving', url: serverUrl });
    await installDemoStation(
      serverRoot,
      FROM,
      clientDir,
      derby === undefined ? undefined : (station, version) => createDemoDerbyDatabase(derby, station, version, DEMO_REGISTRATIONS),
    );
    emit({ kind: 'installed', version: FROM, clientDir, registrations: DEMO_REGISTRATIONS, db: releaseDb.kind });
    damaged = await damageDemoStation(clientDir);
    emit({ kind: 'damaged', damage: damaged });
    for (const plan of STEPS) {
      const stepBegan = performance.now();
      const result = await runStationCommand(plan.command, {
        clientDir,
        flags: { serverUrl, fleetUrl: fleetService.url, fleetTokenFile: fleetService.tokenFile },
        ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      });
      const ok = result.state === plan.state && result.exitCode === plan.exitCode;
      const step: DemoStep = {
        title: plan.title,
        command: plan.command,
        expected: { state: plan.state, exitCode: plan.exitCode },
        result,
        ms: performance.now() - stepBegan,
        ok,
      };
      steps.push(step);
      emit({ kind: 'step', step });
      if (!ok) break;
    }
    fleet = await readDemoFleet(fleetService, fleetDir);
    emit({ kind: 'fleet', fleet });
  } finally {
    await fleetService.close();
    await server.close();
  }
  const allStepsOk = steps.length === STEPS.length && steps.every((step) => step.ok);
  const readDb = (): Promise<DemoDbState> =>
    derby === undefined ? Promise.resolve(readDemoDatabase(path.join(clientDir, 'db', 'reg.sqlite'))) : readDemoDerbyDatabase(derby, clientDir);
  const checks = allStepsOk ? [...(await checkStation(serverRoot, clientDir, steps[0]?.result.patched ?? [], damaged, readDb)), fleetCheck(fleet, steps.length)] : [];
  for (const check of checks) emit({ kind: 'checked', check });
  return {
    ok: allStepsOk && checks.every((check) => check.ok),
    db: releaseDb.kind,
    dir,
    serverRoot,
    clientDir,
    serverUrl,
    releases,
    damaged,
    steps,
    checks,
    fleet,
    ms: performance.now() - began,
  };
}
