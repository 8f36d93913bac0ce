// Two facts of a run the fleet report gained (DESIGN §13): bytes taken from files the station
// already had (differential downloads), and a version taken outside the rollout
// (`upgrade --ignore-rollout`). Reports stored before keep 0.
import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Adds `bytes_reused` and `rollout_ignored` (0/1) to `fleet_report`. */
export class AddReuseAndRolloutIgnored1764720000001 implements MigrationInterface {
  name = 'AddReuseAndRolloutIgnored1764720000001';

  /** Adds both columns, 0 for every stored report. */
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('fleet_report', [
      new TableColumn({ name: 'bytes_reused', type: 'bigint', isNullable: false, default: 0 }),
      new TableColumn({ name: 'rollout_ignored', type: 'integer', isNullable: false, default: 0 }),
    ]);
  }

  /** Drops both columns. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('fleet_report', 'rollout_ignored');
    await queryRunner.dropColumn('fleet_report', 'bytes_reused');
  }
}
