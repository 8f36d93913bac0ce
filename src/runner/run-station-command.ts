// One station command from start to finish: configuration, lock, log, state store, hashing pool,
// HTTP client, then the machine. Used by the CLI and by the library's runStartup().
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { InspectionEvent } from 'xstate';
import { loadConfig, type UpgraderConfig } from '../config/load-config.js';
import { SETTINGS } from '../config/settings.js';
import { redactUrl, toErrorInfo, type ErrorInfo } from '../errors.js';
import { exitCodeFor, type RunResult } from '../machines/run-result.js';
import type { CycleCommand } from '../machines/station-machine.js';
import { openSqliteSnapshotStore, type SnapshotStore } from '../persistence/index.js';
import type { DownloadProgress } from '../services/download.js';
import { createHashPool } from '../services/hash-pool.js';
import { createHttpClient } from '../services/http-client.js';
import { readLocalManifest } from '../services/local-manifest.js';
import { createFileLogger, type LogLevel } from '../services/logger.js';
import { loadPublicKey, type TrustedKey } from '../services/manifest-signature.js';
import { acquireStationLock } from '../services/station-lock.js';
import { treeSize } from '../services/copy-tree.js';
import { runMachine } from './run-machine.js';
import { stationClientDb } from './station-client-db.js';
import { createStationServices, stationPaths } from './station-services-impl.js';

/** Options of a station command (library and CLI). */
export interface StationCommandOptions {
  /** The client installation folder. */
  clientDir: string;
  /** Setting overrides by flag name (e.g. `{ serverUrl, concurrency }`), as on the command line. */
  flags?: Record<string, unknown>;
  /** Environment for REG_UPGRADER_* and proxies; default process.env. */
  env?: Record<string, string | undefined>;
  /** Skip the network. */
  offline?: boolean;
  /** Detail of registration.log; default info. */
  logLevel?: LogLevel;
  /** Echo log lines at or above this level to stderr. */
  echoLevel?: LogLevel;
  onProgress?: (progress: DownloadProgress) => void;
  inspect?: (event: InspectionEvent) => void;
}

function restingResult(command: string, state: string, error: ErrorInfo | null, installedVersion: string | null): RunResult {
  return {
    command,
    state,
    exitCode: exitCodeFor(state, error),
    installedVersion,
    latestVersion: null,
    upgradeAvailable: false,
    restartRequired: false,
    online: null,
    patched: [],
    removed: [],
    bytesFetched: 0,
    warnings: [],
    error,
  };
}

function failure(command: string, error: ErrorInfo): RunResult {
  return restingResult(command, 'failed', error, null);
}

/** On-disk progress of an upgrade step: bytes in staging and backups-in-progress, journal length. */
async function progressFingerprint(upgradeDir: string): Promise<string> {
  const staging = await treeSize(path.join(upgradeDir, 'staging'));
  const journal = await treeSize(path.join(upgradeDir, 'apply-journal.jsonl'));
  return `${staging}:${journal}`;
}

/** A file named by a setting: relative to the client folder in a properties file, else to the working directory. */
function settingFile(config: UpgraderConfig, name: 'publicKey' | 'caFile'): string | undefined {
  const value = config[name];
  if (value === undefined || value === '') return undefined;
  return config.sources[name] === 'properties' ? path.resolve(config.clientDir, value) : path.resolve(value);
}

/** Key of the highest version maven-metadata.xml at this URL ever announced (freeze detection). */
function latestSeenKey(metadataUrl: string | undefined): string {
  return `latest-version-seen:${redactUrl(metadataUrl ?? '')}`;
}

/** Runs `start` or `upgrade` for a station; never throws — failures come back with their exit code. */
export async function runStationCommand(command: CycleCommand, options: StationCommandOptions): Promise<RunResult> {
  let config: UpgraderConfig;
  let trusted: TrustedKey | undefined;
  try {
    config = await loadConfig({ clientDir: options.clientDir, flags: options.flags ?? {}, env: options.env ?? process.env });
    const keyFile = settingFile(config, 'publicKey');
    // Read before anything is touched: a bad key is a configuration error (64).
    if (keyFile !== undefined) trusted = await loadPublicKey(keyFile, SETTINGS.publicKey.property);
    // Not a client installation (a mistyped --client-dir): nothing is created there, not even the log.
    if (!existsSync(path.join(config.clientDir, 'MANIFEST.MF'))) await readLocalManifest(config.clientDir);
  } catch (error) {
    return failure(command, toErrorInfo(error, 'CONFIG_INVALID'));
  }
  const paths = stationPaths(config.clientDir);
  const runId = randomUUID();
  const logger = createFileLogger({
    file: paths.logFile,
    jsonFile: paths.jsonLogFile,
    level: options.logLevel ?? 'info',
    bindings: { run: runId, command },
    ...(options.echoLevel === undefined ? {} : { echoLevel: options.echoLevel }),
  });
  for (const warning of config.warnings) logger.warn(warning);
  let release: (() => Promise<void>) | undefined;
  let store: SnapshotStore | undefined;
  const pool = createHashPool();
  try {
    const installed = await readLocalManifest(config.clientDir);
    const installedVersion = installed.manifest.version;
    if (config.environment.toUpperCase() === 'LOCAL') {
      logger.warn('environment=LOCAL: validation and patching skipped, as in MOSIP');
      return { ...restingResult(command, 'ready', null, installedVersion), warnings: ['environment=LOCAL: validation skipped'] };
    }
    if (trusted === undefined) {
      logger.warn(`no public key configured (${SETTINGS.publicKey.property} / --public-key): manifests are checked by hash only, as in MOSIP 1.2; a server or man in the middle can change them`);
    } else {
      logger.info(`manifests must be signed: public key ${trusted.file}`);
    }
    release = await acquireStationLock(paths.upgradeDir, command, logger);
    store = await openSqliteSnapshotStore(paths.stateDb, { log: (level, message) => logger[level](message) });
    const openStore = store;
    const seenKey = latestSeenKey(config.metadataUrl ?? config.serverUrl);
    const latestSeen = { get: () => openStore.getValue(seenKey), set: (version: string) => openStore.setValue(seenKey, version) };
    const clientDb = stationClientDb(config, options.env ?? process.env);
    const dbKey = `client-db-version:${clientDb.kind}`;
    const dbVersionMemory = { get: () => openStore.getValue(dbKey), set: (version: string) => openStore.setValue(dbKey, version) };
    const caFile = settingFile(config, 'caFile');
    const client = createHttpClient({
      connectTimeoutMs: config.connectTimeoutMs,
      readTimeoutMs: config.readTimeoutMs,
      retry: { retries: config.retries, baseDelayMs: 500, maxDelayMs: 30_000 },
      env: options.env ?? process.env,
      ...(caFile === undefined ? {} : { caFile }),
    });
    logger.info(`${command}: ${path.resolve(config.clientDir)}, installed ${installedVersion}`, {
      server: config.serverUrl === undefined ? null : redactUrl(config.serverUrl),
      offline: options.offline === true,
    });
    const result = await runMachine({
      params: { command, runId, installedVersion, offline: options.offline === true, allowDowngrade: config.allowDowngrade, dbRetryLimit: config.crashLoopLimit },
      progress: () => progressFingerprint(paths.upgradeDir),
      crashLoopLimit: config.crashLoopLimit,
      services: createStationServices({
        config,
        client,
        pool,
        logger,
        latestSeen,
        clientDb,
        dbVersionMemory,
        ...(trusted === undefined ? {} : { trusted }),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      }),
      store,
      logger,
      runId,
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
    logger.info(`${command} finished in state ${result.state} with exit code ${result.exitCode}`, {
      error: result.error?.message ?? null,
    });
    return result;
  } catch (error) {
    const info = toErrorInfo(error, 'IO_FAILED');
    logger.error(`${command} failed: ${info.message}`, { code: info.code });
    return failure(command, info);
  } finally {
    await pool.close();
    await store?.close();
    await release?.();
    logger.close();
  }
}
