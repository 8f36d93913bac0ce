// A download interrupted half-way (the process killed) and resumed after the file changed on the
// server: the resume asks with If-Range, so a new ETag means the whole new body, which must then
// match the manifest — a changed file without a new manifest is bad data (65) and nothing reaches
// lib/; a hotfix republished under the same version is installed whole. Never old and new bytes mixed.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/formats/manifest.js';
import { serveRoot } from '../helpers/serve-root.js';
import { bytesFor, hashTree, installStation, publish, sha256, tempDir } from '../helpers/station.js';
import type { TestServer } from '../helpers/test-server.js';
import { runCliProcess } from './helpers/cli-process.js';

const BIG = 'big.jar';
const OLD_BYTES = bytesFor('big-old', 256 * 1024);
const NEW_BYTES = bytesFor('big-new', 256 * 1024);
const BIG_PATH = `/registration-client/1.0.0/lib/${BIG}`;

let root: string;
let client: string;
let server: TestServer;

beforeEach(async () => {
  root = await tempDir('rcu-chg-root-');
  await publish(root, '1.0.0', { [BIG]: OLD_BYTES, 'small.jar': 'small' });
  client = path.join(await tempDir('rcu-chg-'), 'station');
  await installStation(root, '1.0.0', client);
  await fs.rm(path.join(client, 'lib', BIG));
  // Sends 64 KB, then holds the rest back long enough for the kill to land mid-file.
  server = await serveRoot(root, { [BIG_PATH]: { stallAfterBytes: 64 * 1024, stallMs: 30_000 } });
});
afterEach(async () => server.close());

// --whole-files: these tests hold the whole-file resume (Range/If-Range on the .part); the differential
// assembly of a part is covered by test/cli/start-kill-delta.test.ts.
const start = (plan?: Parameters<typeof runCliProcess>[1]['plan']) =>
  runCliProcess(['start', '--client-dir', client, '--server-url', `${server.url}registration-client/`, '--json', '--retries', '1', '--whole-files'], {
    logFile: path.join(client, '.upgrade', 'registration.jsonl'),
    ...(plan === undefined ? {} : { plan }),
  });
const part = () => path.join(client, '.upgrade', 'staging', 'patch', `${BIG}.part`);

/** Kills a patching start once 64 KB of big.jar are on disk; returns the ETag the part was fetched under. */
async function interruptedDownload(): Promise<string> {
  const killed = await start({ kind: 'log', n: 1, pattern: /"msg":"patch: /, delayMs: 800 });
  expect(killed.killed).toBe(true);
  expect((await fs.stat(part())).size).toBe(64 * 1024);
  server.setKnobs(BIG_PATH, {});
  return server.etagOf(BIG_PATH) ?? '';
}

describe('resume after the file changed on the server', () => {
  it('changed content, same manifest: If-Range gets the whole new body, it fails the hash (65), lib/ untouched', async () => {
    const etag = await interruptedDownload();
    server.setFile(BIG_PATH, NEW_BYTES);
    const run = await start();
    expect(run.code, run.stdout).toBe(65);
    expect(run.json).toMatchObject({ error: { code: 'HASH_MISMATCH' } });
    const resume = server.requestsFor(BIG_PATH).find((r) => r.headers.range !== undefined);
    expect(resume?.headers['if-range']).toBe(etag);
    expect(resume?.status).toBe(200);
    expect(existsSync(path.join(client, 'lib', BIG))).toBe(false);
  });

  it('a server that honours Range despite a changed validator: the new ETag on the 206 is noticed (65), nothing mixed', async () => {
    await interruptedDownload();
    server.setFile(BIG_PATH, NEW_BYTES);
    server.setKnobs(BIG_PATH, { ignoreIfRange: true });
    const run = await start();
    expect(run.code, run.stdout).toBe(65);
    expect(server.requestsFor(BIG_PATH).some((r) => r.status === 206)).toBe(true);
    expect(existsSync(path.join(client, 'lib', BIG))).toBe(false);
  });

  it('a hotfix republished under the same version: the resume installs the whole new file (0)', async () => {
    await interruptedDownload();
    const hotfix = await tempDir('rcu-chg-hotfix-');
    await publish(hotfix, '1.0.0', { [BIG]: NEW_BYTES, 'small.jar': 'small' });
    const manifest = await fs.readFile(path.join(hotfix, 'registration-client/1.0.0/MANIFEST.MF'));
    server.setFile(BIG_PATH, NEW_BYTES);
    server.setFile('/registration-client/1.0.0/MANIFEST.MF', manifest);
    const run = await start();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await hashTree(path.join(client, 'lib')))[BIG]).toBe(sha256(NEW_BYTES));
    expect(parseManifest(await fs.readFile(path.join(client, 'MANIFEST.MF'))).entries.find((e) => e.name === BIG)?.hash).toBe(sha256(NEW_BYTES));
  });

  it('the same content again (unchanged ETag): the resume asks only for the rest', async () => {
    await interruptedDownload();
    server.resetCounters();
    const run = await start();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const resumed = server.requestsFor(BIG_PATH);
    expect(resumed.map((r) => r.status)).toEqual([206]);
    expect(resumed[0]?.bytesSent).toBe(OLD_BYTES.length - 64 * 1024);
    expect((await hashTree(path.join(client, 'lib')))[BIG]).toBe(sha256(OLD_BYTES));
  });
});
