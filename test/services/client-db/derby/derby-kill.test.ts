// Killed during the Derby step (the upgrader and its JVM, SIGKILL): Derby's log undoes the
// uncommitted transaction on the next boot, so the step is either wholly there or wholly absent,
// runs exactly once when relaunched, and no registration is lost.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDerbyClientDb } from '../../../../src/services/client-db/derby/index.js';
import { queryRows } from '../../../../src/services/client-db/derby/derby-query.js';
import { createMemoryLogger } from '../../../../src/services/logger.js';
import { hasDerby, makeDerbyStation, REGISTRATION_IDS, regSchema, STATION_SECRETS, withStationDb } from './derby-station-fixture.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
// The DB step as `start` runs it, in a process of its own (built by npm run build).
const STEP_CHILD = path.join(repo, 'dist', 'bench', 'derby-step-child.js');

/** Pids of the process's children (the bridge JVM). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0);
  } catch {
    return [];
  }
}

describe.skipIf(!hasDerby() || !existsSync(STEP_CHILD))('killed during the Derby step', () => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'rcu-derby-kill-'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('leaves the step wholly applied or wholly absent, and a relaunch runs it once with every registration', async () => {
    const station = await makeDerbyStation(path.join(work, 'client'), { credentials: 'file' });
    const credentialsFile = station.credentialsFile ?? '';
    const schemaBefore = await withStationDb(station, regSchema);

    const child = spawn(process.execPath, [STEP_CHILD, station.clientDir, credentialsFile, '1.2.0.1', '1.2.0.1'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Wait for the JVM to have booted the database, then kill both mid-step.
    let jvm: number[] = [];
    for (let tries = 0; tries < 600 && jvm.length === 0; tries += 1) {
      await sleep(100);
      jvm = existsSync(path.join(station.dbDir, 'db.lck')) ? childrenOf(child.pid ?? 0) : [];
    }
    expect(jvm.length).toBeGreaterThan(0);
    // Secrets never on the JVM's command line nor in its environment.
    for (const pid of jvm) {
      const seen = `${readFileSync(`/proc/${pid}/cmdline`, 'utf8')}\n${readFileSync(`/proc/${pid}/environ`, 'utf8')}`;
      for (const secret of Object.values(STATION_SECRETS)) expect(seen).not.toContain(secret);
    }
    await sleep(1500);
    for (const pid of [child.pid ?? 0, ...jvm]) process.kill(pid, 'SIGKILL');
    await exited;
    for (let tries = 0; tries < 100 && jvm.some((pid) => existsSync(`/proc/${pid}`)); tries += 1) await sleep(100);

    const state = await withStationDb(station, async (bridge) => {
      const rows = await queryRows(bridge, `SELECT VAL FROM REG.GLOBAL_PARAM WHERE CODE = 'mosip.reg.services.current.version' AND LANG_CODE = 'eng'`);
      return { version: String(rows[0]?.['VAL']), schema: await regSchema(bridge) };
    });
    if (state.version === '0') expect(state.schema).toEqual(schemaBefore);
    else expect(state.version).toBe('1.2.0.1');

    const logger = createMemoryLogger();
    const session = await createDerbyClientDb({ clientDir: station.clientDir, dbDir: station.dbDir, credentialsFile }).open(logger);
    const outcome = await session.applyStep({ version: '1.2.0.1', dbVersion: '1.2.0.1', releaseOrder: 1 }, station.libDir, { logger });
    const history = await session.readHistory();
    await session.close();
    expect(outcome.outcome).toBe(state.version === '0' ? 'applied' : 'already-applied');
    expect(history.filter((row) => row.outcome === 'applied')).toHaveLength(1);
    const registrations = await withStationDb(station, (bridge) => queryRows(bridge, 'SELECT ID, PACKET_ID FROM REG.REGISTRATION ORDER BY ID'));
    expect(registrations).toEqual(REGISTRATION_IDS.map((id) => ({ ID: id, PACKET_ID: id })));
  }, 300_000);
});
