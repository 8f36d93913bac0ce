// The release engineer's side of a staged rollout (DESIGN §13): `registration-client/rollout.json`
// (+ `rollout.json.sig`, the manifest's SHA256withRSA signature scheme) read and rewritten under a
// lock, each write a new serial, each file replaced atomically.
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ConfigError, UpgradeError } from '../errors.js';
import { parseRolloutDocument, ROLLOUT_FILE, serializeRolloutDocument, type RolloutDocument } from '../rollout/rollout-document.js';
import { writeFileAtomic } from '../services/atomic-file.js';
import { signManifest } from './sign-manifest.js';

/** Where a server root keeps its rollout document and signature. */
export function rolloutPaths(root: string): { serverDir: string; document: string; signature: string } {
  const serverDir = path.join(path.resolve(root), 'registration-client');
  const document = path.join(serverDir, ROLLOUT_FILE);
  return { serverDir, document, signature: `${document}.sig` };
}

/** The rollout document on a server root, and whether a signature sits beside it. */
export interface RolloutFile {
  document: RolloutDocument;
  signed: boolean;
}

/** Reads `<root>/registration-client/rollout.json`; undefined when there is none; unreadable → ROLLOUT_MALFORMED (65). */
export async function readRolloutFile(root: string): Promise<RolloutFile | undefined> {
  const paths = rolloutPaths(root);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(paths.document);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const document = parseRolloutDocument(bytes, paths.document);
  const signed = await fs.stat(paths.signature).then(
    () => true,
    () => false,
  );
  return { document, signed };
}

/** How an update changes the document (`current` undefined: the server has none yet); undefined = leave it as it is. */
export type RolloutChange = (current: RolloutFile | undefined) => Omit<RolloutDocument, 'serial'> | undefined;

/** Options of updateRolloutFile. */
export interface UpdateRolloutOptions {
  /** Signs the new document (rollout.json.sig); without it a stale signature is removed. */
  signKey?: KeyObject | undefined;
}

/**
 * Rewrites the rollout document under `root` with the next serial: read, change, sign, write —
 * under `.rollout.lock`, so a person and the fleet service never write the same serial twice.
 */
export async function updateRolloutFile(root: string, change: RolloutChange, options: UpdateRolloutOptions = {}): Promise<RolloutFile | undefined> {
  const paths = rolloutPaths(root);
  await fs.mkdir(paths.serverDir, { recursive: true });
  const release = await lockfile
    .lock(paths.document, {
      // Keyed by the document (which may not exist yet), not the folder publish locks.
      realpath: false,
      lockfilePath: path.join(paths.serverDir, '.rollout.lock'),
      retries: { retries: 20, minTimeout: 50, maxTimeout: 500 },
    })
    .catch((cause: unknown) => {
      throw new UpgradeError('LOCKED', `another process is writing ${paths.document}; try again when it ends`, { cause, details: { file: paths.document } });
    });
  try {
    const current = await readRolloutFile(root);
    const next = change(current);
    if (next === undefined) return current;
    const document: RolloutDocument = { ...next, serial: (current?.document.serial ?? 0) + 1 };
    const bytes = serializeRolloutDocument(document);
    // A pair that does not match (between the two renames) is refused by stations: safe, never wider.
    if (options.signKey === undefined) await fs.rm(paths.signature, { force: true });
    else await writeFileAtomic(paths.signature, signManifest(bytes, options.signKey));
    await writeFileAtomic(paths.document, bytes);
    return { document, signed: options.signKey !== undefined };
  } finally {
    await release().catch(() => undefined);
  }
}

/** Refuses to replace a signed document with an unsigned one unless it pauses (pausing needs no signature). */
export function requireSigningToWiden(current: RolloutFile | undefined, next: Omit<RolloutDocument, 'serial'>, signKey: KeyObject | undefined, file: string): void {
  if (current?.signed === true && signKey === undefined && !next.paused) {
    throw new ConfigError('CONFIG_INVALID', `${file} is signed: pass --sign-key to change it (stations with a public key refuse an unsigned document; only a pause is honoured unsigned)`, {
      details: { key: 'signKey', file },
    });
  }
}
