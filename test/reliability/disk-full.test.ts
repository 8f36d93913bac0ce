// A download that would fill the disk, and a disk that is full (issue 17, item 1), with the real
// CLI as a launcher runs it: a station on a small tmpfs (mounted as root; skipped where mount is not
// allowed), a log on /dev/full (ENOSPC on every write, everywhere Linux is), an endless or oversized
// answer. Each run ends — no hang — with its code and the full JSON; the part is gone, so the disk
// heals by itself, and the next launch against a healthy server repairs the station.
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, statfsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashTree, tempDir } from '../helpers/station.js';
import { serveRoot } from '../helpers/serve-root.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess, type CliOutcome } from './helpers/cli-process.js';
import { checkInstalled } from './helpers/invariants.js';
import { buildWorld, freshStation, NEW, OLD, stationArgs, type World } from './helpers/world.js';

const JAR = `/registration-client/${OLD}/lib/lib-0.jar`;
/** Every run must end well within this; a hang is a failure, not a slow run. */
const NO_HANG_MS = 90_000;

let world: World;
let server: TestServer;
const cleanups: Array<() => void> = [];
const sh = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

/** MOSIP's own manifests carry no sizes: strip Content-Length from every published manifest and from the station. */
async function stripSizes(target: World): Promise<void> {
  const strip = (bytes: Buffer): Buffer => Buffer.from(bytes.toString('utf8').replace(/Content-Length: \d+\r\n/g, ''), 'utf8');
  for (const version of Object.keys(target.manifests)) {
    const file = path.join(target.root, 'registration-client', version, 'MANIFEST.MF');
    target.manifests[version] = strip(await fs.readFile(file));
    await fs.writeFile(file, target.manifests[version]);
  }
  await fs.writeFile(path.join(target.pristine, 'MANIFEST.MF'), target.manifests[OLD] ?? '');
}

beforeAll(async () => {
  world = await buildWorld({ size: 16 * 1024 });
  await stripSizes(world);
  server = await serveRoot(world.root);
});
afterAll(async () => server.close());
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  server.setKnobs('*', {});
  server.setKnobs(JAR, {});
});

const run = (command: string, client: string, extra: string[] = []): Promise<CliOutcome> =>
  runCliProcess(stationArgs(command, client, `${server.url}registration-client/`, ['--retries', '1', ...extra]), {
    logFile: path.join(client, 'registration.log'),
    timeoutMs: NO_HANG_MS,
  });

/** The launcher's contract holds even in failure: it ended by itself, with its code and every field of the result. */
function expectFullResult(outcome: CliOutcome, code: number, errorCode?: string): void {
  expect(outcome.timedOut, `hung: ${outcome.stderr}`).toBe(false);
  expect(outcome.code, outcome.stdout + outcome.stderr).toBe(code);
  const json = outcome.json ?? {};
  expect(json['exitCode']).toBe(code);
  for (const key of ['state', 'installedVersion', 'latestVersion', 'upgradeAvailable', 'restartRequired', 'patched', 'removed', 'bytesFetched', 'warnings', 'error']) {
    expect(json, key).toHaveProperty(key);
  }
  if (errorCode !== undefined) expect(outcome.json).toMatchObject({ error: { code: errorCode } });
}

/** Files under .upgrade/ that are parts of a download. */
async function partsUnder(client: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (/\.part(\.meta)?$/.test(entry.name)) found.push(path.relative(client, full));
    }
  };
  await walk(path.join(client, '.upgrade'));
  return found;
}

const canMount = await (async () => {
  const dir = await tempDir('rcu-mount-');
  const ok = sh('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0;
  if (ok) sh('umount', [dir]);
  return ok;
})();

/** A fresh station on its own tmpfs of `size`, unmounted after the test. */
async function stationOnSmallDisk(size: string): Promise<string> {
  const client = path.join(await tempDir('rcu-diskfull-'), 'station');
  await fs.mkdir(client, { recursive: true });
  expect(sh('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', client]).status).toBe(0);
  cleanups.push(() => void sh('umount', ['-l', client]));
  await fs.cp(world.pristine, client, { recursive: true });
  return client;
}

const freeBytes = (dir: string): number => {
  const info = statfsSync(dir);
  return info.bavail * info.bsize;
};

describe.skipIf(!canMount)('a station on a small disk (tmpfs)', () => {
  it('an endless answer fills the disk: 21 IO_FAILED with the full JSON, the part deleted; the next launches end, and heal once the server is healthy', async () => {
    const client = await stationOnSmallDisk('3m');
    await fs.rm(path.join(client, 'lib', 'lib-0.jar'));
    const before = await hashTree(path.join(client, 'lib'));
    server.setKnobs(JAR, { padTo: 64 * 1024 * 1024, chunked: true });

    const full = await run('start', client, ['--free-space-reserve', '0']);
    expectFullResult(full, 21, 'IO_FAILED');
    expect(full.json).toMatchObject({ error: { details: { reason: 'ENOSPC' } } });
    expect(await partsUnder(client)).toEqual([]);
    expect(freeBytes(client)).toBeGreaterThan(1024 * 1024); // the part went: the disk has room again
    expect(await hashTree(path.join(client, 'lib'))).toEqual(before);

    // The same hostile server again: the same clean failure, not a crash or a hang.
    expectFullResult(await run('start', client, ['--free-space-reserve', '0']), 21, 'IO_FAILED');
    expect(await partsUnder(client)).toEqual([]);

    server.setKnobs(JAR, {});
    const healed = await run('start', client, ['--free-space-reserve', '0']);
    expectFullResult(healed, 0);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });

  it('the free-space reserve (default 64 MiB) refuses the download before a byte is written: 21, nothing on disk', async () => {
    const client = await stationOnSmallDisk('3m');
    await fs.rm(path.join(client, 'lib', 'lib-0.jar'));
    server.resetCounters();
    const refused = await run('start', client);
    expectFullResult(refused, 21, 'IO_FAILED');
    expect(refused.json).toMatchObject({ error: { details: { reason: 'free-space-reserve' } } });
    expect(server.requestsFor(JAR)).toHaveLength(0);
    expect(await partsUnder(client)).toEqual([]);
  });

  it('a disk already full (another program filled it): the run ends with its code and JSON; once space is freed, the next launch repairs', async () => {
    const client = await stationOnSmallDisk('3m');
    await fs.rm(path.join(client, 'lib', 'lib-0.jar'));
    // Fill every byte left: the log, the state database and the download all hit ENOSPC.
    const filler = path.join(client, 'filler.bin');
    sh('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k']);
    expect(freeBytes(client)).toBeLessThan(64 * 1024);
    const outcome = await run('start', client, ['--free-space-reserve', '0']);
    expect(outcome.timedOut, `hung: ${outcome.stderr}`).toBe(false);
    expect(outcome.json?.['exitCode'], outcome.stdout + outcome.stderr).toBe(outcome.code);
    expect([21, 65]).toContain(outcome.code);
    expect(await partsUnder(client)).toEqual([]);
    await fs.rm(filler);
    const healed = await run('start', client, ['--free-space-reserve', '0']);
    expectFullResult(healed, 0);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });
});

describe('downloads that would fill any disk', () => {
  it('max-file-size stops an endless answer: 21 DOWNLOAD_TOO_LARGE, the part deleted, lib/ as it was; healthy, the next launch repairs', async () => {
    const client = await freshStation(world, path.join(await tempDir('rcu-toolarge-'), 'station'));
    await fs.rm(path.join(client, 'lib', 'lib-0.jar'));
    const before = await hashTree(path.join(client, 'lib'));
    server.setKnobs(JAR, { padTo: 32 * 1024 * 1024, chunked: true });
    const refused = await run('start', client, ['--max-file-size', '1M']);
    expectFullResult(refused, 21, 'DOWNLOAD_TOO_LARGE');
    expect(await partsUnder(client)).toEqual([]);
    expect(await hashTree(path.join(client, 'lib'))).toEqual(before);
    server.setKnobs(JAR, {});
    expectFullResult(await run('start', client, ['--max-file-size', '1M']), 0);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });

  it('an invalid max-file-size is a configuration error naming the key (64)', async () => {
    const client = await freshStation(world, path.join(await tempDir('rcu-toolarge-'), 'station'));
    const outcome = await run('start', client, ['--max-file-size', 'lots']);
    expect(outcome.code).toBe(64);
    expect(outcome.json).toMatchObject({ error: { code: 'CONFIG_INVALID', details: { key: '--max-file-size', value: 'lots' } } });
  });
});

describe('a log that cannot be written (registration.log → /dev/full: ENOSPC on every line)', () => {
  it.skipIf(!existsSync('/dev/full'))('start repairs the station and exits 0 with the full JSON; the log failure is a warning, not a crash or a hang', async () => {
    const client = await freshStation(world, path.join(await tempDir('rcu-devfull-'), 'station'));
    await fs.rm(path.join(client, 'lib', 'lib-0.jar'));
    await fs.symlink('/dev/full', path.join(client, 'registration.log'));
    const outcome = await run('start', client);
    expectFullResult(outcome, 0);
    expect((outcome.json?.['warnings'] as string[]).join('\n')).toMatch(/could not write the log .*registration\.log/);
    expect(await checkInstalled(client, world, OLD)).toEqual([]);
  });
});

describe('sizes in MANIFEST.MF (what publish writes now)', () => {
  it('upgrade: a Content-Length 100× the file is refused before reading (65), nothing staged, lib/ and MANIFEST.MF unchanged', async () => {
    const sized = await buildWorld({ size: 16 * 1024 });
    const sizedServer = await serveRoot(sized.root);
    try {
      const client = await freshStation(sized, path.join(await tempDir('rcu-sized-'), 'station'));
      const jar = `/registration-client/${NEW}/lib/lib-1.jar`;
      sizedServer.setKnobs(jar, { padTo: 100 * 16 * 1024 });
      const outcome = await runCliProcess(stationArgs('upgrade', client, `${sizedServer.url}registration-client/`, ['--retries', '1']), {
        logFile: path.join(client, 'registration.log'),
        timeoutMs: NO_HANG_MS,
      });
      expectFullResult(outcome, 65, 'HASH_MISMATCH');
      // The refused file left nothing; the parts of the files stopped beside it are kept for the next run.
      expect((await partsUnder(client)).filter((part) => part.includes('lib-1.jar'))).toEqual([]);
      expect(await checkInstalled(client, sized, OLD)).toEqual([]);
      expect((await fs.readFile(path.join(sized.root, 'registration-client', NEW, 'MANIFEST.MF'), 'utf8'))).toMatch(/Content-Length: \d+/);
    } finally {
      await sizedServer.close();
    }
  });
});
