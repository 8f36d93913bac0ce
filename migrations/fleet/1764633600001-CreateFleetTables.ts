// Schema of the fleet service's database (DESIGN §13), one migration for SQLite and PostgreSQL:
// every report as received (idempotent by event id), and one row per station with its latest
// report and when the service last heard from it. Built with TypeORM's Table API so each driver
// writes its own DDL.
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const text = (name: string, nullable = true, length = '200') => ({ name, type: 'varchar', length, isNullable: nullable });
const int = (name: string) => ({ name, type: 'integer', isNullable: false });
const big = (name: string) => ({ name, type: 'bigint', isNullable: false });

/** Creates `fleet_report` and `fleet_station` with their indices. */
export class CreateFleetTables1764633600001 implements MigrationInterface {
  // Set explicitly: TypeORM reads the timestamp from the name, and class names do not survive bundlers.
  name = 'CreateFleetTables1764633600001';

  /** Creates both tables. */
  async up(queryRunner: QueryRunner): Promise<void> {
    const eventColumns = [
      text('command', false, '200'),
      text('host_name', false),
      text('machine_name'),
      text('key_index'),
      text('upgrader_version', false),
      text('installed_version'),
      text('announced_version'),
      text('state', false),
      int('exit_code'),
      text('error_code'),
      text('phase'),
    ];
    await queryRunner.createTable(
      new Table({
        name: 'fleet_report',
        columns: [
          { ...text('event_id', false, '36'), isPrimary: true },
          text('station_id', false, '36'),
          int('seq'),
          // ISO-8601 UTC text: sorts like time on both databases.
          text('at', false, '30'),
          text('received_at', false, '30'),
          ...eventColumns,
          big('bytes_fetched'),
          big('duration_ms'),
        ],
      }),
    );
    await queryRunner.createIndex('fleet_report', new TableIndex({ name: 'idx_fleet_report_station_seq', columnNames: ['station_id', 'seq'] }));
    await queryRunner.createIndex('fleet_report', new TableIndex({ name: 'idx_fleet_report_at', columnNames: ['at', 'error_code'] }));
    await queryRunner.createTable(
      new Table({
        name: 'fleet_station',
        columns: [
          { ...text('station_id', false, '36'), isPrimary: true },
          ...eventColumns,
          int('last_seq'),
          text('last_at', false, '30'),
          text('first_seen', false, '30'),
          text('last_seen', false, '30'),
          int('reports'),
          int('dropped'),
        ],
      }),
    );
    await queryRunner.createIndex('fleet_station', new TableIndex({ name: 'idx_fleet_station_version', columnNames: ['installed_version'] }));
    await queryRunner.createIndex('fleet_station', new TableIndex({ name: 'idx_fleet_station_state', columnNames: ['state'] }));
    await queryRunner.createIndex('fleet_station', new TableIndex({ name: 'idx_fleet_station_last_seen', columnNames: ['last_seen'] }));
  }

  /** Drops both tables. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('fleet_station');
    await queryRunner.dropTable('fleet_report');
  }
}
