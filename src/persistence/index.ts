// Public face of the upgrader's state store (DESIGN §6).
export { SNAPSHOT_SCHEMA_VERSION } from './snapshot-store.js';
export type { HistoryOptions, PersistedSnapshot, SnapshotStore, TransitionRecord } from './snapshot-store.js';
export { createMemorySnapshotStore } from './memory-snapshot-store.js';
export { openSqliteSnapshotStore } from './sqlite-snapshot-store.js';
export type { SqliteSnapshotStoreOptions } from './sqlite-snapshot-store.js';
export type { StoreLog } from './open-state-database.js';
export { createSqliteDataSource } from './data-source.js';
export type { MigrationClass, SqliteDataSourceOptions } from './data-source.js';
export { STATE_ENTITIES, STATE_MIGRATIONS } from './state-entities.js';
export { DEFAULT_OUTBOX_CAPS, planOutboxTrim } from './outbox.js';
export type { Outbox, OutboxBatch, OutboxCaps } from './outbox.js';
export { openSqliteOutbox } from './sqlite-outbox.js';
export { createMemoryOutbox } from './memory-outbox.js';
