// Schema of the upgrader's own state database (.upgrade/state.db, DESIGN §6): the latest machine
// snapshot (one row), the append-only log of transitions and events, and a small key-value table.
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates the snapshot, transition-log and key-value tables of `.upgrade/state.db`. */
export class CreateStateTables1764201600000 implements MigrationInterface {
  // Set explicitly: TypeORM reads the timestamp from the name, and class names do not survive bundlers.
  name = 'CreateStateTables1764201600000';

  /** Creates the three tables and the run index. */
  async up(queryRunner: QueryRunner): Promise<void> {
    // `id = 1` makes "the latest snapshot" a single row by construction.
    await queryRunner.query(`CREATE TABLE "upgrader_snapshot" (
      "id" integer PRIMARY KEY NOT NULL CHECK ("id" = 1),
      "schema_version" integer NOT NULL,
      "machine_version" text NOT NULL,
      "snapshot" text NOT NULL,
      "seq" integer,
      "saved_at" text NOT NULL
    )`);
    // AUTOINCREMENT: a seq is never reused, even if old rows are pruned one day.
    await queryRunner.query(`CREATE TABLE "upgrader_transition" (
      "seq" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "at" text NOT NULL,
      "run_id" text NOT NULL,
      "command" text NOT NULL,
      "from_state" text,
      "to_state" text NOT NULL,
      "event" text NOT NULL,
      "detail" text
    )`);
    await queryRunner.query(
      `CREATE INDEX "idx_upgrader_transition_run_seq" ON "upgrader_transition" ("run_id", "seq")`,
    );
    await queryRunner.query(`CREATE TABLE "upgrader_kv" (
      "key" text PRIMARY KEY NOT NULL,
      "value" text NOT NULL,
      "updated_at" text NOT NULL
    )`);
  }

  /** Drops the three tables. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "upgrader_kv"`);
    await queryRunner.query(`DROP INDEX "idx_upgrader_transition_run_seq"`);
    await queryRunner.query(`DROP TABLE "upgrader_transition"`);
    await queryRunner.query(`DROP TABLE "upgrader_snapshot"`);
  }
}
