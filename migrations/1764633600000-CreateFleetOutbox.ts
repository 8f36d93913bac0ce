// Schema the fleet report adds to the station's state database (.upgrade/state.db, DESIGN §13): the
// outbox of reports not yet acknowledged by the fleet service. The station id and the count of
// dropped events live in `upgrader_kv`.
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates `upgrader_outbox` in the state database. */
export class CreateFleetOutbox1764633600000 implements MigrationInterface {
  // Set explicitly: TypeORM reads the timestamp from the name, and class names do not survive bundlers.
  name = 'CreateFleetOutbox1764633600000';

  /** Creates the outbox table. */
  async up(queryRunner: QueryRunner): Promise<void> {
    // AUTOINCREMENT: seq is the station's own order of events and is never reused after a delete.
    await queryRunner.query(`CREATE TABLE "upgrader_outbox" (
      "seq" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "event_id" text NOT NULL UNIQUE,
      "queued_at" text NOT NULL,
      "event" text NOT NULL
    )`);
  }

  /** Drops the outbox table. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "upgrader_outbox"`);
  }
}
