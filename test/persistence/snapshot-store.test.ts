// The one contract suite, against the in-memory fake and the SQLite store on a real file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createMemorySnapshotStore, openSqliteSnapshotStore } from '../../src/persistence/index.js';
import { describeSnapshotStoreContract } from './snapshot-store-contract.js';

let dir = '';
let opened = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'state-store-contract-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeSnapshotStoreContract('memory fake', () => Promise.resolve(createMemorySnapshotStore()));
describeSnapshotStoreContract('SQLite', () => {
  opened += 1;
  return openSqliteSnapshotStore(join(dir, `station-${opened}`, '.upgrade', 'state.db'));
});
