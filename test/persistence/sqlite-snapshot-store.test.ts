// What only the SQLite store does: a real file that survives reopening, pragmas, migrations, atomic
// saves, and recovery from a database that cannot be trusted.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  STATE_ENTITIES,
  STATE_MIGRATIONS,
  createSqliteDataSource,
  openSqliteSnapshotStore,
} from '../../src/persistence/index.js';
import type { SnapshotStore } from '../../src/persistence/index.js';
import { snapshot, transition } from './snapshot-store-contract.js';

let dir = '';
let dbPath = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'state-store-'));
  dbPath = join(dir, '.upgrade', 'state.db');
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** Reads one pragma or query value straight from the file, bypassing the store. */
function readRaw<T>(path: string, sql: string): T {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as T;
  } finally {
    db.close();
  }
}

const FIXED_NOW = new Date('2025-11-26T10:20:30.456Z');
const ASIDE = `state.db.corrupt-2025-11-26T10-20-30.456Z`;

async function openLogged(): Promise<{ store: SnapshotStore; lines: string[] }> {
  const lines: string[] = [];
  const store = await openSqliteSnapshotStore(dbPath, {
    now: () => FIXED_NOW,
    log: (level, message) => lines.push(`${level}: ${message}`),
  });
  return { store, lines };
}

describe('SQLite snapshot store', () => {
  it('creates the missing parent directory and says so in the log', async () => {
    const { store, lines } = await openLogged();
    await store.close();
    expect(await readdir(join(dir, '.upgrade'))).toContain('state.db');
    expect(lines).toEqual([`info: created state database ${dbPath}`]);
  });

  it('keeps snapshot, history and values across close and reopen', async () => {
    const first = await openSqliteSnapshotStore(dbPath);
    await first.save(snapshot('staged', 7), transition({ to: 'staged', detail: { version: '1.2.0.1' } }));
    await first.append(transition({ event: 'run.ended' }));
    await first.setValue('crashLoop.count', '3');
    await first.close();

    const { store: second, lines } = await openLogged();
    expect(lines).toEqual([]);
    const loaded = await second.load();
    expect(loaded?.snapshot).toEqual(snapshot('staged', 7).snapshot);
    expect((await second.history()).map((row) => row.event)).toEqual(['run.ended', 'xstate.done.actor.probe']);
    expect(await second.getValue('crashLoop.count')).toBe('3');
    await second.close();
  });

  it('stores the snapshot as JSON text in one row, in WAL mode', async () => {
    const store = await openSqliteSnapshotStore(dbPath);
    await store.save(snapshot('backup', 1), transition());
    await store.save(snapshot('downloading', 2), transition());
    await store.close();
    expect(readRaw<number>(dbPath, 'SELECT count(*) FROM upgrader_snapshot')).toBe(1);
    const text = readRaw<string>(dbPath, 'SELECT snapshot FROM upgrader_snapshot');
    expect(JSON.parse(text)).toEqual(snapshot('downloading', 2).snapshot);
    expect(readRaw<string>(dbPath, 'PRAGMA journal_mode')).toBe('wal');
  });

  it('opens connections with WAL, synchronous=FULL and a busy timeout', async () => {
    const dataSource = await createSqliteDataSource({
      database: dbPath,
      entities: STATE_ENTITIES,
      migrations: STATE_MIGRATIONS,
    }).initialize();
    try {
      expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await dataSource.query('PRAGMA synchronous')).toEqual([{ synchronous: 2 }]);
      expect(await dataSource.query('PRAGMA busy_timeout')).toEqual([{ timeout: 5000 }]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('leaves the journal mode alone when asked (the client database is not ours to switch)', async () => {
    const dataSource = await createSqliteDataSource({ database: dbPath, entities: [], migrations: [], wal: false })
      .initialize();
    try {
      expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'delete' }]);
      expect(await dataSource.query('PRAGMA synchronous')).toEqual([{ synchronous: 2 }]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('reports a failed migration through `log`, never on the console (stdout may carry --json)', async () => {
    const consoleCalls = (['log', 'info', 'warn', 'error'] as const).map((method) => vi.spyOn(console, method));
    const lines: string[] = [];
    class Failing1764201600001 {
      name = 'Failing1764201600001';
      up(): Promise<void> {
        return Promise.reject(new Error('boom'));
      }
      down(): Promise<void> {
        return Promise.resolve();
      }
    }
    const dataSource = createSqliteDataSource({
      database: dbPath,
      entities: [],
      migrations: [Failing1764201600001],
      log: (level, message) => lines.push(`${level}: ${message}`),
    });
    await expect(dataSource.initialize()).rejects.toThrow('boom');
    expect(lines.some((line) => line.startsWith('warn: ') && line.includes('Failing1764201600001'))).toBe(true);
    for (const call of consoleCalls) expect(call).not.toHaveBeenCalled();
  });

  it('creates the schema by its migration and never by synchronize', async () => {
    const synchronize = vi.spyOn(DataSource.prototype, 'synchronize');
    const store = await openSqliteSnapshotStore(dbPath);
    await store.close();
    expect(synchronize).not.toHaveBeenCalled();
    expect(createSqliteDataSource({ database: dbPath, entities: [], migrations: [] }).options.synchronize).toBe(false);
    expect(readRaw<string>(dbPath, 'SELECT name FROM migrations')).toBe('CreateStateTables1764201600000');
    const tables = readRaw<string>(
      dbPath,
      `SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type IN ('table', 'index')
       AND name LIKE 'upgrader_%' OR name LIKE 'idx_upgrader_%' ORDER BY name)`,
    );
    expect(tables.split(',')).toEqual([
      'idx_upgrader_transition_run_seq',
      'upgrader_kv',
      'upgrader_outbox',
      'upgrader_snapshot',
      'upgrader_transition',
    ]);
    // Reopening runs no migration twice.
    await (await openSqliteSnapshotStore(dbPath)).close();
    expect(readRaw<number>(dbPath, 'SELECT count(*) FROM migrations')).toBe(2);
  });

  it('saves snapshot and transition in one transaction: a failed save leaves both as they were', async () => {
    const store = await openSqliteSnapshotStore(dbPath);
    await store.save(snapshot('verify', 1), transition({ to: 'verify' }));
    // A NOT NULL column fails the snapshot write after the transition row was inserted.
    const broken = { ...snapshot('patch', 2), machineVersion: null as unknown as string };
    await expect(store.save(broken, transition({ to: 'patch' }))).rejects.toMatchObject({ code: 'STATE_DB_FAILED' });
    await expect(store.save({ ...snapshot('patch', 2), snapshot: undefined }, transition())).rejects.toMatchObject({
      code: 'STATE_DB_FAILED',
    });
    expect((await store.load())?.snapshot).toEqual(snapshot('verify', 1).snapshot);
    expect((await store.history()).map((row) => row.to)).toEqual(['verify']);
    // The store is still usable after a failed save.
    await store.save(snapshot('patch', 3), transition({ to: 'patch' }));
    expect((await store.history()).map((row) => row.to)).toEqual(['patch', 'verify']);
    await store.close();
  });

  it('rejects use after close with STATE_DB_FAILED, and closing twice is harmless', async () => {
    const store = await openSqliteSnapshotStore(dbPath);
    await store.close();
    await store.close();
    await expect(store.load()).rejects.toMatchObject({ name: 'PersistenceError', code: 'STATE_DB_FAILED' });
    await expect(store.setValue('k', 'v')).rejects.toMatchObject({ code: 'STATE_DB_FAILED' });
  });
});

describe('SQLite snapshot store: a database that cannot be trusted', () => {
  /** Opens the store and checks the old file was moved aside (with `oldBytes`, when given) and a fresh one works. */
  async function expectMovedAsideAndFresh(oldBytes?: Buffer): Promise<void> {
    const { store, lines } = await openLogged();
    const aside = join(dir, '.upgrade', ASIDE);
    const asideBytes = await readFile(aside);
    if (oldBytes !== undefined) expect(asideBytes.equals(oldBytes)).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn: /);
    expect(lines[0]).toContain(dbPath);
    expect(lines[0]).toContain(aside);
    expect(lines[0]).not.toContain('\n');
    expect(await store.load()).toBeUndefined();
    expect(await store.history()).toEqual([]);
    await store.save(snapshot('probing', 1), transition());
    expect((await store.load())?.snapshot).toEqual(snapshot('probing', 1).snapshot);
    await store.close();
    expect(readRaw<string>(dbPath, 'PRAGMA integrity_check')).toBe('ok');
  }

  it('moves aside a file of random bytes, with its -wal and -shm files', async () => {
    await mkdir(join(dir, '.upgrade'));
    const garbage = randomBytes(8192);
    const wal = randomBytes(4096);
    await writeFile(dbPath, garbage);
    await writeFile(`${dbPath}-wal`, wal);
    await writeFile(`${dbPath}-shm`, randomBytes(32768));
    await expectMovedAsideAndFresh(garbage);
    const upgradeDir = join(dir, '.upgrade');
    expect((await readFile(join(upgradeDir, `${ASIDE}-wal`))).equals(wal)).toBe(true);
    expect(await readdir(upgradeDir)).toContain(`${ASIDE}-shm`);
  });

  it('moves aside a file that is not SQLite at all', async () => {
    await mkdir(join(dir, '.upgrade'));
    const text = Buffer.from('this is a properties file, not a database\n'.repeat(200));
    await writeFile(dbPath, text);
    await expectMovedAsideAndFresh(text);
  });

  it('moves aside a SQLite file whose pages were overwritten with garbage', async () => {
    const store = await openSqliteSnapshotStore(dbPath);
    for (let i = 0; i < 50; i += 1) await store.save(snapshot('downloading', i), transition({ detail: { i } }));
    await store.close();
    const bytes = await readFile(dbPath);
    bytes.fill(0xab, 2 * 4096, 5 * 4096); // keep the header (page 1), ruin the tables' root pages
    await writeFile(dbPath, bytes);
    await expectMovedAsideAndFresh(bytes);
  });

  it('moves aside a database on which the migration fails', async () => {
    await mkdir(join(dir, '.upgrade'));
    const foreign = new Database(dbPath);
    foreign.exec('CREATE TABLE upgrader_snapshot (something_else TEXT); INSERT INTO upgrader_snapshot VALUES (1);');
    foreign.close();
    // Not byte-identical: SQLite and TypeORM wrote to the file before the migration failed.
    await expectMovedAsideAndFresh();
    expect(readRaw<string>(join(dir, '.upgrade', ASIDE), 'SELECT something_else FROM upgrader_snapshot')).toBe('1');
  });

  it('does not move aside what it cannot open for reasons of the environment (a directory in its place)', async () => {
    await mkdir(dbPath, { recursive: true });
    await expect(openSqliteSnapshotStore(dbPath)).rejects.toMatchObject({
      name: 'PersistenceError',
      code: 'STATE_DB_FAILED',
      details: { path: dbPath },
    });
    expect(await readdir(join(dir, '.upgrade'))).toEqual(['state.db']);
  });
});
