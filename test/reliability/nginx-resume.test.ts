// Kill and resume against the real nginx (Debian's package, deploy/nginx.conf, limit_rate): the part
// left by a SIGKILL is resumed with nginx's own ETag (mtime-size) in If-Range and its 206 answers; a
// file rewritten on disk (new mtime → new ETag) is fetched whole again, never spliced.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publishRelease } from '../../src/server/publish.js';
import { nginxAvailable, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { bytesFor, hashTree, installStation, publish, sha256, tempDir, writeTree } from '../helpers/station.js';
import { runCliProcess } from './helpers/cli-process.js';

const BIG = 'big.jar';
const SIZE = 192 * 1024;
const OLD_BYTES = bytesFor('nginx-big-old', SIZE);

let root: string;
let client: string;
let nginx: RunningNginx;

beforeEach(async () => {
  root = await tempDir('rcu-ngx-root-');
  await publish(root, '1.0.0', { [BIG]: OLD_BYTES, 'small.jar': 'small' });
  client = path.join(await tempDir('rcu-ngx-'), 'station');
  await installStation(root, '1.0.0', client);
  await fs.rm(path.join(client, 'lib', BIG));
  nginx = await startNginx({ root, limitRate: '64k' });
});
afterEach(async () => nginx?.stop());

// --whole-files: these tests hold the whole-file resume (Range/If-Range on the .part); the differential
// assembly of a part is covered by test/cli/start-kill-delta.test.ts.
const start = (plan?: Parameters<typeof runCliProcess>[1]['plan']) =>
  runCliProcess(['start', '--client-dir', client, '--server-url', `${nginx.url}registration-client/`, '--json', '--whole-files'], {
    logFile: path.join(client, '.upgrade', 'registration.jsonl'),
    ...(plan === undefined ? {} : { plan }),
  });

/** Status and body size of every GET of big.jar in nginx's access log (combined format). */
async function bigRequests(): Promise<Array<{ status: number; bytes: number }>> {
  const log = await fs.readFile(path.join(nginx.prefix, 'access.log'), 'utf8');
  return [...log.matchAll(/"GET \/registration-client\/1\.0\.0\/lib\/big\.jar HTTP\/1\.1" (\d{3}) (\d+)/g)].map((m) => ({
    status: Number(m[1]),
    bytes: Number(m[2]),
  }));
}

/** Kills a patching start a second into big.jar; returns the size of the part it left. */
async function interrupted(): Promise<number> {
  const run = await start({ kind: 'log', n: 1, pattern: /"msg":"patch: /, delayMs: 1000 });
  expect(run.killed).toBe(true);
  const size = (await fs.stat(path.join(client, '.upgrade', 'staging', 'patch', `${BIG}.part`))).size;
  expect(size).toBeGreaterThan(0);
  expect(size).toBeLessThan(SIZE);
  return size;
}

describe.skipIf(!nginxAvailable)('kill and resume against nginx', () => {
  it('resumes the part with a 206 for exactly the missing bytes', async () => {
    const part = await interrupted();
    const run = await start();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await hashTree(path.join(client, 'lib')))[BIG]).toBe(sha256(OLD_BYTES));
    const requests = await bigRequests();
    expect(requests.at(-1)).toEqual({ status: 206, bytes: SIZE - part });
  }, 30_000);

  it('a file rewritten with the same bytes (new mtime, new ETag) is fetched whole: 200, not 206', async () => {
    await interrupted();
    const file = path.join(root, 'registration-client/1.0.0/lib', BIG);
    const later = new Date(Date.now() + 60_000);
    await fs.utimes(file, later, later);
    const run = await start();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await bigRequests()).at(-1)).toEqual({ status: 200, bytes: SIZE });
    expect((await hashTree(path.join(client, 'lib')))[BIG]).toBe(sha256(OLD_BYTES));
  }, 30_000);

  it('a hotfix republished in place while the part waits: the new file is installed whole', async () => {
    await interrupted();
    const newBytes = bytesFor('nginx-big-new', SIZE);
    const lib = await tempDir('rcu-ngx-lib-');
    await writeTree(lib, { [BIG]: newBytes, 'small.jar': 'small' });
    await publishRelease({ unchecked: true, version: '1.0.0', libDir: lib, outRoot: root });
    const run = await start();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await hashTree(path.join(client, 'lib')))[BIG]).toBe(sha256(newBytes));
    expect((await bigRequests()).at(-1)?.status).toBe(200);
  }, 30_000);
});
