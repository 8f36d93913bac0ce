// TypeORM view of the tables created by migrations/1764201600000-CreateStateTables.ts. The schema
// itself comes only from migrations; these schemas map rows to objects and never synchronize.
import { EntitySchema } from 'typeorm';
import { CreateStateTables1764201600000 } from '../../migrations/1764201600000-CreateStateTables.js';
import { CreateFleetOutbox1764633600000 } from '../../migrations/1764633600000-CreateFleetOutbox.js';
import type { MigrationClass } from './data-source.js';

/** A row of `upgrader_snapshot` (only id 1 exists). */
export interface SnapshotRow {
  id: number;
  schemaVersion: number;
  machineVersion: string;
  /** JSON text of the machine snapshot. */
  snapshot: string;
  /** seq of the transition saved with it. */
  seq: number | null;
  savedAt: string;
}

/** A row of `upgrader_transition`. */
export interface TransitionRow {
  seq: number;
  at: string;
  runId: string;
  command: string;
  fromState: string | null;
  toState: string;
  event: string;
  /** JSON text, or null when the record had no detail. */
  detail: string | null;
}

/** A row of `upgrader_kv`. */
export interface KvRow {
  key: string;
  value: string;
  updatedAt: string;
}

/** Entity of `upgrader_snapshot`. */
export const SnapshotEntity = new EntitySchema<SnapshotRow>({
  name: 'UpgraderSnapshot',
  tableName: 'upgrader_snapshot',
  columns: {
    id: { type: 'integer', primary: true },
    schemaVersion: { type: 'integer', name: 'schema_version' },
    machineVersion: { type: 'text', name: 'machine_version' },
    snapshot: { type: 'text' },
    seq: { type: 'integer', nullable: true },
    savedAt: { type: 'text', name: 'saved_at' },
  },
});

/** Entity of `upgrader_transition`. */
export const TransitionEntity = new EntitySchema<TransitionRow>({
  name: 'UpgraderTransition',
  tableName: 'upgrader_transition',
  columns: {
    seq: { type: 'integer', primary: true, generated: 'increment' },
    at: { type: 'text' },
    runId: { type: 'text', name: 'run_id' },
    command: { type: 'text' },
    fromState: { type: 'text', name: 'from_state', nullable: true },
    toState: { type: 'text', name: 'to_state' },
    event: { type: 'text' },
    detail: { type: 'text', nullable: true },
  },
  indices: [{ name: 'idx_upgrader_transition_run_seq', columns: ['runId', 'seq'] }],
});

/** Entity of `upgrader_kv`. */
export const KvEntity = new EntitySchema<KvRow>({
  name: 'UpgraderKv',
  tableName: 'upgrader_kv',
  columns: {
    key: { type: 'text', primary: true },
    value: { type: 'text' },
    updatedAt: { type: 'text', name: 'updated_at' },
  },
});

/** Every entity of the state database. */
export const STATE_ENTITIES = [SnapshotEntity, TransitionEntity, KvEntity];

/** Every migration of the state database, oldest first. */
export const STATE_MIGRATIONS: MigrationClass[] = [CreateStateTables1764201600000, CreateFleetOutbox1764633600000];
