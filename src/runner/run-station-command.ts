// One station command from start to finish: configuration, lock, log, state store, hashing pool,
// HTTP client, then the machine. Used by the CLI and by the library's runStartup().
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { InspectionEvent } from 'xstate';
import { loadConfig, type UpgraderConfig } from '../config/load-config.js';
import { retryPolicy, SETTINGS } from '../config/settings.js';
import { redactUrl, toErrorInfo, UpgradeError, type ErrorInfo } from '../errors.js';
import { exitCodeFor, type RunResult } from '../machines/run-result.js';
import type { CycleCommand } from '../machines/station-machine.js';
import type { SnapshotStore } from '../persistence/snapshot-store.js';
import { openSqliteSnapshotStore } from '../persistence/sqlite-snapshot-store.js';
import type { DownloadProgress } from '../services/download.js';
import { createOnDemandHashPool } from '../services/hash-on-demand.js';
import type { Got } from 'got';
import type { HttpOptions } from '../services/http-client.js';
import { checkHttpSettings } from '../services/http-settings.js';
import { readLocalManifest } from '../services/local-manifest.js';
import { createFileLogger, type LogLevel } from '../services/logger.js';
import { loadPublicKey, type TrustedKey } from '../services/manifest-signature.js';
import { isSameStation, stationIdentity } from '../services/station-identity.js';
import { acquireStationLock, assertNoSymlinksInUpgradeDir, assertStationWritable, type StationLock } from '../services/station-lock.js';
import { treeSize } from '../services/copy-tree.js';
import { runMachine } from './run-machine.js';
import { stationClientDb } from './station-client-db.js';
import { createStationServices, stationPaths } from './station-services-impl.js';
import { stationIdOf } from './station-id.js';
import { rolloutUrlOf } from '../rollout/rollout-document.js';
import { sendRunToFleet } from './fleet-run-hook.js';

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
  /** `upgrade --ignore-rollout`: take the announced version though the staged rollout does not offer it here. */
  ignoreRollout?: boolean;
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
    rolledBack: [],
    bytesFetched: 0,
    bytesReused: 0,
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

/** The store of a run that may lose its lock: once the lock is not ours, every write is refused. */
function guardStore(store: SnapshotStore, lock: StationLock, onLost: () => void): SnapshotStore {
  const guarded = async <T>(write: () => Promise<T>): Promise<T> => {
    if (!(await lock.held())) {
      onLost();
      throw new UpgradeError('LOCKED', 'this run lost the station lock to another run (it was paused or its lock removed): it stops without writing state');
    }
    return write();
  };
  return {
    load: () => store.load(),
    history: (options) => store.history(options),
    getValue: (key) => store.getValue(key),
    close: () => store.close(),
    save: (snapshot, transition) => guarded(() => store.save(snapshot, transition)),
    append: (transition) => guarded(() => store.append(transition)),
    clearSnapshot: () => guarded(() => store.clearSnapshot()),
    setValue: (key, value) => guarded(() => store.setValue(key, value)),
  };
}

const IDENTITY_KEY = 'station-identity';

/** Records this station in its state database; a snapshot of another station is dropped (returns why). */
async function adoptStation(store: SnapshotStore, clientDir: string): Promise<string | undefined> {
  const identity = await stationIdentity(clientDir);
  const recorded = await store.getValue(IDENTITY_KEY);
  let warning: string | undefined;
  if (!isSameStation(recorded, identity)) {
    warning = `the state database in ${clientDir}/.upgrade belongs to another station (${recorded ?? ''}): its saved state is ignored and a fresh cycle starts — .upgrade/ must not be shared or copied between stations`;
    await store.clearSnapshot();
  }
  if (recorded !== JSON.stringify(identity)) await store.setValue(IDENTITY_KEY, JSON.stringify(identity));
  return warning;
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
  // A log that could not be written is a warning of the run, never its failure.
  const noted = (result: RunResult): RunResult =>
    logger.failures.length === 0 ? result : { ...result, warnings: [...result.warnings, ...logger.failures] };
  for (const warning of config.warnings) logger.warn(warning);
  let lock: StationLock | undefined;
  let lost = false;
  let store: SnapshotStore | undefined;
  let outcome: RunResult | undefined;
  const startedAt = Date.now();
  const pool = createOnDemandHashPool();
  let known: string | null = null;
  try {
    // Only the version is kept: the services read the manifest again, and 50 000 entries held twice is memory for nothing.
    const installedVersion = (await readLocalManifest(config.clientDir)).manifest.version;
    known = installedVersion;
    if (config.environment.toUpperCase() === 'LOCAL') {
      logger.warn('environment=LOCAL: validation and patching skipped, as in MOSIP');
      return noted({ ...restingResult(command, 'ready', null, installedVersion), warnings: ['environment=LOCAL: validation skipped'] });
    }
    if (trusted === undefined) {
      logger.warn(`no public key configured (${SETTINGS.publicKey.property} / --public-key): manifests are checked by hash only, as in MOSIP 1.2; a server or man in the middle can change them`);
    } else {
      logger.info(`manifests must be signed: public key ${trusted.file}`);
    }
    await assertStationWritable(config.clientDir);
    await assertNoSymlinksInUpgradeDir(paths.upgradeDir);
    lock = await acquireStationLock(paths.upgradeDir, command, logger);
    store = await openSqliteSnapshotStore(paths.stateDb, { log: (level, message) => logger[level](message) });
    const openStore = guardStore(store, lock, () => (lost = true));
    const foreign = await adoptStation(openStore, config.clientDir);
    if (foreign !== undefined) logger.warn(foreign);
    const seenKey = latestSeenKey(config.metadataUrl ?? config.serverUrl);
    const latestSeen = { get: () => openStore.getValue(seenKey), set: (version: string) => openStore.setValue(seenKey, version) };
    // The highest serial of a trusted rollout.json at this URL: an older document is a replay.
    const serialKey = `rollout-serial:${redactUrl(rolloutUrlOf(config.metadataUrl ?? config.serverUrl ?? 'http://unset.invalid/'))}`;
    const rollout = {
      stationId: await stationIdOf(openStore),
      serials: {
        get: async () => {
          const serial = Number(await openStore.getValue(serialKey));
          return Number.isSafeInteger(serial) ? serial : undefined;
        },
        set: (serial: number) => openStore.setValue(serialKey, String(serial)),
      },
    };
    const clientDb = stationClientDb(config, options.env ?? process.env);
    const dbKey = `client-db-version:${clientDb.kind}`;
    const dbVersionMemory = { get: () => openStore.getValue(dbKey), set: (version: string) => openStore.setValue(dbKey, version) };
    const caFile = settingFile(config, 'caFile');
    const httpOptions: HttpOptions = {
      connectTimeoutMs: config.connectTimeoutMs,
      readTimeoutMs: config.readTimeoutMs,
      retry: retryPolicy(config),
      env: options.env ?? process.env,
      ...(caFile === undefined ? {} : { caFile }),
    };
    // Checked now (a bad CA file or proxy variable is a configuration error), loaded on first use.
    checkHttpSettings(httpOptions);
    let made: Promise<Got> | undefined;
    const client = (): Promise<Got> => (made ??= import('../services/http-client.js').then((http) => http.createHttpClient(httpOptions)));
    logger.info(`${command}: ${path.resolve(config.clientDir)}, installed ${installedVersion}`, {
      server: config.serverUrl === undefined ? null : redactUrl(config.serverUrl),
      offline: options.offline === true,
    });
    const result = await runMachine({
      params: {
        command,
        runId,
        installedVersion,
        offline: options.offline === true,
        allowDowngrade: config.allowDowngrade,
        dbRetryLimit: config.crashLoopLimit,
        ...(options.ignoreRollout === true ? { ignoreRollout: true } : {}),
      },
      progress: () => progressFingerprint(paths.upgradeDir),
      crashLoopLimit: config.crashLoopLimit,
      services: createStationServices({
        config,
        client,
        env: options.env ?? process.env,
        pool,
        logger,
        latestSeen,
        rollout,
        clientDb,
        dbVersionMemory,
        ...(trusted === undefined ? {} : { trusted }),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      }),
      store: openStore,
      logger,
      runId,
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
    if (lost || !(await lock.held())) {
      // Another run owns the station now: what this one did is not the station's story (exit 40).
      const info = toErrorInfo(new UpgradeError('LOCKED', `${command} lost the station lock to another run while it was paused; it stopped without writing state — that run's result is the station's`), 'LOCKED');
      logger.warn(info.message);
      return noted(restingResult(command, 'failed', info, installedVersion));
    }
    logger.info(`${command} finished in state ${result.state} with exit code ${result.exitCode}`, {
      error: result.error?.message ?? null,
    });
    outcome = noted(foreign === undefined ? result : { ...result, warnings: [foreign, ...result.warnings] });
    return outcome;
  } catch (error) {
    const info = toErrorInfo(error, 'IO_FAILED');
    logger.error(`${command} failed: ${info.message}`, { code: info.code });
    outcome = noted(restingResult(command, 'failed', info, known));
    return outcome;
  } finally {
    await pool.close();
    const transitions = store === undefined ? [] : await store.history({ runId, order: 'oldest' }).catch(() => []);
    await store?.close();
    // Still under the station lock: the outbox is written by one run at a time.
    if (store !== undefined && outcome !== undefined && !lost) {
      await sendRunToFleet({ config, stateDb: paths.stateDb, result: outcome, transitions, startedAt, logger });
    }
    await lock?.release();
    logger.close();
  }
}
