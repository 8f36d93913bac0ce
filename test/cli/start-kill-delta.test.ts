// Kill tests of differential patching: a hotfix re-publishes four 1 MiB jars with a few bytes
// changed in each; `start` is SIGKILLed at random moments while it assembles them from the old jars
// and Range requests over a throttled server. After every kill each file in lib/ is the old jar or
// the new one, verified — never an assembled file that was not checked; the last run succeeds and
// the bytes on the wire stay a fraction of the jars (an interrupted assembly resumes from its part).
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/formats/manifest.js';
import { serveRoot } from '../helpers/serve-root.js';
import { mulberry32 } from '../helpers/random.js';
import { bytesFor, hashTree, installStation, publish, runCli, sha256, tempDir } from '../helpers/station.js';

const SEED = Number(process.env.KILL_SEED ?? 20261202);
const ITERATIONS = Number(process.env.KILL_ITERATIONS ?? 10);

// Five 200-byte edits, 200 KiB apart: five ranges of a few chunks each.
function hotfix(jar: Buffer, seed: string): Buffer {
  const fixed = Buffer.from(jar);
  for (let edit = 0; edit < 5; edit += 1) bytesFor(`${seed}-${edit}`, 200).copy(fixed, 100_000 + edit * 200_000);
  return fixed;
}

describe('differential patching survives SIGKILL at any moment', () => {
  it(`assembles every jar across ${ITERATIONS} random kills (seed ${SEED})`, async () => {
    const random = mulberry32(SEED);
    const root = await tempDir('rcu-kill-delta-root-');
    const client = path.join(await tempDir('rcu-kill-delta-client-'), 'station');
    const old: Record<string, Buffer> = {};
    for (let i = 0; i < 4; i += 1) old[`module-${i}-1.0.0.jar`] = bytesFor(`delta-kill-${i}`, 1024 * 1024);
    await publish(root, '1.0.0', old);
    await installStation(root, '1.0.0', client);
    const fixed = Object.fromEntries(Object.entries(old).map(([name, jar]) => [name, hotfix(jar, name)]));
    await publish(root, '1.0.0', fixed); // the hotfix: same version, re-published
    const manifest = parseManifest(await fs.readFile(path.join(root, 'registration-client', '1.0.0', 'MANIFEST.MF')));
    const allowed = new Map(Object.keys(old).map((name) => [name, new Set([sha256(old[name]!), sha256(fixed[name]!)])]));
    const jarBytes = Object.values(fixed).reduce((sum, jar) => sum + jar.length, 0);

    // About 100 KB/s per connection: a run takes longer than the first kills come (the kills must find work to interrupt).
    const server = await serveRoot(root, { '*': { trickle: { bytes: 2048, everyMs: 20 } } });
    const args = ['start', '--client-dir', client, '--server-url', `${server.url}registration-client/`, '--json', '--concurrency', '2'];
    const staging = path.join(client, '.upgrade', 'staging', 'patch');
    const assembling = (): boolean => existsSync(staging) && Object.keys(old).some((name) => existsSync(path.join(staging, `${name}.part`)));
    let kills = 0;
    let midAssembly = 0;
    try {
      for (let i = 0; i < ITERATIONS; i += 1) {
        const run =
          i % 2 === 0
            ? await runCli(args, { killAfterMs: 300 + Math.floor(random() * 1500) })
            : await runCli(args, { killWhen: { when: assembling, afterMs: Math.floor(random() * 400) } });
        if (run.signal === 'SIGKILL') kills += 1;
        if (run.signal === 'SIGKILL' && assembling()) midAssembly += 1;
        const now = await hashTree(path.join(client, 'lib'));
        for (const [name, hash] of Object.entries(now)) {
          expect(allowed.get(name)?.has(hash), `lib/${name} after kill ${i} is neither the old nor the new jar`).toBe(true);
        }
        if (run.signal === null) break;
      }
      const last = await runCli(args);
      expect(last.code, last.stdout + last.stderr).toBe(0);
      expect(await hashTree(path.join(client, 'lib'))).toEqual(Object.fromEntries(manifest.entries.map((e) => [e.name, e.hash])));
      expect(existsSync(staging)).toBe(false);
      expect(kills).toBeGreaterThanOrEqual(Math.min(ITERATIONS, 4));
      expect(midAssembly).toBeGreaterThanOrEqual(1);
      const libBytes = server.requests.filter((r) => r.path.includes('/lib/') || r.path.includes('/blockmap/')).reduce((sum, r) => sum + r.bytesSent, 0);
      console.log(`kills: ${kills} (${midAssembly} mid-assembly), lib and block index bytes sent: ${libBytes} for jars of ${jarBytes}`);
      // Never the whole jars again: each kill costs at most the ranges in flight.
      expect(libBytes).toBeLessThan(jarBytes * 0.5);
    } finally {
      await server.close();
      await fs.rm(root, { recursive: true, force: true });
      await fs.rm(path.dirname(client), { recursive: true, force: true });
    }
  }, 600_000);
});
