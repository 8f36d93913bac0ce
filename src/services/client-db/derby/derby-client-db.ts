// The Derby adapter of the client database port (DESIGN §12): a real MOSIP station's encrypted
// db/reg, opened through the Java bridge with the station's own Java and derby.jar, one JVM per use.
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackupError, ConfigError, DatabaseError } from '../../../errors.js';
import type { Logger } from '../../logger.js';
import type { ClientDbAdapter } from '../client-db-port.js';
import { BridgeRequestError, startBridge } from './bridge-client.js';
import type { DerbyBridge } from './bridge-client.js';
import { locateDbCredentials } from './db-credentials.js';
import { createDerbySession } from './derby-session.js';
import type { DerbyClientDbSession } from './derby-session.js';
import { findDerbyJars } from './find-derby-jar.js';
import { findJava } from './find-java.js';

/** Options of `createDerbyClientDb`. */
export interface DerbyClientDbOptions {
  /** The station's client folder (jre/, lib/, .mosipkeys/). */
  clientDir: string;
  /** The database folder, `<client>/db/reg`. */
  dbDir: string;
  /** reg.upgrader.derby.classpath: Derby jars used when lib/ has no derby-<version>.jar. */
  classpath?: string[];
  /** reg.upgrader.db.credentials-file: a file holding `<boot>-BREAK-<user>-BREAK-<password>`; wins over db.conf. */
  credentialsFile?: string;
  /** Environment for finding Java (JAVA_HOME, PATH, HOME) and of the JVM. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Folder of the compiled bridge. Default: this package's dist/java. */
  bridgeDir?: string;
  /** Longest wait for one bridge answer (ms); default 30 minutes. */
  timeoutMs?: number;
}

/** The Derby adapter: the port, with sessions that also read the upgrader's history. */
export interface DerbyClientDb extends ClientDbAdapter {
  open(logger: Logger): Promise<DerbyClientDbSession>;
}

/** The Derby adapter; starts no JVM until `open`, `peekVersion` or `restore` needs one. */
export function createDerbyClientDb(options: DerbyClientDbOptions): DerbyClientDb {
  const clientDir = path.resolve(options.clientDir);
  const dbDir = path.resolve(clientDir, options.dbDir);
  const env = options.env ?? process.env;
  const bridgeDir = options.bridgeDir ?? defaultBridgeDir();

  /** Java, jar and bridge, found before anything is spawned. */
  const launch = async (): Promise<DerbyBridge> => {
    const java = await findJava(clientDir, env);
    const derbyJars = await findDerbyJars(clientDir, options.classpath);
    if (!existsSync(path.join(bridgeDir, 'regclientupgrader', 'DerbyBridge.class'))) {
      throw new ConfigError('CLIENT_DB_UNREADABLE', `The Derby bridge is not built (${bridgeDir} has no regclientupgrader/DerbyBridge.class): run npm run build with a JDK 11+ installed.`, {
        details: { bridgeDir },
      });
    }
    return startBridge({ java, bridgeDir, derbyJars, cwd: clientDir, env, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
  };

  const open = async (logger: Logger): Promise<DerbyClientDbSession> => {
    if (!(await isDerbyDb(dbDir))) {
      throw new ConfigError('CLIENT_DB_UNREADABLE', `There is no Derby database at ${dbDir} (no service.properties).`, { details: { path: dbDir } });
    }
    const credentials = await locateDbCredentials(clientDir, options.credentialsFile, env);
    const bridge = await launch();
    try {
      const answer = await bridge.request('open', { dbDir, ...credentials }, 10 * 60_000);
      logger.debug(`opened the Derby database ${dbDir} (Derby ${String(answer['derbyVersion'])})`, { path: dbDir });
    } catch (error) {
      await bridge.close();
      throw openError(error, dbDir);
    }
    return createDerbySession(bridge, dbDir);
  };

  return {
    kind: 'derby',
    location: dbDir,
    exists: () => isDerbyDb(dbDir),
    open,
    async peekVersion(fallback: string, logger: Logger): Promise<string> {
      // Reads only: the upgrader's history table is created by the first step, never by a read.
      const session = await open(logger);
      try {
        return await session.readVersion(fallback);
      } finally {
        await session.close();
      }
    },
    async restore(snapshotPath: string, keepReplacedAs: string, logger: Logger): Promise<void> {
      if (!(await isDerbyDb(snapshotPath))) {
        throw new BackupError('ROLLBACK_FAILED', `The snapshot ${snapshotPath} is not a Derby database (no service.properties); ${dbDir} was left as it is.`, {
          details: { path: snapshotPath },
        });
      }
      if (await isDerbyDb(dbDir)) await refuseWhileInUse(launch, dbDir, logger);
      const incoming = `${dbDir}.restoring-${process.pid}`;
      try {
        await rm(incoming, { recursive: true, force: true });
        await cp(snapshotPath, incoming, { recursive: true, errorOnExist: true });
        if (existsSync(dbDir)) {
          await mkdir(path.dirname(keepReplacedAs), { recursive: true });
          await rename(dbDir, keepReplacedAs);
          logger.warn(`the replaced Derby database is kept at ${keepReplacedAs}`, { path: keepReplacedAs });
        }
        await rename(incoming, dbDir);
      } catch (error) {
        await rm(incoming, { recursive: true, force: true }).catch(() => undefined);
        throw new BackupError('ROLLBACK_FAILED', `Could not put the snapshot ${snapshotPath} back as ${dbDir}: ${messageOf(error)}`, {
          cause: error,
          details: { path: dbDir, snapshot: snapshotPath, keptAt: existsSync(keepReplacedAs) ? keepReplacedAs : null },
        });
      }
      logger.info(`restored the Derby database ${dbDir} from ${snapshotPath}`, { path: dbDir, snapshot: snapshotPath });
    },
  };
}

/** A running client holds Derby's lock on the database: moving it away now would lose its writes. */
async function refuseWhileInUse(launch: () => Promise<DerbyBridge>, dbDir: string, logger: Logger): Promise<void> {
  let bridge: DerbyBridge;
  try {
    bridge = await launch();
  } catch (error) {
    // No Java or jar here: the lock cannot be probed; the client is not expected to run during rollback.
    logger.warn(`could not check whether a client holds ${dbDir}: ${messageOf(error)}`, { path: dbDir });
    return;
  }
  try {
    const answer = await bridge.request('probeLock', { dbDir }, 120_000);
    if (answer['inUse'] === true) {
      throw new DatabaseError('CLIENT_DB_IN_USE', `The Derby database ${dbDir} is open in a running registration client: close the client and run again.`, {
        details: { path: dbDir },
      });
    }
  } finally {
    await bridge.close();
  }
}

/** The port's errors for a failed `open`; the bridge has already scrubbed the secrets from Derby's message. */
function openError(error: unknown, dbDir: string): Error {
  if (!(error instanceof BridgeRequestError)) return error instanceof Error ? error : new Error(String(error));
  const details = { path: dbDir, sqlState: error.sqlState };
  switch (error.kind) {
    case 'in-use':
      return new DatabaseError('CLIENT_DB_IN_USE', `The Derby database ${dbDir} is open in another program (a running registration client?): close it and run again. Derby: ${error.message}`, { cause: error, details });
    case 'credentials':
    case 'credentials-unreadable':
      return new ConfigError('DB_CREDENTIALS_INVALID', `The credentials do not open the Derby database ${dbDir}: ${error.message}`, { cause: error, details });
    default:
      return new ConfigError('CLIENT_DB_UNREADABLE', `Cannot open the Derby database ${dbDir}: ${error.message}`, { cause: error, details });
  }
}

async function isDerbyDb(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, 'service.properties'))).isFile();
  } catch {
    return false;
  }
}

/** dist/java of this package, found from this file whether it runs from src/ (tests) or dist/src/. */
export function defaultBridgeDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.join(dir.endsWith(`${path.sep}dist`) ? path.dirname(dir) : dir, 'dist', 'java');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
