// The FleetStore contract on the embedded SQLite database and on a real PostgreSQL 15 cluster
// that this file starts in a temporary folder (skipped only when PostgreSQL is not installed).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetDatabaseTarget, openFleetDatabase } from '../../src/fleet/open-fleet-database.js';
import { createTypeormFleetStore } from '../../src/fleet/typeorm-fleet-store.js';
import { postgresAvailable, startPostgresCluster, type PostgresCluster } from '../../bench/postgres-cluster.js';
import { describeFleetStoreContract } from './fleet-store-contract.js';

let dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
  dirs = [];
});

describeFleetStoreContract('SQLite', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rcu-fleet-'));
  dirs.push(dir);
  return createTypeormFleetStore(await openFleetDatabase(fleetDatabaseTarget(undefined, dir)));
});

describe.skipIf(!postgresAvailable)('PostgreSQL 15', () => {
  let cluster: PostgresCluster;
  let n = 0;
  beforeAll(async () => {
    cluster = await startPostgresCluster({ fsync: 'off' });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  describeFleetStoreContract('PostgreSQL', async () => {
    n += 1;
    const url = await cluster.createDatabase(`fleet_contract_${n}`);
    return createTypeormFleetStore(await openFleetDatabase(fleetDatabaseTarget(url, '.')));
  });

  it('runs the same migration as SQLite: the tables and indices exist', async () => {
    const url = await cluster.createDatabase('fleet_schema');
    const dataSource = await openFleetDatabase(fleetDatabaseTarget(url, '.'));
    try {
      const rows = await dataSource.query<{ indexname: string }[]>(
        `SELECT indexname FROM pg_indexes WHERE tablename IN ('fleet_report', 'fleet_station') ORDER BY indexname`,
      );
      expect(rows.map((row) => row.indexname)).toEqual(
        expect.arrayContaining(['idx_fleet_report_at', 'idx_fleet_report_station_seq', 'idx_fleet_station_last_seen', 'idx_fleet_station_state', 'idx_fleet_station_version']),
      );
    } finally {
      await dataSource.destroy();
    }
  });
});
