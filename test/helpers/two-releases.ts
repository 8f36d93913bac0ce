// Two published releases (1.0.0 installed on a station, 1.1.0 announced) behind the controllable
// test server, for the unit tests of the upgrade services.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../../src/services/hash-file.js';
import type { HashPool } from '../../src/services/hash-pool.js';
import { serveRoot } from './serve-root.js';
import { bytesFor, installStation, publish, tempDir } from './station.js';
import type { TestServer } from './test-server.js';

/** lib/ of 1.0.0 and of 1.1.0: one file kept, one changed, one removed, one added (in a subfolder). */
export const RELEASE_1_0 = {
  'kept.jar': bytesFor('kept', 40_000),
  'changed.jar': bytesFor('changed 1.0', 60_000),
  'removed.jar': bytesFor('removed', 10_000),
};
export const RELEASE_1_1 = {
  'kept.jar': bytesFor('kept', 40_000),
  'changed.jar': bytesFor('changed 1.1', 300_000),
  'sub/added.jar': bytesFor('added', 20_000),
};

/** A station on 1.0.0 and a server holding 1.0.0 and 1.1.0. */
export interface TwoReleases {
  clientDir: string;
  upgradeDir: string;
  server: TestServer;
  /** Base URL ending at …/registration-client/. */
  serverUrl: string;
  /** Where the releases were published (…/registration-client/<version>/). */
  root: string;
}

export async function twoReleases(): Promise<TwoReleases> {
  const root = await tempDir('rcu-releases-');
  await publish(root, '1.0.0', RELEASE_1_0);
  await publish(root, '1.1.0', RELEASE_1_1);
  const clientDir = path.join(await tempDir('rcu-station-'), 'reg-client');
  await installStation(root, '1.0.0', clientDir);
  const server = await serveRoot(root);
  return { clientDir, upgradeDir: path.join(clientDir, '.upgrade'), server, serverUrl: `${server.url}registration-client/`, root };
}

/** Hashes on the test's own thread (the worker pool's result, without its threads). */
export const inlineHashPool: HashPool = {
  hashFile: async (file) => ({ hash: await sha256File(file), size: (await fs.stat(file)).size }),
  close: () => Promise.resolve(),
};
