// Which DB scripts a version upgrade runs (DESIGN §5 dbUpgrade): pure, so it is table-tested and the
// executor only carries out the plan.
import { compareVersions } from '../../formats/version.js';
import type { VersionMappings } from '../../formats/version.js';

/** One script to run: the mapped version it brings the database to, and its script folder. */
export interface DbUpgradeStep {
  /** Release version written to global_param once the step is applied. */
  version: string;
  /** Folder lib/sql/<dbVersion>/ holding initial_db_scripts.sql and rollback_scripts.sql. */
  dbVersion: string;
  releaseOrder: number;
}

/**
 * The steps from the database's version up to the installed one, by releaseOrder: every mapped
 * version above `dbVersion` and at or below `installedVersion` (numeric comparison for an unmapped
 * end). A script folder runs once: versions sharing a dbVersion collapse into the highest of them,
 * and a folder already reached at or below `dbVersion` is skipped. Empty when nothing is newer.
 */
export function planDbUpgrade(mappings: VersionMappings, dbVersion: string, installedVersion: string): DbUpgradeStep[] {
  if (compareVersions(dbVersion, installedVersion, mappings) >= 0) return [];
  const ordered = Object.entries(mappings)
    .map(([version, mapping]): DbUpgradeStep => ({ version, dbVersion: mapping.dbVersion, releaseOrder: mapping.releaseOrder }))
    .sort((a, b) => a.releaseOrder - b.releaseOrder);
  const isAboveDb = (step: DbUpgradeStep): boolean => compareVersions(step.version, dbVersion, mappings) > 0;
  const isUpToInstalled = (step: DbUpgradeStep): boolean => compareVersions(step.version, installedVersion, mappings) <= 0;
  const applied = new Set(ordered.filter((step) => !isAboveDb(step)).map((step) => step.dbVersion));
  const inRange = ordered.filter((step) => isAboveDb(step) && isUpToInstalled(step) && !applied.has(step.dbVersion));
  return inRange.filter((step, index) => inRange[index + 1]?.dbVersion !== step.dbVersion);
}
