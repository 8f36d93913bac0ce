// Kill tests of the version upgrade: `upgrade` and the `start` that applies it are SIGKILLed at
// random moments over a throttled server, and once exactly between "files applied" and
// "MANIFEST.MF written". Reruns finish with lib/ = the new release, every script applied once, no row lost.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/formats/manifest.js';
import { readClientDb, createClientDb } from '../helpers/client-db.js';
import { serveRoot } from '../helpers/serve-root.js';
import { bytesFor, hashTree, installStation, publish, runCli, tempDir } from '../helpers/station.js';
import { mulberry32 } from '../helpers/random.js';


const SEED = Number(process.env.KILL_SEED ?? 4242);
const ITERATIONS = Number(process.env.KILL_ITERATIONS ?? 10);
const MAPPINGS = JSON.stringify({ '1.0.0': { dbVersion: '1.0.0', releaseOrder: 1 }, '1.1.0': { dbVersion: '1.1.0', releaseOrder: 2 }, '1.2.0': { dbVersion: '1.2.0', releaseOrder: 3 } });

function release(version: string): Record<string, Buffer | string> {
  const files: Record<string, Buffer | string> = {
    'spring.properties': `mosip.registration.verion.upgrade.version-mappings=${MAPPINGS}\n`,
    [`registration-client-${version}.jar`]: bytesFor(`c-${version}`, 300_000),
    'shared.jar': bytesFor('shared', 100_000),
  };
  for (let i = 0; i < 5; i += 1) files[`lib-${i}.jar`] = bytesFor(`lib-${i}-${version}`, 200_000);
  if (version >= '1.1.0') files['sql/1.1.0/initial_db_scripts.sql'] = "CREATE TABLE t11 (a TEXT);\nINSERT INTO t11 VALUES ('1.1.0; ok');\n";
  if (version >= '1.2.0') files['sql/1.2.0/initial_db_scripts.sql'] = "CREATE TABLE t12 (a TEXT);\nUPDATE registration SET status = 'MIGRATED';\n";
  return files;
}

async function setup() {
  const root = await tempDir('rcu-upkill-root-');
  const client = path.join(await tempDir('rcu-upkill-client-'), 'station');
  for (const v of ['1.0.0', '1.1.0', '1.2.0']) await publish(root, v, release(v));
  await installStation(root, '1.0.0', client);
  const db = createClientDb(client, '1.0.0', 300);
  const hashesOf = async (v: string) => parseManifest(await fs.readFile(path.join(root, 'registration-client', v, 'MANIFEST.MF'))).entries;
  const oldHashes = new Map((await hashesOf('1.0.0')).map((e) => [e.name, e.hash]));
  const newHashes = new Map((await hashesOf('1.2.0')).map((e) => [e.name, e.hash]));
  return { root, client, db, oldHashes, newHashes };
}

/** Invariants after any kill: every lib/ file is the old or the new version of itself; the DB is consistent. */
async function checkInvariants(client: string, db: string, oldHashes: Map<string, string>, newHashes: Map<string, string>, when: string) {
  for (const [name, hash] of Object.entries(await hashTree(path.join(client, 'lib')))) {
    expect([oldHashes.get(name), newHashes.get(name)], `${when}: lib/${name}`).toContain(hash);
  }
  const state = readClientDb(db);
  expect(state.registrations, when).toBe(300);
  expect(['1.0.0', '1.1.0', '1.2.0'], when).toContain(state.version);
  const applied = state.history.filter((h) => h.outcome === 'applied').map((h) => h.version);
  expect(new Set(applied).size, `${when}: a script ran twice`).toBe(applied.length);
  const manifest = parseManifest(await fs.readFile(path.join(client, 'MANIFEST.MF')));
  expect(['1.0.0', '1.2.0'], when).toContain(manifest.version);
}

async function finalChecks(root: string, client: string, db: string) {
  expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client/1.2.0/lib')));
  const state = readClientDb(db);
  expect(state.version).toBe('1.2.0');
  expect(state.registrations).toBe(300);
  expect(state.history.filter((h) => h.outcome === 'applied').map((h) => h.version)).toEqual(['1.1.0', '1.2.0']);
  expect(state.tables).toEqual(expect.arrayContaining(['t11', 't12']));
}

describe('the version upgrade survives SIGKILL at any moment', () => {
  it(`upgrade and the applying start, killed at random (seed ${SEED})`, async () => {
    const random = mulberry32(SEED);
    const { root, client, db, oldHashes, newHashes } = await setup();
    const server = await serveRoot(root, { '*': { trickle: { bytes: 4096, everyMs: 20 } } });
    const args = (cmd: string) => [cmd, '--client-dir', client, '--server-url', `${server.url}registration-client/`, '--json', '--yes'];
    let kills = 0;
    try {
      let staged = false;
      for (let i = 0; i < ITERATIONS && !staged; i += 1) {
        const staging = path.join(client, '.upgrade', 'staging', 'upgrade');
        const run =
          i % 2 === 0
            ? await runCli(args('upgrade'), { killAfterMs: 300 + Math.floor(random() * 1500) })
            : await runCli(args('upgrade'), { killWhen: { when: () => existsSync(staging), afterMs: Math.floor(random() * 800) } });
        if (run.signal === 'SIGKILL') kills += 1;
        else {
          expect(run.code, run.stdout + run.stderr).toBe(10);
          staged = true;
        }
        await checkInvariants(client, db, oldHashes, newHashes, `upgrade kill ${i}`);
      }
      if (!staged) {
        const last = await runCli(args('upgrade'));
        expect(last.code, last.stdout + last.stderr).toBe(10);
      }
      let finished = false;
      for (let i = 0; i < ITERATIONS && !finished; i += 1) {
        const run = await runCli(args('start'), { killAfterMs: 250 + Math.floor(random() * 700) });
        if (run.signal === 'SIGKILL') kills += 1;
        else {
          expect(run.code, run.stdout + run.stderr).toBe(0);
          finished = true;
        }
        await checkInvariants(client, db, oldHashes, newHashes, `start kill ${i}`);
      }
      if (!finished) expect((await runCli(args('start'))).code).toBe(0);
      await finalChecks(root, client, db);
      expect(kills).toBeGreaterThan(0);
      console.log(`upgrade kill test: ${kills} kills`);
    } finally {
      await server.close();
    }
  }, 300_000);

  it('a kill between "files applied" and "MANIFEST.MF written" is finished by the next start', async () => {
    const { root, client, db } = await setup();
    const server = await serveRoot(root);
    const args = (cmd: string) => [cmd, '--client-dir', client, '--server-url', `${server.url}registration-client/`, '--json', '--yes'];
    try {
      expect((await runCli(args('upgrade'))).code).toBe(10);
      // Do by hand exactly what the apply step does before its commit: move every staged file in.
      const stageLib = path.join(client, '.upgrade', 'staging', 'upgrade', '1.2.0', 'lib');
      for (const name of Object.keys(await hashTree(stageLib))) {
        const target = path.join(client, 'lib', ...name.split('/'));
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.rename(path.join(stageLib, ...name.split('/')), target);
      }
      expect(parseManifest(await fs.readFile(path.join(client, 'MANIFEST.MF'))).version).toBe('1.0.0');
      const run = await runCli(args('start'));
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.json).toMatchObject({ state: 'done', installedVersion: '1.2.0' });
      await finalChecks(root, client, db);
      expect(existsSync(path.join(client, 'lib', 'registration-client-1.0.0.jar'))).toBe(false);
    } finally {
      await server.close();
    }
  }, 120_000);
});
