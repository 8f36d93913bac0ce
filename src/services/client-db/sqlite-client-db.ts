// The SQLite adapter of the client database port (DESIGN §12): db/reg.sqlite, the embedded default.
// Steps run through TypeORM on better-sqlite3 with the full rollback ladder of run-db-upgrade.ts.
import { access, cp, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { BackupError } from '../../errors.js';
import type { Logger } from '../logger.js';
import { backupClientDb, restoreClientDb } from './backup-db.js';
import { messageOf, openClientDb } from './client-data-source.js';
import type { ClientDbAdapter, ClientDbSession, ClientDbSnapshot } from './client-db-port.js';
import { queryRows, readDbVersion } from './db-version.js';
import { applyDbUpgradeStep } from './run-db-upgrade.js';

const SIDE_FILES = ['-wal', '-shm', '-journal'];

/** The client database of a station that keeps it in SQLite at `dbPath`. */
export function createSqliteClientDb(dbPath: string): ClientDbAdapter {
  return {
    kind: 'sqlite',
    location: dbPath,
    exists: () => exists(dbPath),
    open: async (logger) => openSession(dbPath, logger),
    peekVersion: async (fallback) => {
      // Read-only and without migrations: a check must never change the client's database.
      const ds = new DataSource({ type: 'better-sqlite3', database: dbPath, readonly: true, migrationsRun: false, synchronize: false, logging: false });
      try {
        await ds.initialize();
        return await readDbVersion(ds, fallback);
      } finally {
        if (ds.isInitialized) await ds.destroy();
      }
    },
    restore: async (snapshotPath, keepReplacedAs, logger) => {
      if (await exists(dbPath)) {
        await keepReplaced(dbPath, keepReplacedAs);
        logger.warn(`the client database it replaces is kept at ${keepReplacedAs}`);
      }
      await restoreClientDb(snapshotPath, dbPath);
    },
  };
}

async function openSession(dbPath: string, logger: Logger): Promise<ClientDbSession> {
  // A restore from the snapshot (the ladder's last rung) destroys the data source: reopen lazily.
  let dataSource: DataSource = await openClientDb(dbPath, logger);
  const current = async (): Promise<DataSource> => {
    if (!dataSource.isInitialized) dataSource = await openClientDb(dbPath, logger);
    return dataSource;
  };
  return {
    readVersion: async (fallback) => readDbVersion(await current(), fallback),
    applyStep: async (step, libDir, options) =>
      applyDbUpgradeStep(await current(), step, libDir, {
        dbPath,
        logger: options.logger,
        ...(options.snapshotPath === undefined || !(await exists(options.snapshotPath)) ? {} : { backupDbPath: options.snapshotPath }),
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.mappings === undefined ? {} : { mappings: options.mappings }),
      }),
    countRows: async () => {
      const manager = (await current()).manager;
      const tables = await queryRows(
        manager,
        `SELECT "name" FROM "sqlite_master" WHERE "type" = 'table' AND "name" NOT LIKE 'sqlite_%' AND "name" NOT LIKE 'upgrader_%'`,
      );
      const counts: Record<string, number> = {};
      for (const table of tables.map((row) => String(row['name']))) {
        const [row] = await queryRows(manager, `SELECT COUNT(*) AS "n" FROM "${table.replace(/"/g, '""')}"`);
        counts[table.toUpperCase()] = Number(row?.['n'] ?? 0);
      }
      return counts;
    },
    snapshot: async (destDir): Promise<ClientDbSnapshot> => {
      const target = path.join(destDir, path.basename(dbPath));
      const copy = await backupClientDb(dbPath, target);
      if ('absent' in copy) throw new BackupError('BACKUP_FAILED', `the client database ${dbPath} vanished while it was open`);
      return { path: target, bytes: copy.bytes };
    },
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/** Moves the live database (and its side files) aside; never deletes it. */
async function keepReplaced(dbPath: string, keepAs: string): Promise<void> {
  try {
    await mkdir(path.dirname(keepAs), { recursive: true });
    for (const suffix of SIDE_FILES) {
      if (await exists(dbPath + suffix)) await moveAside(dbPath + suffix, keepAs + suffix);
    }
    await moveAside(dbPath, keepAs);
  } catch (error) {
    throw new BackupError('ROLLBACK_FAILED', `could not move the client database ${dbPath} aside to ${keepAs}: ${messageOf(error)}`, {
      cause: error,
      details: { path: dbPath, destination: keepAs },
    });
  }
}

/** Rename, or copy then delete when the backup root is on another file system. */
export async function moveAside(source: string, destination: string): Promise<void> {
  try {
    await rename(source, destination);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(source, destination, { recursive: true, errorOnExist: true, force: false });
    await rm(source, { recursive: true, force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
