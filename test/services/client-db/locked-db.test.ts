// When the database itself refuses (another process holds it locked), the step reports a
// DatabaseError with a stable code naming the file, and has changed nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DatabaseError } from '../../../src/errors.js';
import { openClientDb } from '../../../src/services/client-db/client-data-source.js';
import { applyDbUpgradeStep } from '../../../src/services/client-db/run-db-upgrade.js';
import { silentLogger } from '../../../src/services/logger.js';
import { createClientDb, dbVersionOf, readValue, writeDbScripts } from './client-db-fixture.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'client-db-locked-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('reports DB_UPGRADE_FAILED naming the database when another connection holds it locked', async () => {
  const dbPath = path.join(dir, 'db', 'reg.sqlite');
  const libDir = path.join(dir, 'lib');
  createClientDb(dbPath, { version: '1.2.0', registrations: 10 });
  writeDbScripts(libDir, '1.3.0', { upgrade: 'CREATE TABLE audit_log (id INTEGER);' });
  const ds = await openClientDb(dbPath, silentLogger, { busyTimeoutMs: 20 });
  const client = new Database(dbPath);
  client.exec('BEGIN EXCLUSIVE');
  try {
    const error = await applyDbUpgradeStep(ds, { version: '1.3.0', dbVersion: '1.3.0', releaseOrder: 4 }, libDir, {
      dbPath,
      logger: silentLogger,
    }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).code).toBe('DB_UPGRADE_FAILED');
    expect((error as DatabaseError).message).toContain(dbPath);
    expect((error as DatabaseError).message).toContain('locked');
  } finally {
    client.exec('ROLLBACK');
    client.close();
    await ds.destroy();
  }
  expect(dbVersionOf(dbPath)).toBe('1.2.0');
  expect(readValue(dbPath, "SELECT count(*) FROM sqlite_master WHERE name = 'audit_log'")).toBe(0);
});
