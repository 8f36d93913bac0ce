// Public face of the client database part of a version upgrade (DESIGN §5 backup, dbUpgrade, rollback).
export { openClientDb, CLIENT_DB_MIGRATIONS, CLIENT_MIGRATIONS_TABLE } from './client-data-source.js';
export type { OpenClientDbOptions } from './client-data-source.js';
export { DB_VERSION_CODE, readDbVersion } from './db-version.js';
export { planDbUpgrade } from './plan-db-upgrade.js';
export type { DbUpgradeStep } from './plan-db-upgrade.js';
export { applyDbUpgradeStep } from './run-db-upgrade.js';
export type { ApplyDbUpgradeStepOptions, DbRestore, DbStepOutcome } from './run-db-upgrade.js';
export { backupClientDb, restoreClientDb } from './backup-db.js';
export type { BackupClientDbOptions } from './backup-db.js';
export { DbHistoryEntity, readDbHistory } from './db-history.js';
export type { DbHistoryOutcome, DbHistoryRow } from './db-history.js';
export { readSchemaFingerprint } from './schema-fingerprint.js';
