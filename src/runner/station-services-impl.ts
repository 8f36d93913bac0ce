// The machine's services implemented with real I/O for one station and one run.
import { homedir } from 'node:os';
import path from 'node:path';
import type { Got } from 'got';
import type { UpgraderConfig } from '../config/load-config.js';
import { retryPolicy } from '../config/settings.js';
import { ConfigError, redactUrl } from '../errors.js';
import type { StationServices, VerifyOutput } from '../machines/station-services.js';
import type { ClientDbAdapter } from '../services/client-db/client-db-port.js';
// Services that only a launch with work to do needs are imported on use (the network ones load got).
import type { SerialMemory } from '../services/check-rollout.js';
import type { LatestSeenMemory } from '../services/check-upgrade.js';
import { databaseBehind, upgradeDatabase } from '../services/upgrade-database.js';
import type { DownloadProgress } from '../services/download.js';
import type { HashPool } from '../services/hash-pool.js';
import { readLocalManifest } from '../services/local-manifest.js';
import type { Logger } from '../services/logger.js';
import type { TrustedKey } from '../services/manifest-signature.js';
import { probeServer } from '../services/probe-server.js';
import { verifyLib } from '../services/verify-lib.js';

/** Folders of the station layout (DESIGN §2). */
export interface StationPaths {
  clientDir: string;
  libDir: string;
  upgradeDir: string;
  stagingDir: string;
  stateDb: string;
  logFile: string;
  /** The same log as JSON lines (pino), for tools: .upgrade/registration.jsonl. */
  jsonLogFile: string;
  dbPath: string;
}

/** The station layout under a client folder. */
export function stationPaths(clientDir: string): StationPaths {
  const upgradeDir = path.join(clientDir, '.upgrade');
  return {
    clientDir,
    libDir: path.join(clientDir, 'lib'),
    upgradeDir,
    stagingDir: path.join(upgradeDir, 'staging'),
    stateDb: path.join(upgradeDir, 'state.db'),
    logFile: path.join(clientDir, 'registration.log'),
    jsonLogFile: path.join(clientDir, '.upgrade', 'registration.jsonl'),
    dbPath: path.join(clientDir, 'db', 'reg.sqlite'),
  };
}

/** What the services share during one run. */
export interface ServiceDeps {
  config: UpgraderConfig;
  /** The HTTP client, made (and got loaded) on the first call: an offline launch never needs it. */
  client: () => Promise<Got>;
  /** Where the proxy variables are read from (the probe connects directly unless a proxy applies). */
  env?: Readonly<Record<string, string | undefined>>;
  pool: HashPool;
  logger: Logger;
  /** The public key manifests must be signed with; absent = hashes only (MOSIP 1.2). */
  trusted?: TrustedKey;
  /** Remembers the highest version the server announced (freeze detection). */
  latestSeen?: LatestSeenMemory;
  /** This station's id and the highest rollout serial it trusted: the staged-rollout check (DESIGN §13). */
  rollout?: { stationId: string; serials: SerialMemory };
  onProgress?: (progress: DownloadProgress) => void;
  /** The station's client database (SQLite or Derby); opened only when there is database work. */
  clientDb: ClientDbAdapter;
  /** The client database's version as last seen, kept in the state database (a no-op launch starts no JVM). */
  dbVersionMemory?: { get(): Promise<string | undefined>; set(version: string): Promise<void> };
}

function requireServerUrl(config: UpgraderConfig): string {
  if (config.serverUrl === undefined) {
    throw new ConfigError(
      'CONFIG_INVALID',
      'no upgrade server configured: set REG_UPGRADER_SERVER_URL in the launcher\'s environment or pass --server-url (…/registration-client/); mosip.reg.client.url in lib/mosip-application.properties is read too, but that file comes with the release, so set it there only through a published release (a local edit is undone by the next patch)',
      { details: { key: 'mosip.reg.client.url' } },
    );
  }
  return config.serverUrl;
}

/** The StationServices of a run, backed by the file system and the upgrade server. */
export function createStationServices(deps: ServiceDeps): StationServices {
  const { config, client, pool, logger } = deps;
  const trust = deps.trusted === undefined ? {} : { trusted: deps.trusted };
  const paths = stationPaths(config.clientDir);
  const retry = retryPolicy(config);
  const progress = deps.onProgress === undefined ? {} : { onProgress: deps.onProgress };
  const limits = { maxFileSize: config.maxFileSize, freeSpaceReserve: config.freeSpaceReserve, deadlineMs: config.fileDeadlineMs };
  const rollbackDeps = {
    clientDir: config.clientDir,
    upgradeDir: paths.upgradeDir,
    backupRoot: config.backupRoot,
    clientDb: deps.clientDb,
    logger,
  };
  const memory = deps.dbVersionMemory;
  const remember = async (version: string | undefined) => {
    if (version !== undefined) await memory?.set(version);
  };
  return {
    probeServer: async (input, signal) => {
      if (input.offline) return { online: false, reason: '--offline' };
      const url = config.healthUrl ?? config.metadataUrl ?? requireServerUrl(config);
      const result = await probeServer(client, url, config.probeTimeoutMs, signal, deps.env);
      logger.info(result.online ? `server reachable: ${redactUrl(url)}` : `offline: ${result.reason ?? ''}`);
      return result;
    },
    syncManifest: async (input, signal) =>
      (await import('../services/sync-manifest.js')).syncManifest(
        { client: await client(), serverUrl: requireServerUrl(config), clientDir: config.clientDir, logger, ...trust, signal },
        input.installedVersion,
      ),
    verifyFiles: async () => {
      // With a key, the local manifest's own signature is re-checked too (offline included).
      const local = await readLocalManifest(config.clientDir, deps.trusted);
      const findings: VerifyOutput = await verifyLib(paths.libDir, local.manifest, pool);
      const known = await memory?.get();
      const { behind, dbVersion } = await databaseBehind({ clientDir: config.clientDir, clientDb: deps.clientDb, logger }, local.manifest.version, known);
      if (known === undefined) await remember(dbVersion);
      if (behind !== undefined) {
        findings.databaseBehind = behind;
        logger.warn(`the client database is at ${behind}, behind the installed ${local.manifest.version}: its upgrade scripts have not all run (an interrupted upgrade)`);
      }
      logger.info(
        `verified ${findings.fileCount} file(s), ${findings.totalBytes} bytes: ${findings.missing.length} missing, ${findings.mismatched.length} changed, ${findings.unknown.length} unknown`,
        { missing: findings.missing, mismatched: findings.mismatched, unknown: findings.unknown },
      );
      return findings;
    },
    patchFiles: async (input, signal) => {
      const local = await readLocalManifest(config.clientDir);
      const { patchLib } = await import('../services/patch-lib.js');
      return patchLib(input, local.manifest, {
        client: await client(),
        serverUrl: requireServerUrl(config),
        libDir: paths.libDir,
        stagingDir: path.join(paths.stagingDir, 'patch'),
        pool,
        concurrency: config.concurrency,
        retry,
        logger,
        limits,
        ...progress,
        signal,
        wholeFiles: config.wholeFiles,
      });
    },
    checkUpgrade: async (input, signal) =>
      (await import('../services/check-upgrade.js')).checkUpgrade(
        {
          client: await client(),
          metadataUrl: config.metadataUrl ?? `${requireServerUrl(config)}maven-metadata.xml`,
          versionMappings: config.versionMappings,
          logger,
          ...(deps.latestSeen === undefined ? {} : { latestSeen: deps.latestSeen }),
          ...(deps.rollout === undefined ? {} : { rollout: { ...deps.rollout, channel: config.channel, trusted: deps.trusted } }),
          signal,
        },
        input.installedVersion,
        input.allowDowngrade,
      ),
    backupStation: async (input) => {
      // Preflight (DESIGN §12): Java, the Derby jar and the credentials open the database, and the
      // client does not hold it — else 64 or 40 before any backup is taken.
      if (await deps.clientDb.exists()) await remember(await deps.clientDb.peekVersion(input.fromVersion, logger));
      const { backupStation } = await import('../services/backup-station.js');
      return backupStation(
        {
          clientDir: config.clientDir,
          backupRoot: config.backupRoot,
          dbPath: deps.clientDb.location,
          extraPaths: config.extraBackupPaths.map((p) => path.resolve(config.clientDir, p.replace(/^~(?=\/|$)/, homedir()))),
          logger,
        },
        input,
      );
    },
    stageRelease: async (input, signal) =>
      (await import('../services/stage-release.js')).stageRelease(
        {
          client: await client(),
          serverUrl: requireServerUrl(config),
          clientDir: config.clientDir,
          upgradeDir: paths.upgradeDir,
          concurrency: config.concurrency,
          retry,
          logger,
          limits,
          ...trust,
          ...progress,
          signal,
          wholeFiles: config.wholeFiles,
        },
        input,
      ),
    applyStaged: async (input) => (await import('../services/apply-staged.js')).applyStaged({ clientDir: config.clientDir, upgradeDir: paths.upgradeDir, pool, logger }, input),
    upgradeDatabase: async (input) => {
      const output = await upgradeDatabase({ clientDir: config.clientDir, upgradeDir: paths.upgradeDir, clientDb: deps.clientDb, logger }, input);
      await remember(output.dbVersion);
      return output;
    },
    rollbackStation: async (input) => {
      const { rollbackStation } = await import('../services/rollback-station.js');
      const output = await rollbackStation(rollbackDeps, input);
      await remember(output.dbVersion);
      return output;
    },
    finishUpgrade: async (input) =>
      (await import('../services/finish-upgrade.js')).finishUpgrade({ upgradeDir: paths.upgradeDir, backupRoot: config.backupRoot, backupsKept: config.backupsKept, logger }, input),
  };
}
