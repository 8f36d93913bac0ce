// What a launch with nothing to do loads: neither TypeORM nor the HTTP client's library (they cost
// more than the rest of the launch), while the state database still records the run. Each check has
// its control: the run that creates the state database loads TypeORM, an online run loads got.
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { bytesFor, installStation, publish, runCli, tempDir } from '../helpers/station.js';

// Preloaded with NODE_OPTIONS=--require: on exit, lists every CommonJS module the CLI loaded, then
// Node's own modules (process.moduleLoadList: "NativeModule tls", …).
const LIST_MODULES = `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_MODULES_FILE, [...Object.keys(require.cache), ...process.moduleLoadList].join('\\n')));\n`;

let root: string;
let work: string;
let station: string;
let server: StaticServer | undefined;

beforeEach(async () => {
  root = await tempDir('rcu-root-');
  work = await tempDir('rcu-load-');
  station = path.join(work, 'station');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 10; i += 1) files[`lib-${i}.jar`] = bytesFor(`jar-${i}`, 64 * 1024);
  await publish(root, '1.0.0', files);
  await installStation(root, '1.0.0', station);
  await fs.writeFile(path.join(work, 'list-modules.cjs'), LIST_MODULES);
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const dir of [root, work]) await fs.rm(dir, { recursive: true, force: true });
});

/** Runs the CLI and returns its result with the packages (node_modules/<name>) it loaded. */
async function runListing(
  args: string[],
): Promise<{ code: number | null; json: Record<string, unknown> | undefined; packages: Set<string>; builtins: Set<string> }> {
  const list = path.join(work, `loaded-${Date.now()}-${Math.random()}.txt`);
  const run = await runCli(args, {
    env: { NODE_OPTIONS: `--require ${path.join(work, 'list-modules.cjs')}`, LOADED_MODULES_FILE: list },
  });
  const loaded = (await fs.readFile(list, 'utf8')).split('\n');
  const packages = new Set(loaded.map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1]).filter((p): p is string => p !== undefined));
  const builtins = new Set(loaded.map((line) => /^NativeModule (\S+)$/.exec(line)?.[1]).filter((m): m is string => m !== undefined));
  return { code: run.code, json: run.json, packages, builtins };
}

/** A loopback URL nothing listens on: the connection is refused. */
async function refusedUrl(): Promise<string> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}/registration-client/`;
}

function rowCount(table: 'upgrader_transition' | 'upgrader_outbox'): number {
  const db = new Database(path.join(station, '.upgrade', 'state.db'), { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('a launch with nothing to do', () => {
  it('loads neither TypeORM nor got, and still records its run in the state database', async () => {
    // Control: the first launch creates the state database through TypeORM's migration.
    const first = await runListing(['start', '--offline', '--json', '--client-dir', station]);
    expect(first.code).toBe(0);
    expect(first.packages.has('typeorm')).toBe(true);
    const before = rowCount('upgrader_transition');
    const queued = rowCount('upgrader_outbox');

    const noop = await runListing(['start', '--json', '--client-dir', station, '--server-url', await refusedUrl()]);
    expect(noop.code).toBe(0);
    expect(noop.json).toMatchObject({ state: 'ready', online: false, patched: [], error: null });
    expect(noop.packages.has('typeorm')).toBe(false);
    expect(noop.packages.has('hpagent')).toBe(false); // loaded with got by services/http-client.ts only
    expect(noop.packages.has('better-sqlite3')).toBe(true);
    // Nor Node's TLS and HTTP modules: no request is made, and the serve command's server is not loaded.
    expect(noop.builtins.has('net')).toBe(true);
    expect([...noop.builtins].filter((name) => ['tls', 'http', 'https'].includes(name))).toEqual([]);
    expect(rowCount('upgrader_transition')).toBeGreaterThan(before);
    // The fleet report of the run is queued in the same database, without TypeORM either.
    expect(rowCount('upgrader_outbox')).toBe(queued + 1);
  });

  it('with a fleet service configured but down, still loads neither, and keeps the report queued', async () => {
    const setup = await runListing(['start', '--offline', '--json', '--client-dir', station]);
    expect(setup.code).toBe(0);
    const queued = rowCount('upgrader_outbox');
    const tokenFile = path.join(work, 'fleet.token');
    await fs.writeFile(tokenFile, 'station-token\n');
    const fleetDown = await refusedUrl();
    const noop = await runListing(['start', '--json', '--client-dir', station, '--server-url', await refusedUrl(), '--fleet-url', fleetDown, '--fleet-token-file', tokenFile]);
    expect(noop.code).toBe(0);
    expect(noop.json).toMatchObject({ state: 'ready', online: false, error: null });
    expect(noop.packages.has('typeorm')).toBe(false);
    expect(noop.packages.has('hpagent')).toBe(false);
    // Both the earlier report and this run's wait for the service: nothing was acknowledged.
    expect(rowCount('upgrader_outbox')).toBe(queued + 1);
  });

  it('loads the HTTP client once a server answers (the control of the check above)', async () => {
    server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
    const online = await runListing(['start', '--json', '--client-dir', station, '--server-url', `${server.url}registration-client/`]);
    expect(online.code).toBe(0);
    expect(online.json).toMatchObject({ state: 'ready', online: true, error: null });
    expect(online.packages.has('hpagent')).toBe(true);
    expect(online.builtins.has('http')).toBe(true);
  });
});
