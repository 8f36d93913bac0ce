// The startup cycle end to end: the built CLI against a real HTTP server, real files, real SQLite.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { serveRoot } from '../helpers/serve-root.js';
import { bytesFor, hashTree, installStation, publish, repoRoot, runCli, sha256, tempDir, writeTree } from '../helpers/station.js';

const javaAvailable = (() => {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const TRICKY = {
  long: `${'very-long-library-name-'.repeat(6)}final.jar`,
  spaced: 'lib with spaces/my file (1).jar',
  accented: 'données-éàü.jar',
  cjk: '中文/库文件.jar',
};

function release(version: string): Record<string, Buffer | string> {
  return {
    'registration-client-1.0.0.jar': bytesFor(`client-${version}`, 150_000),
    'registration-services-1.0.0.jar': bytesFor(`services-${version}`, 120_000),
    'mosip-application.properties': `mosip.reg.client.url=http://unused.invalid/\nbuild.version=${version}\n`,
    [TRICKY.long]: bytesFor(`long-${version}`, 30_000),
    [TRICKY.spaced]: bytesFor(`spaced-${version}`, 20_000),
    [TRICKY.accented]: bytesFor(`accent-${version}`, 10_000),
    [TRICKY.cjk]: bytesFor(`cjk-${version}`, 5_000),
    'sql/1.0.0/initial_db_scripts.sql': 'CREATE TABLE t (a TEXT);\n',
  };
}

/** Rewrites a published MANIFEST.MF with Java's own java.util.jar.Manifest. */
async function rewriteManifestWithJava(releaseDir: string): Promise<void> {
  const hashes = await hashTree(path.join(releaseDir, 'lib'));
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const lines = [`MANIFEST MANIFEST.MF ${b64(path.basename(releaseDir))}`];
  for (const [name, hash] of Object.entries(hashes)) lines.push(`ENTRY ${b64(name)} ${hash}`);
  execFileSync('java', [path.join(repoRoot, 'test/fixtures/java/FormatTool.java'), 'write-manifests', releaseDir], {
    input: `${lines.join('\n')}\n`,
  });
}

let root: string;
let client: string;
let server: StaticServer | undefined;

beforeEach(async () => {
  root = await tempDir('rcu-root-');
  client = path.join(await tempDir('rcu-client-'), 'station');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(): Promise<string> {
  server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
  return `${server.url}registration-client/`;
}

describe('start: the launcher’s startup cycle', () => {
  it.skipIf(!javaAvailable)('patches a station from a release whose manifest Java wrote (long, spaced, non-ASCII names)', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    const releaseDir = path.join(root, 'registration-client', '1.0.0');
    await rewriteManifestWithJava(releaseDir);
    await installStation(root, '1.0.0', client);
    const lib = path.join(client, 'lib');
    await fs.rm(path.join(lib, ...TRICKY.spaced.split('/')));
    await fs.writeFile(path.join(lib, ...TRICKY.cjk.split('/')), 'damaged');
    await fs.writeFile(path.join(lib, TRICKY.accented), 'damaged too');
    await writeTree(lib, { 'leftover.jar': 'old', 'old/dir/x.txt': 'x' });

    const run = await runCli(['start', '--client-dir', client, '--server-url', await serve(), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ state: 'ready', installedVersion: '1.0.0', upgradeAvailable: false, error: null });
    expect(run.json?.patched).toEqual([TRICKY.accented, TRICKY.spaced, TRICKY.cjk].sort());
    expect(run.json?.removed).toEqual(['leftover.jar', 'old/dir/x.txt']);
    expect(await hashTree(lib)).toEqual(await hashTree(path.join(releaseDir, 'lib')));
    expect(existsSync(path.join(lib, 'old'))).toBe(false);
    expect(existsSync(path.join(client, '.upgrade', 'staging', 'patch'))).toBe(false);
    const log = await fs.readFile(path.join(client, 'registration.log'), 'utf8');
    expect(log).toContain(`patched ${TRICKY.spaced}`);
  });

  it('applies a hotfix of the same version: the local MANIFEST.MF is replaced by the server’s', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    const hotfix = { ...release('1.0.0'), 'registration-services-1.0.0.jar': bytesFor('hotfix', 121_000) };
    await publish(root, '1.0.0', hotfix);

    const run = await runCli(['start', '--client-dir', client, '--server-url', await serve(), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json?.patched).toEqual(['registration-services-1.0.0.jar']);
    const serverManifest = await fs.readFile(path.join(root, 'registration-client/1.0.0/MANIFEST.MF'));
    expect((await fs.readFile(path.join(client, 'MANIFEST.MF'))).equals(serverManifest)).toBe(true);
    expect(sha256(await fs.readFile(path.join(client, 'lib/registration-services-1.0.0.jar')))).toBe(
      sha256(bytesFor('hotfix', 121_000)),
    );
  });

  it('announces a newer version without downloading it, and still exits 0', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    await publish(root, '1.1.0', release('1.1.0'));
    const run = await runCli(['start', '--client-dir', client, '--server-url', await serve(), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ state: 'upgradeAvailable', upgradeAvailable: true, latestVersion: '1.1.0' });
    expect(await hashTree(path.join(client, 'lib'))).toEqual(await hashTree(path.join(root, 'registration-client/1.0.0/lib')));
  });

  it('offline with good files: exit 0 without any server', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    const run = await runCli(['start', '--client-dir', client, '--server-url', 'http://127.0.0.1:9/registration-client/', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json).toMatchObject({ state: 'ready', online: false });
  });

  it('offline with missing and unknown files: exit 21, nothing deleted', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    await fs.rm(path.join(client, 'lib', TRICKY.accented));
    await writeTree(path.join(client, 'lib'), { 'extra.jar': 'keep me' });
    const before = await hashTree(path.join(client, 'lib'));
    const run = await runCli(['start', '--client-dir', client, '--offline', '--json']);
    expect(run.code).toBe(21);
    expect(run.json).toMatchObject({ state: 'failed', error: { code: 'OFFLINE_FILES_BAD' } });
    expect(String((run.json?.error as { message: string }).message)).toContain(TRICKY.accented);
    expect(await hashTree(path.join(client, 'lib'))).toEqual(before);
  });

  it('manifest answered with 500 while online: exit 20 (build status check failure)', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    const test = await serveRoot(root, { '/registration-client/1.0.0/MANIFEST.MF': { status: 500 } });
    try {
      const run = await runCli(['start', '--client-dir', client, '--server-url', `${test.url}registration-client/`, '--json', '--retries', '1']);
      expect(run.code).toBe(20);
      expect(run.json).toMatchObject({ error: { code: 'BUILD_STATUS_CHECK_FAILED' } });
    } finally {
      await test.close();
    }
  });

  it('patch file answered with 500: exit 21 and that file in lib/ is left exactly as it was', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    const damaged = path.join(client, 'lib', 'registration-client-1.0.0.jar');
    await fs.writeFile(damaged, 'damaged core jar');
    const test = await serveRoot(root, { '/registration-client/1.0.0/lib/registration-client-1.0.0.jar': { status: 500 } });
    try {
      const run = await runCli(['start', '--client-dir', client, '--server-url', `${test.url}registration-client/`, '--json', '--retries', '1']);
      expect(run.code).toBe(21);
      expect(run.json).toMatchObject({ error: { code: 'PATCH_DOWNLOAD_FAILED' } });
      expect(await fs.readFile(damaged, 'utf8')).toBe('damaged core jar');
    } finally {
      await test.close();
    }
  });

  it('patch file with corrupt bytes: exit 65 (hash mismatch) and lib/ unchanged for that file', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    const target = path.join(client, 'lib', TRICKY.long);
    await fs.rm(target);
    const test = await serveRoot(root, { [`/registration-client/1.0.0/lib/${TRICKY.long}`]: { corrupt: true } });
    try {
      const run = await runCli(['start', '--client-dir', client, '--server-url', `${test.url}registration-client/`, '--json', '--retries', '1']);
      expect(run.code).toBe(65);
      expect(run.json).toMatchObject({ error: { code: 'HASH_MISMATCH' } });
      expect(existsSync(target)).toBe(false);
    } finally {
      await test.close();
    }
  });

  it('a server manifest naming ../ or absolute paths: exit 65 and nothing touched', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    const hash = sha256(Buffer.from('evil'));
    for (const evil of ['../evil.jar', '/etc/evil.jar', 'a/../../evil.jar', 'C:/evil.jar', 'a\\..\\evil.jar']) {
      await fs.writeFile(
        path.join(root, 'registration-client/1.0.0/MANIFEST.MF'),
        `Manifest-Version: 1.0.0\r\n\r\nName: ${evil}\r\nContent-Type: ${hash}\r\n\r\n`,
      );
      const before = await hashTree(client);
      const run = await runCli(['start', '--client-dir', client, '--server-url', await serve(), '--json']);
      await server?.close();
      server = undefined;
      expect(run.code, evil).toBe(65);
      expect(run.json?.error).toMatchObject({ code: expect.stringMatching(/MANIFEST_(NAME_UNSAFE|MALFORMED)/) as unknown });
      const after = await hashTree(client);
      for (const name of Object.keys(before).filter((n) => !n.startsWith('.upgrade/') && n !== 'registration.log')) {
        expect(after[name], name).toBe(before[name]);
      }
      expect(existsSync(path.join(path.dirname(client), 'evil.jar'))).toBe(false);
    }
  });

  it('maven-metadata.xml with a DOCTYPE: exit 65', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    await fs.writeFile(
      path.join(root, 'registration-client/maven-metadata.xml'),
      '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "y">]><metadata><versioning><versions><version>9.9</version></versions></versioning></metadata>',
    );
    const run = await runCli(['start', '--client-dir', client, '--server-url', await serve(), '--json']);
    expect(run.code).toBe(65);
    expect(run.json).toMatchObject({ error: { code: 'METADATA_DOCTYPE' } });
  });

  it('exits 40 while another live run holds the lock, and takes over the lock of a dead one', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    const upgradeDir = path.join(client, '.upgrade');
    await fs.mkdir(path.join(upgradeDir, 'station.lock'), { recursive: true });
    const owner = (pid: number) => JSON.stringify({ pid, host: os.hostname(), command: 'start', since: new Date().toISOString() });
    await fs.writeFile(path.join(upgradeDir, `station.pid-${process.pid}`), owner(process.pid));
    const locked = await runCli(['start', '--client-dir', client, '--offline', '--json']);
    expect(locked.code).toBe(40);
    expect(locked.json).toMatchObject({ error: { code: 'LOCKED' } });

    await fs.rm(path.join(upgradeDir, `station.pid-${process.pid}`));
    await fs.writeFile(path.join(upgradeDir, 'station.pid-4206593'), owner(2 ** 22 + 12345));
    const takenOver = await runCli(['start', '--client-dir', client, '--offline', '--json']);
    expect(takenOver.code, takenOver.stdout).toBe(0);
    expect(existsSync(path.join(upgradeDir, 'station.lock'))).toBe(false);
    expect((await fs.readdir(upgradeDir)).filter((n) => n.startsWith('station.pid-'))).toEqual([]);
  });

  it('invalid configuration: exit 64 naming the key and value, nothing touched', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    const run = await runCli(['start', '--client-dir', client, '--json'], { env: { REG_UPGRADER_CONCURRENCY: 'lots' } });
    expect(run.code).toBe(64);
    expect(run.json).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
    expect(JSON.stringify(run.json)).toContain('REG_UPGRADER_CONCURRENCY');
    expect(JSON.stringify(run.json)).toContain('lots');
    expect(existsSync(path.join(client, '.upgrade'))).toBe(false);
  });

  it('a folder without MANIFEST.MF is not a station: exit 64', async () => {
    await fs.mkdir(client, { recursive: true });
    const run = await runCli(['start', '--client-dir', client, '--offline', '--json']);
    expect(run.code).toBe(64);
  });

  it('status and history tell what happened', async () => {
    await publish(root, '1.0.0', release('1.0.0'));
    await installStation(root, '1.0.0', client);
    await fs.rm(path.join(client, 'lib', TRICKY.cjk));
    const url = await serve();
    expect((await runCli(['start', '--client-dir', client, '--server-url', url])).code).toBe(0);
    const status = await runCli(['status', '--client-dir', client, '--json']);
    expect(status.json).toMatchObject({ state: 'ready', installedVersion: '1.0.0', patched: [TRICKY.cjk] });
    const history = await runCli(['history', '--client-dir', client, '--json']);
    const records = (history.json?.history ?? []) as Array<{ from: string | null; to: string }>;
    expect(records.map((r) => r.to).reverse()).toEqual(['probing', 'manifest', 'verify', 'patch', 'checkingUpgrade', 'ready']);
    const text = await runCli(['history', '--client-dir', client]);
    expect(text.stdout).toContain(`patched: ${TRICKY.cjk}`);
  });
});
