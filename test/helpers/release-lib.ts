// The smallest release `publish` accepts (its checks refuse anything less): both core jars, version
// mappings listing every version, and the first version's script folder for those after it. Every
// version maps to the first one's dbVersion, so a station upgrading between them runs no script.
import { mappingsProperties } from '../server/release-fixture.js';

/** Files (name → content) of a complete release of `version` among `versions` (oldest first), plus `extra`. */
export function releaseTree(version: string, versions: readonly string[] = [version], extra: Record<string, string> = {}): Record<string, string> {
  const first = versions[0] ?? version;
  const tree: Record<string, string> = {
    [`registration-client-${version}.jar`]: `client ${version}\n`,
    [`registration-services-${version}.jar`]: `services ${version}\n`,
    'spring.properties': mappingsProperties(versions, first),
  };
  if (versions.length > 1) {
    tree[`sql/${first}/initial_db_scripts.sql`] = '-- nothing to change\n';
    tree[`sql/${first}/rollback_scripts.sql`] = '-- nothing to change\n';
  }
  return { ...tree, ...extra };
}
