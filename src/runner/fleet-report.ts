// The station's side of fleet status (DESIGN §13): after every run, queue one report in the
// outbox and send the queue to the fleet service within a small budget. Nothing here may change
// the run's exit code or delay it past the budget: every failure becomes one warning.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { UpgraderConfig } from '../config/load-config.js';
import { SETTINGS } from '../config/settings.js';
import { redactUrl } from '../errors.js';
import type { FleetEvent } from '../formats/fleet-report.js';
import { parseMosipKeysReadme, type MosipKeysIdentity } from '../formats/mosip-keys-readme.js';
import type { RunResult } from '../machines/run-result.js';
import type { Outbox } from '../persistence/outbox.js';
import type { TransitionRecord } from '../persistence/snapshot-store.js';
// The sender (node:http, node:https) is imported only when a fleet URL is set: most launches have none.
import type { DeliveryResult, PostFleetBatch } from '../services/fleet-sender.js';
import type { Logger } from '../services/logger.js';

/** Version of this upgrader, as reported to the fleet (kept equal to package.json; a test checks). */
export const UPGRADER_VERSION = '0.1.0';

/** Total time a run may spend sending its outbox, in ms (DESIGN §13). */
export const FLEET_SEND_BUDGET_MS = 2000;

// The upgrade states, in the order a version upgrade passes them: the phase is the last one reached.
const PHASES = new Set(['backup', 'downloading', 'staged', 'restarting', 'dbUpgrade', 'rollback', 'done']);

/** The furthest upgrade state a run's transitions reached, or null for a run that never entered one. */
export function phaseReached(transitions: Pick<TransitionRecord, 'to'>[]): string | null {
  let phase: string | null = null;
  for (const transition of transitions) if (PHASES.has(transition.to)) phase = transition.to;
  return phase;
}

/** Reads `.mosipkeys/readme.txt` of the station (in the client folder, else the home folder); nulls when absent. */
export async function readMosipIdentity(clientDir: string, home = os.homedir()): Promise<MosipKeysIdentity> {
  for (const dir of [clientDir, home]) {
    const text = await fs.readFile(path.join(dir, '.mosipkeys', 'readme.txt'), 'utf8').catch(() => undefined);
    if (text !== undefined) return parseMosipKeysReadme(text);
  }
  return { machineName: null, keyIndex: null };
}

/** Builds the outbox event for a finished run. Pure. */
export function fleetEventFor(
  result: RunResult,
  facts: { at: Date; durationMs: number; phase: string | null; hostName: string; identity: MosipKeysIdentity },
): Omit<FleetEvent, 'seq'> {
  const clip = (value: string | null): string | null => (value === null ? null : value.slice(0, 200));
  return {
    eventId: randomUUID(),
    at: facts.at.toISOString(),
    command: result.command,
    hostName: facts.hostName.slice(0, 200),
    machineName: clip(facts.identity.machineName),
    keyIndex: clip(facts.identity.keyIndex),
    upgraderVersion: UPGRADER_VERSION,
    installedVersion: clip(result.installedVersion),
    announcedVersion: clip(result.latestVersion),
    state: result.state,
    exitCode: result.exitCode,
    errorCode: result.error?.code ?? null,
    bytesFetched: Math.max(0, Math.round(result.bytesFetched)),
    durationMs: Math.max(0, Math.round(facts.durationMs)),
    phase: facts.phase,
    bytesReused: Math.max(0, Math.round(result.bytesReused)),
    rolloutIgnored: result.rolloutIgnored === true,
  };
}

/** A file named by a setting: relative to the client folder in a properties file, else to the working directory. */
function settingFilePath(config: UpgraderConfig, name: 'fleetTokenFile' | 'caFile'): string | undefined {
  const value = config[name];
  if (value === undefined || value === '') return undefined;
  return config.sources[name] === 'properties' ? path.resolve(config.clientDir, value) : path.resolve(value);
}

/** Node's built-in roots plus the station's CA file (`reg.upgrader.ca-file`), as downloads trust; undefined without one. */
async function trustedCas(config: UpgraderConfig): Promise<string[] | undefined> {
  const file = settingFilePath(config, 'caFile');
  if (file === undefined) return undefined;
  const pem = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the CA file ${file} (${SETTINGS.caFile.property}): ${error.code ?? String(error)}`);
  });
  // node:tls only with a CA file: a launch that never connects over TLS need not load it.
  return [...process.getBuiltinModule('node:tls').rootCertificates, pem];
}

/** Reads the bearer token from its file (trimmed); throws naming the file, never the token. */
export async function readFleetToken(file: string): Promise<string> {
  let token: string;
  try {
    token = (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new Error(`cannot read the fleet token file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (token === '' || /\s/.test(token)) throw new Error(`the fleet token file ${file} must hold one token on one line`);
  return token;
}

/** Options of `reportToFleet`. */
export interface ReportToFleetOptions {
  config: UpgraderConfig;
  outbox: Outbox;
  event: Omit<FleetEvent, 'seq'>;
  logger: Logger;
  /** Replaces the HTTP poster (tests). */
  post?: PostFleetBatch;
  budgetMs?: number;
}

/** Queues the run's event, then delivers the outbox when a fleet URL is set. Never throws. */
export async function reportToFleet(options: ReportToFleetOptions): Promise<DeliveryResult | undefined> {
  const { config, outbox, event, logger } = options;
  try {
    await outbox.enqueue(event);
  } catch (error) {
    logger.warn(`fleet report not queued: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  if (config.fleetUrl === undefined) return undefined;
  const baseUrl = config.fleetUrl.endsWith('/') ? config.fleetUrl : `${config.fleetUrl}/`;
  try {
    const { createFleetPoster, deliverOutbox } = await import('../services/fleet-sender.js');
    let post = options.post;
    if (post === undefined) {
      const tokenFile = settingFilePath(config, 'fleetTokenFile');
      if (tokenFile === undefined) {
        throw new Error(`${SETTINGS.fleetTokenFile.property} (--fleet-token-file) is not set; reports stay queued`);
      }
      const ca = await trustedCas(config);
      post = createFleetPoster({ baseUrl, token: await readFleetToken(tokenFile), ...(ca === undefined ? {} : { ca }) });
    }
    const delivery = await deliverOutbox({ outbox, post, budgetMs: options.budgetMs ?? FLEET_SEND_BUDGET_MS });
    if (delivery.problem === null) {
      logger.info(`fleet: ${delivery.sent} report(s) delivered to ${redactUrl(baseUrl)}`);
    } else {
      logger.warn(`fleet: ${delivery.sent} report(s) delivered, ${delivery.queued} still queued: ${delivery.problem}`);
    }
    return delivery;
  } catch (error) {
    logger.warn(`fleet: reports stay queued: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
