// Schema the upgrader adds to the client's own database (db/reg.sqlite, DESIGN §5 dbUpgrade): one row
// per attempt to run a release's DB script. It lives in the client database, not in state.db, so a
// database restored from a backup carries the history that matches its contents.
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates `upgrader_db_history` in the client database. */
export class CreateUpgraderDbHistory1764288000000 implements MigrationInterface {
  // Set explicitly: TypeORM reads the timestamp from the name, and class names do not survive bundlers.
  name = 'CreateUpgraderDbHistory1764288000000';

  /** Creates the history table and its lookup index. */
  async up(queryRunner: QueryRunner): Promise<void> {
    // AUTOINCREMENT: ids keep increasing, so "newest first" never depends on reused rowids.
    await queryRunner.query(`CREATE TABLE "upgrader_db_history" (
      "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "version" text NOT NULL,
      "db_version" text NOT NULL,
      "script" text NOT NULL,
      "script_sha256" text,
      "started_at" text NOT NULL,
      "finished_at" text NOT NULL,
      "outcome" text NOT NULL CHECK ("outcome" IN ('applied', 'failed', 'rolled-back')),
      "error" text
    )`);
    await queryRunner.query(
      `CREATE INDEX "idx_upgrader_db_history_version" ON "upgrader_db_history" ("version", "outcome")`,
    );
  }

  /** Drops the history table. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_upgrader_db_history_version"`);
    await queryRunner.query(`DROP TABLE "upgrader_db_history"`);
  }
}
