// Which Derby runs the bridge: the station's own lib/derby-<version>.jar (MOSIP ships e.g.
// derby-10.13.1.1.jar), the same engine the client opens its database with; else the configured
// classpath (reg.upgrader.derby.classpath).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../../errors.js';
import { compareVersions } from '../../../formats/version.js';

// derby-10.13.1.1.jar, and Derby 10.15+'s derbyshared-<version>.jar beside it; not derbytools, derbyclient, derbyLocale.
const ENGINE_JAR = /^derby-(\d+(?:\.\d+)*)\.jar$/;
const SHARED_JAR = /^derbyshared-(\d+(?:\.\d+)*)\.jar$/;

/** From lib/'s file names, the engine jar of the highest version and its shared jar (pure). */
export function pickDerbyJars(names: string[]): string[] {
  const newest = (pattern: RegExp): string | undefined =>
    names
      .map((name) => ({ name, version: pattern.exec(name)?.[1] }))
      .filter((entry): entry is { name: string; version: string } => entry.version !== undefined)
      .sort((a, b) => compareVersions(b.version, a.version))[0]?.name;
  const engine = newest(ENGINE_JAR);
  if (engine === undefined) return [];
  const shared = newest(SHARED_JAR);
  return shared === undefined ? [engine] : [engine, shared];
}

/** The jars to put on the bridge's classpath; throws ConfigError DERBY_JAR_NOT_FOUND. */
export async function findDerbyJars(clientDir: string, classpath: string[] = []): Promise<string[]> {
  const libDir = path.join(clientDir, 'lib');
  let names: string[] = [];
  try {
    names = await readdir(libDir);
  } catch {
    // no lib/: fall through to the configured classpath
  }
  const station = pickDerbyJars(names);
  if (station.length > 0) return station.map((name) => path.join(libDir, name));
  const configured: string[] = [];
  for (const entry of classpath) {
    try {
      if ((await stat(entry)).isFile()) configured.push(entry);
    } catch {
      // a missing entry is reported below when none is left
    }
  }
  if (configured.length > 0) return configured;
  throw new ConfigError(
    'DERBY_JAR_NOT_FOUND',
    `No Derby jar to open the station's database: ${libDir} holds no derby-<version>.jar` +
      (classpath.length > 0 ? ` and none of reg.upgrader.derby.classpath (${classpath.join(path.delimiter)}) exists.` : '.') +
      ' Name a derby.jar with REG_UPGRADER_DERBY_CLASSPATH in the launcher\'s environment or --derby-classpath (e.g. /usr/share/java/derby.jar).',
    { details: { libDir } },
  );
}
