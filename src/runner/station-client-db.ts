// Which client database a station has (DESIGN §12): Derby when db/reg/service.properties exists (every
// real MOSIP station), else SQLite at db/reg.sqlite — or what reg.upgrader.db.kind says.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { UpgraderConfig } from '../config/load-config.js';
import type { ClientDbAdapter, ClientDbKind } from '../services/client-db/client-db-port.js';

/** The SQLite file and the Derby folder of a station. */
export function clientDbLocations(clientDir: string): { sqlite: string; derby: string } {
  return { sqlite: path.join(clientDir, 'db', 'reg.sqlite'), derby: path.join(clientDir, 'db', 'reg') };
}

/** The kind the setting names, or the one found on disk. */
export function detectClientDbKind(config: Pick<UpgraderConfig, 'clientDir' | 'dbKind'>): ClientDbKind {
  if (config.dbKind === 'sqlite' || config.dbKind === 'derby') return config.dbKind;
  return existsSync(path.join(clientDbLocations(config.clientDir).derby, 'service.properties')) ? 'derby' : 'sqlite';
}

/** A file named by a setting: relative to the client folder in a properties file, else to the working directory. */
function settingPath(config: UpgraderConfig, name: 'dbCredentialsFile' | 'derbyClasspath', value: string): string {
  return config.sources[name] === 'properties' ? path.resolve(config.clientDir, value) : path.resolve(value);
}

/** The station's client database adapter; opens nothing, and loads its engine's code only when first used. */
export function stationClientDb(config: UpgraderConfig, env: NodeJS.ProcessEnv = process.env): ClientDbAdapter {
  const locations = clientDbLocations(config.clientDir);
  if (detectClientDbKind(config) === 'sqlite') {
    return onFirstUse('sqlite', locations.sqlite, async () => (await import('../services/client-db/sqlite-client-db.js')).createSqliteClientDb(locations.sqlite));
  }
  const credentials = config.dbCredentialsFile;
  return onFirstUse('derby', locations.derby, async () =>
    (await import('../services/client-db/derby/index.js')).createDerbyClientDb({
      clientDir: config.clientDir,
      dbDir: locations.derby,
      classpath: config.derbyClasspath.map((jar) => settingPath(config, 'derbyClasspath', jar)),
      ...(credentials === undefined || credentials === '' ? {} : { credentialsFile: settingPath(config, 'dbCredentialsFile', credentials) }),
      env,
    }),
  );
}

/**
 * An adapter that imports the real one on its first call: the SQLite adapter loads TypeORM, and a
 * launch with nothing to do never touches the client database (its version is kept in state.db).
 */
function onFirstUse(kind: ClientDbKind, location: string, load: () => Promise<ClientDbAdapter>): ClientDbAdapter {
  let adapter: Promise<ClientDbAdapter> | undefined;
  const real = (): Promise<ClientDbAdapter> => (adapter ??= load());
  return {
    kind,
    location,
    exists: async () => (await real()).exists(),
    peekVersion: async (fallback, logger) => (await real()).peekVersion(fallback, logger),
    open: async (logger) => (await real()).open(logger),
    restore: async (snapshotPath, keepReplacedAs, logger) => (await real()).restore(snapshotPath, keepReplacedAs, logger),
  };
}
