// What the client database's version key (`mosip.reg.services.current.version` in GLOBAL_PARAM) must
// hold after a DB step so that MOSIP's own client never runs the scripts again. Pure; both rules come
// from mosip/registration-client v1.2.0.2, registration-services SoftwareUpdateHandler:
// - updateDerbyDB(): scripts run only when the key is neither empty nor "0" and differs, ignoring
//   case, from the running client's MANIFEST version (`currentVersion.equalsIgnoreCase(version)`);
// - executeSqlFile(previousVersion, mappings): when the key is a key of the version mappings, every
//   mapping with a releaseOrder at or below it is dropped and the rest run, each followed by
//   `globalParamService.update(SERVICES_VERSION_KEY, entry.getKey())`. A key that is NOT a mapping
//   key (say "1.2.0.1" where the mappings say "1.2.0.1-B1") drops nothing: every script runs again.
import type { VersionMappings } from '../../formats/version.js';

/**
 * The value to write after the step of mapping key `stepVersion`: that key verbatim, qualifier and case
 * included (1.1.5.5-P1, 1.2.0.1-B1, 1.2.0.1-SNAPSHOT), as MOSIP writes `entry.getKey()`.
 */
export function versionKeyValue(stepVersion: string, mappings?: VersionMappings): string {
  if (mappings === undefined || Object.hasOwn(mappings, stepVersion)) return stepVersion;
  // MOSIP's mappings lookup is case-sensitive: spell it as the mappings do.
  return Object.keys(mappings).find((key) => key.toLowerCase() === stepVersion.toLowerCase()) ?? stepVersion;
}

/**
 * The mapping keys whose scripts MOSIP's client (1.2.0.x) runs at start-up given the version key's
 * value, its MANIFEST version and its mappings, in release order; undefined when the key is empty or
 * "0" (MOSIP then guesses from its backup folders).
 */
export function scriptsMosipWouldRun(keyValue: string, manifestVersion: string, mappings: VersionMappings): string[] | undefined {
  const value = keyValue.trim();
  if (value === '' || value === '0') return undefined;
  if (manifestVersion.toLowerCase() === value.toLowerCase()) return [];
  const ordered = Object.entries(mappings).sort(([, a], [, b]) => a.releaseOrder - b.releaseOrder);
  const previous = Object.hasOwn(mappings, value) ? mappings[value] : undefined;
  return ordered.filter(([, mapping]) => previous === undefined || mapping.releaseOrder > previous.releaseOrder).map(([key]) => key);
}
