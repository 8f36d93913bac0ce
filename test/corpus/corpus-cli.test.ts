// The hostile manifests and metadata of the corpus served by the upgrade server, through the real
// CLI: `start` (and, for the most dangerous ones, `upgrade`) ends with exit 65 and the corpus code,
// and nothing on disk changes — lib/, bin/, MANIFEST.MF and the database are byte for byte as before,
// and nothing appears outside the station.
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createManifest, serializeManifest } from '../../src/formats/manifest.js';
import { serveRoot } from '../helpers/serve-root.js';
import { hashTree, tempDir } from '../helpers/station.js';
import { runCliProcess } from '../reliability/helpers/cli-process.js';
import { buildWorld, freshStation, NEW, OLD, stationArgs, type World } from '../reliability/helpers/world.js';
import { loadCorpus, type CorpusEntry } from './corpus-index.js';

let world: World;
let pristine: Record<string, string>;

beforeAll(async () => {
  world = await buildWorld({ size: 16 * 1024 });
  pristine = await hashTree(world.pristine);
});

/** Serves the world with one document replaced, runs `command` on a fresh station, checks nothing changed. */
async function serveAndRun(command: 'start' | 'upgrade', urlPath: string, body: Buffer): Promise<Record<string, unknown> | undefined> {
  const server = await serveRoot(world.root);
  server.setFile(urlPath, body);
  const parent = await tempDir('rcu-corpus-cli-');
  const client = await freshStation(world, path.join(parent, 'station'));
  try {
    const run = await runCliProcess(stationArgs(command, client, `${server.url}registration-client/`, ['--retries', '0']), {
      logFile: path.join(client, '.upgrade', 'registration.jsonl'),
    });
    expect(run.code, run.stdout + run.stderr).toBe(65);
    const now = await hashTree(client);
    for (const [name, hash] of Object.entries(pristine)) expect(now[name], `${name} changed`).toBe(hash);
    const added = Object.keys(now).filter((n) => !(n in pristine) && !/^(\.upgrade\/|registration\.log$)/.test(n));
    expect(added, 'files added outside .upgrade/').toEqual([]);
    expect(readdirSync(parent), 'nothing written beside the station').toEqual(['station']);
    if (existsSync(path.join(client, 'BackUp'))) expect(await fs.readdir(path.join(client, 'BackUp'))).toEqual([]);
    return run.json;
  } finally {
    await server.close();
  }
}

const corpus = loadCorpus();
const manifests = corpus.filter((e) => e.kind === 'manifest');
const metadata = corpus.filter((e) => e.kind === 'metadata');
// The ones that try to write outside lib/ or to exhaust the client, also as the new release of `upgrade`.
const forUpgrade = manifests.filter((e) => e.code === 'MANIFEST_NAME_UNSAFE' || e.name.startsWith('generated/'));

const errorOf = (json: Record<string, unknown> | undefined) => (json?.['error'] as { code?: string } | undefined)?.code;

describe.concurrent('hostile documents served to the CLI', () => {
  it.each(manifests.map((e) => [e.name, e] as const))('start with %s as the installed version’s MANIFEST.MF → 65', async (_n, entry: CorpusEntry) => {
    const json = await serveAndRun('start', `/registration-client/${OLD}/MANIFEST.MF`, entry.bytes);
    expect(errorOf(json)).toBe(entry.code);
  });

  it.each(forUpgrade.map((e) => [e.name, e] as const))('upgrade with %s as the new release’s MANIFEST.MF → 65', async (_n, entry: CorpusEntry) => {
    const json = await serveAndRun('upgrade', `/registration-client/${NEW}/MANIFEST.MF`, entry.bytes);
    expect(errorOf(json)).toBe(entry.code);
  });

  it.each(metadata.map((e) => [e.name, e] as const))('start with %s as maven-metadata.xml → 65', async (_n, entry: CorpusEntry) => {
    const json = await serveAndRun('start', '/registration-client/maven-metadata.xml', entry.bytes);
    expect(errorOf(json)).toBe(entry.code);
  });

  it('upgrade with a well-formed manifest that names another version than the one announced → 65', async () => {
    const hashes = world.hashes[NEW] ?? new Map<string, string>();
    const other = serializeManifest(createManifest('6.6.6', [...hashes].map(([name, hash]) => ({ name, hash }))));
    const json = await serveAndRun('upgrade', `/registration-client/${NEW}/MANIFEST.MF`, other);
    expect(errorOf(json)).toBe('MANIFEST_MALFORMED');
  });
});
