// Backups of the client database taken with SQLite's online backup API while another connection
// writes, and restored durably over a changed database.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupError } from '../../../src/errors.js';
import { backupClientDb, restoreClientDb } from '../../../src/services/client-db/backup-db.js';
import { clientRows, clientSchema, createClientDb, dbVersionOf, readValue } from './client-db-fixture.js';

let dir = '';
let dbPath = '';
let backupPath = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'client-db-backup-'));
  dbPath = path.join(dir, 'db', 'reg.sqlite');
  backupPath = path.join(dir, 'BackUp', '1.2.0_2025-11-27 08-00-00.000Z', 'db', 'reg.sqlite');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<BackupError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof BackupError)) throw new Error(`expected a BackupError, got ${String(error)}`);
  return error;
}

/**
 * Writes through its own connection until stopped, one transaction per turn of the event loop, keeping
 * `write_counter.n` equal to the rows written ('insert': new registrations, growing the file;
 * 'update': status changes in place, same page count), so any torn copy shows.
 */
function startWriter(file: string, mode: 'insert' | 'update'): { stop: () => Promise<number> } {
  const db = new Database(file, { timeout: 10_000 });
  db.exec('CREATE TABLE IF NOT EXISTS write_counter (n INTEGER NOT NULL); INSERT INTO write_counter VALUES (0)');
  const change = db.prepare(
    mode === 'insert'
      ? `INSERT INTO registration (id, reg_type, status_code) VALUES ('writer-' || (SELECT n FROM write_counter), 'NEW', 'WRITTEN')`
      : `UPDATE registration SET status_code = 'WRITTEN' WHERE id = (SELECT min(id) FROM registration WHERE status_code <> 'WRITTEN')`,
  );
  const bump = db.prepare('UPDATE write_counter SET n = n + 1');
  const write = db.transaction(() => {
    change.run();
    bump.run();
  });
  let writes = 0;
  let stopped = false;
  const done = new Promise<void>((resolve) => {
    const turn = (): void => {
      if (stopped) {
        db.close();
        resolve();
        return;
      }
      write();
      writes += 1;
      setImmediate(turn);
    };
    setImmediate(turn);
  });
  return {
    stop: async () => {
      stopped = true;
      await done;
      return writes;
    },
  };
}

describe('backupClientDb', () => {
  it.each(['insert', 'update'] as const)('takes a consistent copy while another connection keeps writing (%s)', async (mode) => {
    createClientDb(dbPath, { registrations: 3000 });
    const writer = startWriter(dbPath, mode);
    let writesWhileBackingUp = 0;
    try {
      // A few pages per step: the writer gets a turn between steps and makes SQLite restart the copy.
      const result = await backupClientDb(dbPath, backupPath, { pagesPerStep: 4 });
      writesWhileBackingUp = await writer.stop();
      expect('bytes' in result && result.bytes > 0).toBe(true);
    } finally {
      await writer.stop();
    }
    expect(writesWhileBackingUp).toBeGreaterThan(0);
    expect(readValue(backupPath, 'PRAGMA integrity_check')).toBe('ok');
    const written = readValue<number>(backupPath, "SELECT count(*) FROM registration WHERE status_code = 'WRITTEN'");
    expect(readValue(backupPath, 'SELECT n FROM write_counter')).toBe(written);
    expect(readValue(backupPath, 'SELECT count(*) FROM registration')).toBe(mode === 'insert' ? 3000 + written : 3000);
    expect(readValue(backupPath, 'SELECT count(*) FROM registration_transaction')).toBe(3000);
    expect(await readdir(path.dirname(backupPath))).toEqual(['reg.sqlite']);
  });

  it('reports the size of the copy and leaves the source untouched', async () => {
    createClientDb(dbPath, { registrations: 200, version: '1.2.0' });
    const before = clientRows(dbPath);
    const result = await backupClientDb(dbPath, backupPath);
    expect(result).toEqual({ bytes: readValue<number>(backupPath, 'SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()') });
    expect(clientRows(backupPath)).toEqual(before);
    expect(clientSchema(backupPath)).toEqual(clientSchema(dbPath));
    expect(dbVersionOf(backupPath)).toBe('1.2.0');
    expect(readValue(dbPath, 'PRAGMA journal_mode')).toBe('delete');
  });

  it('replaces a stale temporary file and an older backup', async () => {
    createClientDb(dbPath, { registrations: 10 });
    await backupClientDb(dbPath, backupPath);
    await writeFile(`${backupPath}.tmp`, 'left by a killed backup');
    new Database(dbPath).exec("DELETE FROM registration WHERE rowid > 4").close();
    await backupClientDb(dbPath, backupPath);
    expect(readValue(backupPath, 'SELECT count(*) FROM registration')).toBe(4);
    expect(existsSync(`${backupPath}.tmp`)).toBe(false);
  });

  it('returns { absent: true } without creating anything when there is no database', async () => {
    expect(await backupClientDb(dbPath, backupPath)).toEqual({ absent: true });
    expect(existsSync(dbPath)).toBe(false);
    expect(existsSync(path.dirname(backupPath))).toBe(false);
  });

  it('fails with BACKUP_FAILED naming the file when the source is not a database', async () => {
    await rm(path.dirname(dbPath), { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(dbPath), { recursive: true }));
    await writeFile(dbPath, 'this is not a SQLite database, just text long enough to have a header');
    const error = await errorOf(backupClientDb(dbPath, backupPath));
    expect(error.code).toBe('BACKUP_FAILED');
    expect(error.message).toContain(dbPath);
    expect(existsSync(backupPath)).toBe(false);
    expect(existsSync(`${backupPath}.tmp`)).toBe(false);
  });
});

describe('restoreClientDb', () => {
  it('round-trips: a changed database comes back as the backup, stale journal files removed', async () => {
    createClientDb(dbPath, { registrations: 250, version: '1.2.0' });
    await backupClientDb(dbPath, backupPath);
    const schema = clientSchema(backupPath);
    const rows = clientRows(backupPath);
    const db = new Database(dbPath);
    db.exec(`DELETE FROM registration WHERE rowid % 3 = 0; CREATE TABLE audit_log (x INT);
      UPDATE global_param SET val = '1.3.0' WHERE code = 'mosip.reg.services.current.version'`);
    db.close();
    await writeFile(`${dbPath}-wal`, '');
    await writeFile(`${dbPath}-shm`, '');
    await restoreClientDb(backupPath, dbPath);
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    expect(existsSync(`${dbPath}-shm`)).toBe(false);
    expect(clientSchema(dbPath)).toEqual(schema);
    expect(clientRows(dbPath)).toEqual(rows);
    expect(dbVersionOf(dbPath)).toBe('1.2.0');
    expect(readValue(dbPath, 'PRAGMA integrity_check')).toBe('ok');
    expect((await readdir(path.dirname(dbPath))).sort()).toEqual(['reg.sqlite']);
  });

  it('puts the database back when it is gone altogether', async () => {
    createClientDb(dbPath, { registrations: 20 });
    await backupClientDb(dbPath, backupPath);
    await rm(path.dirname(dbPath), { recursive: true });
    await restoreClientDb(backupPath, dbPath);
    expect(readValue(dbPath, 'SELECT count(*) FROM registration')).toBe(20);
  });

  it('fails with ROLLBACK_FAILED and leaves the database alone when the backup is missing or not a database', async () => {
    createClientDb(dbPath, { registrations: 20 });
    const rows = clientRows(dbPath);
    const missing = await errorOf(restoreClientDb(backupPath, dbPath));
    expect(missing.code).toBe('ROLLBACK_FAILED');
    expect(missing.message).toContain(backupPath);
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(backupPath), { recursive: true }));
    await writeFile(backupPath, 'garbage that is not a database at all, not even close to one');
    expect((await errorOf(restoreClientDb(backupPath, dbPath))).code).toBe('ROLLBACK_FAILED');
    expect(clientRows(dbPath)).toEqual(rows);
    expect((await readdir(path.dirname(dbPath))).sort()).toEqual(['reg.sqlite']);
  });
});
