// Kill tests of the startup cycle: `start` is SIGKILLed at random moments while it patches over a
// throttled server. After every kill each file in lib/ is absent or complete and verified; the last
// run succeeds; the bytes fetched stay close to the release size (resume, not restart).
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/formats/manifest.js';
import { serveRoot } from '../helpers/serve-root.js';
import { bytesFor, hashTree, installStation, publish, runCli, tempDir } from '../helpers/station.js';
import { mulberry32 } from '../helpers/random.js';


const SEED = Number(process.env.KILL_SEED ?? 20261126);
const ITERATIONS = Number(process.env.KILL_ITERATIONS ?? 12);

describe('start survives SIGKILL at any moment', () => {
  it(`patches to completion across ${ITERATIONS} random kills (seed ${SEED})`, async () => {
    const random = mulberry32(SEED);
    const root = await tempDir('rcu-kill-root-');
    const client = path.join(await tempDir('rcu-kill-client-'), 'station');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 8; i += 1) files[i === 0 ? 'registration-client-1.0.0.jar' : `lib-${i}.jar`] = bytesFor(`kill-${i}`, 384 * 1024);
    await publish(root, '1.0.0', files);
    await installStation(root, '1.0.0', client);
    const lib = path.join(client, 'lib');
    for (const name of Object.keys(files)) await fs.rm(path.join(lib, name));
    const manifest = parseManifest(await fs.readFile(path.join(client, 'MANIFEST.MF')));
    const expected = new Map(manifest.entries.map((e) => [e.name, e.hash]));
    const releaseBytes = Object.values(files).reduce((sum, b) => sum + b.length, 0);

    const server = await serveRoot(root, { '*': { trickle: { bytes: 4096, everyMs: 20 } } });
    const args = ['start', '--client-dir', client, '--server-url', `${server.url}registration-client/`, '--json', '--whole-files']; // the whole-file resume; start-kill-delta.test.ts kills differential assembly
    let kills = 0;
    try {
      for (let i = 0; i < ITERATIONS; i += 1) {
        // Half the kills at a random instant of the whole run, half while files are downloading.
        const staging = path.join(client, '.upgrade', 'staging', 'patch');
        const run =
          i % 2 === 0
            ? await runCli(args, { killAfterMs: 250 + Math.floor(random() * 1200) })
            : await runCli(args, { killWhen: { when: () => existsSync(staging), afterMs: Math.floor(random() * 600) } });
        if (run.signal === 'SIGKILL') kills += 1;
        // Invariant: every file in lib/ is one the manifest lists, complete and verified.
        const now = await hashTree(lib);
        for (const [name, hash] of Object.entries(now)) {
          expect(expected.get(name), `unexpected file in lib/ after kill ${i}: ${name}`).toBe(hash);
        }
        if (run.signal === null) break;
      }
      const last = await runCli(args);
      expect(last.code, last.stdout + last.stderr).toBe(0);
      expect(await hashTree(lib)).toEqual(Object.fromEntries(expected));
      expect(existsSync(path.join(client, '.upgrade', 'staging', 'patch'))).toBe(false);
      expect(kills).toBeGreaterThanOrEqual(Math.min(ITERATIONS, 5));
      const libBytes = server.requests
        .filter((r) => r.path.includes('/lib/'))
        .reduce((sum, r) => sum + r.bytesSent, 0);
      console.log(`kills: ${kills}, lib bytes sent: ${libBytes} for a release of ${releaseBytes}`);
      // Resume, not restart: at most one in-flight block per file and kill is fetched twice.
      expect(libBytes).toBeLessThan(releaseBytes * 1.25);
      const ranged = server.requests.filter((r) => r.headers.range !== undefined);
      expect(ranged.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  }, 180_000);
});
