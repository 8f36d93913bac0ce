// Where the fleet service's count of a rollout starts (DESIGN §13): a person who resumes a rollout
// the service paused starts its count afresh, and a restarted service must rebuild the same count —
// so the moment of the resume (the service's clock) is stored, per version.
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Creates `fleet_rollout_count`: version → the time from which its reports count. */
export class CreateRolloutCountStart1764806400001 implements MigrationInterface {
  name = 'CreateRolloutCountStart1764806400001';

  /** Creates the table. */
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'fleet_rollout_count',
        columns: [
          { name: 'version', type: 'varchar', length: '100', isPrimary: true },
          // ISO 8601 text, as fleet_report.received_at: compared as text on both databases.
          { name: 'counted_from', type: 'varchar', length: '30', isNullable: false },
        ],
      }),
    );
  }

  /** Drops the table. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('fleet_rollout_count');
  }
}
