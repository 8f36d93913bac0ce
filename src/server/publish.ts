// `publish`: lays a release out for the upgrade server (DESIGN §2, §9) — files, MANIFEST.MF,
// reg-client.zip and maven-metadata.xml — built aside and swapped in, so a server never shows
// a half-written release, and re-publishing a version (a hotfix) rewrites it in place. With a
// signing key, MANIFEST.MF.sig (DESIGN §10) is built in the same folder, so it is swapped in with it.
// Every file of 64 KiB or more gets a block index (blockmap/<name>.blockmap, DESIGN §13) whose
// SHA-256 its MANIFEST.MF section names, for stations' differential downloads.
import { createHash, type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ConfigError, UpgradeError } from '../errors.js';
import { BLOCK_INDEX_ATTRIBUTE, blockIndexSegments, indexBlocks, MIN_INDEXED_SIZE, serializeBlockIndex } from '../formats/block-index.js';
import { createManifest, serializeManifest } from '../formats/manifest.js';
import {
  formatLastUpdated,
  parseMavenMetadata,
  serializeMavenMetadata,
  withVersionFirst,
  type MavenMetadata,
} from '../formats/maven-metadata.js';
import { isPlainVersion } from '../formats/version.js';
import { sha256File } from '../services/hash-file.js';
import { loadPublicKey } from '../services/manifest-signature.js';
import { bumpChangedMtimes } from './bump-changed-mtimes.js';
import { checkRelease, ReleaseRefusedError, type ReleaseProblem } from './check-release.js';
import { collectReleaseFiles, type ReleaseFile } from './collect-release-files.js';
import { fsyncPath, writeFileAtomic } from '../services/atomic-file.js';
import { swapDirectory } from './durable-fs.js';
import { isInside } from './path-inside.js';
import { loadSigningKey, signManifest } from './sign-manifest.js';
import { writeReleaseZip } from './write-release-zip.js';
import type { RolloutDocument } from '../rollout/rollout-document.js';
import { readRolloutFile, requireSigningToWiden, rolloutPaths, updateRolloutFile, type RolloutFile } from './rollout-file.js';

/** Options of publishRelease. */
export interface PublishOptions {
  /** Release version, e.g. 1.2.0.1 (plain dotted version, becomes a folder and URL segment). */
  version: string;
  /** Folder whose files become the release's lib/ (nested folders such as sql/1.2.0/ kept). */
  libDir: string;
  /** Server root; the release goes to <outRoot>/registration-client/<version>/. */
  outRoot: string;
  /** Clock for maven-metadata.xml's lastUpdated; default now. */
  now?: Date;
  /** RSA private key (PEM) to sign MANIFEST.MF with: writes MANIFEST.MF.sig (DESIGN §10). */
  signKeyPath?: string | undefined;
  /** The public key stations trust (PEM): the signing key must match it. */
  publicKeyPath?: string | undefined;
  /** Make a version older than the current latest the latest. Default false: refused. */
  allowDowngrade?: boolean | undefined;
  /**
   * Skip the release checks (checkRelease). Only for tests and tools that publish deliberately
   * partial releases; a real release published this way can brick every station that takes it.
   */
  unchecked?: boolean | undefined;
  /**
   * Share of stations a new version starts at (rollout.json, DESIGN §13). Absent: 100 % when the
   * server already has a rollout document, and no document at all when it has none (as before).
   */
  rolloutPercent?: number | undefined;
}

/** What publishRelease laid out. */
export interface PublishedRelease {
  version: string;
  releaseDir: string;
  /** Every file of lib/, sorted by name, with its SHA-256 (uppercase hex) and size. */
  files: Array<{ name: string; hash: string; size: number }>;
  manifestPath: string;
  /** MANIFEST.MF.sig, or null when the release is not signed. */
  signaturePath: string | null;
  zipPath: string;
  /** The version maven-metadata.xml now offers (this one, unless an older one was re-published). */
  latest: string;
  /** The rollout document written for this version, or null when publish left rollout.json alone. */
  rollout: RolloutDocument | null;
}

/** Coordinates of the metadata, as MOSIP's server publishes them. */
export const REGISTRATION_CLIENT_IDS = { groupId: 'io.mosip.registration', artifactId: 'registration-client' } as const;

const COPY_CONCURRENCY = 4;

/** What a publish would lay out, checked; nothing written. */
interface PreparedPublish {
  version: string;
  signKey: KeyObject | undefined;
  files: ReleaseFile[];
  outRoot: string;
  serverDir: string;
  metadataPath: string;
  problems: ReleaseProblem[];
}

async function preparePublish(options: PublishOptions): Promise<PreparedPublish> {
  const { version } = options;
  if (!isPlainVersion(version)) {
    throw new ConfigError('INVALID_VERSION', `publish: invalid version ${JSON.stringify(version)}; expected dotted numbers such as 1.2.0.1 or 1.2.0.2-SNAPSHOT`, {
      details: { version },
    });
  }
  const signKey = options.signKeyPath === undefined ? undefined : await loadSigningKey(options.signKeyPath);
  const publicKey = options.publicKeyPath === undefined ? undefined : (await loadPublicKey(options.publicKeyPath, '--public-key')).key;
  const files = await collectReleaseFiles(options.libDir);
  const outRoot = path.resolve(options.outRoot);
  await refuseOutInsideLib(options.libDir, outRoot);
  const serverDir = path.join(outRoot, REGISTRATION_CLIENT_IDS.artifactId);
  const metadataPath = path.join(serverDir, 'maven-metadata.xml');
  const existing = await readMetadata(metadataPath); // a corrupt file stops publish before anything is written
  const rolloutBefore = await readRolloutFile(outRoot); // so does a corrupt rollout.json
  if (rolloutBefore?.signed === true && signKey === undefined) {
    requireSigningToWiden(rolloutBefore, nextRollout(rolloutBefore, version, options.rolloutPercent) ?? rolloutBefore.document, signKey, rolloutPaths(outRoot).document);
  }
  const problems =
    options.unchecked === true
      ? []
      : await checkRelease({
          version,
          files,
          latest: existing?.latest,
          listed: existing?.versions ?? [],
          allowDowngrade: options.allowDowngrade === true,
          signKey,
          publicKey,
        });
  return { version, signKey, files, outRoot, serverDir, metadataPath, problems };
}

/** Runs every check publish runs (`publish --check`) and writes nothing; empty when the release is safe. */
export async function checkPublish(options: PublishOptions): Promise<ReleaseProblem[]> {
  return (await preparePublish({ ...options, unchecked: false })).problems;
}

/**
 * Publishes `libDir` as release `version` under `outRoot`; validates everything before writing.
 * A release that would break stations (checkRelease) is refused with RELEASE_REFUSED (exit 65).
 */
export async function publishRelease(options: PublishOptions): Promise<PublishedRelease> {
  const { version, signKey, files, outRoot, serverDir, metadataPath, problems } = await preparePublish(options);
  if (problems.length > 0) throw new ReleaseRefusedError(version, problems);

  await fs.mkdir(serverDir, { recursive: true });
  let compromised: Error | undefined;
  const release = await lockfile
    .lock(serverDir, {
      lockfilePath: path.join(serverDir, '.publish.lock'),
      retries: { retries: 20, minTimeout: 100, maxTimeout: 1000 },
      onCompromised: (error) => (compromised = error),
    })
    .catch((cause: unknown) => {
      throw new UpgradeError('LOCKED', `publish: another publish is writing to ${serverDir}; try again when it ends`, {
        cause,
        details: { serverDir },
      });
    });
  try {
    await removeLeftovers(serverDir, version);
    const releaseDir = path.join(serverDir, version);
    const work = path.join(serverDir, `.${version}.tmp-${process.pid}`);
    try {
      const metadata = nextMetadata(await readMetadata(metadataPath), version, options.now ?? new Date());
      const published = await buildRelease(work, version, files, signKey);
      await bumpChangedMtimes(releaseDir, work, published);
      if (compromised) throw compromised;
      // The release is complete on disk before maven-metadata.xml offers it.
      await swapDirectory(work, releaseDir);
      // The rollout gate is in place before maven-metadata.xml announces the version.
      const rollout = metadata.latest === version ? await startRollout(outRoot, version, options.rolloutPercent, signKey) : null;
      await writeFileAtomic(metadataPath, serializeMavenMetadata(metadata));
      return {
        version,
        releaseDir,
        files: published,
        latest: metadata.latest,
        rollout,
        manifestPath: path.join(releaseDir, 'MANIFEST.MF'),
        signaturePath: signKey === undefined ? null : path.join(releaseDir, 'MANIFEST.MF.sig'),
        zipPath: path.join(releaseDir, 'reg-client.zip'),
      };
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  } finally {
    await release().catch(() => undefined);
  }
}

/** Copies and hashes every file into `work`, then writes MANIFEST.MF (+ .sig) and the zip; all fsynced. */
async function buildRelease(work: string, version: string, files: ReleaseFile[], signKey: KeyObject | undefined): Promise<PublishedRelease['files']> {
  await fs.mkdir(path.join(work, 'lib'), { recursive: true });
  const copied = await mapLimit(files, COPY_CONCURRENCY, async (file) => {
    const copy = path.join(work, 'lib', ...file.name.split('/'));
    await fs.mkdir(path.dirname(copy), { recursive: true });
    await fs.copyFile(file.source, copy);
    await fsyncPath(copy);
    // Hash the copy, not the source: the manifest describes exactly the bytes the server holds.
    const [hash, stats] = await Promise.all([sha256File(copy), fs.stat(copy)]);
    const blockIndex = await writeBlockIndex(work, file.name, copy, stats.size);
    return { name: file.name, hash, size: stats.size, blockIndex };
  });
  const published = copied.map(({ name, hash, size }) => ({ name, hash, size }));
  const sections = copied.map(({ name, hash, size, blockIndex }) => ({
    name,
    hash,
    size,
    extra: blockIndex === undefined ? [] : [[BLOCK_INDEX_ATTRIBUTE, blockIndex] as [string, string]],
  }));
  const manifest = serializeManifest(createManifest(version, sections));
  await fs.writeFile(path.join(work, 'MANIFEST.MF'), manifest);
  if (signKey !== undefined) {
    // Signed over the very bytes just written: what the server serves is what was signed.
    const signature = signManifest(await fs.readFile(path.join(work, 'MANIFEST.MF')), signKey);
    await fs.writeFile(path.join(work, 'MANIFEST.MF.sig'), signature);
    await fsyncPath(path.join(work, 'MANIFEST.MF.sig'));
  }
  const zipPath = path.join(work, 'reg-client.zip');
  await writeReleaseZip(zipPath, manifest, published.map(({ name }) => ({ name, path: path.join(work, 'lib', ...name.split('/')) })));
  await fsyncPath(path.join(work, 'MANIFEST.MF'));
  await fsyncPath(zipPath);
  const written = copied.flatMap(({ name, blockIndex }) => [
    path.join(work, 'lib', ...name.split('/')),
    ...(blockIndex === undefined ? [] : [path.join(work, ...blockIndexSegments(name))]),
  ]);
  for (const dir of new Set(written.map((file) => path.dirname(file)))) {
    await fsyncPath(dir);
  }
  await fsyncPath(path.join(work, 'lib'));
  await fsyncPath(work);
  return published;
}

/** Writes blockmap/<name>.blockmap for a file large enough to gain from differential downloads (DESIGN §13); returns its SHA-256. */
async function writeBlockIndex(work: string, name: string, copy: string, size: number): Promise<string | undefined> {
  if (size < MIN_INDEXED_SIZE) return undefined;
  const bytes = serializeBlockIndex(indexBlocks(await fs.readFile(copy)));
  const target = path.join(work, ...blockIndexSegments(name));
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.writeFile(target, bytes);
  await fsyncPath(target);
  return createHash('sha256').update(bytes).digest('hex').toUpperCase();
}

/**
 * The rollout document after publishing `version`, or undefined to leave it alone: a new version
 * starts at `percent` (default 100) unpaused, keeping the standing channel shares; re-publishing
 * the version under rollout (a hotfix) keeps its state, unless a percent is given.
 */
export function nextRollout(current: RolloutFile | undefined, version: string, percent: number | undefined): Omit<RolloutDocument, 'serial'> | undefined {
  if (current === undefined) return percent === undefined ? undefined : { version, percent, paused: false, channels: {} };
  const { serial: _serial, ...document } = current.document;
  if (document.version === version) return percent === undefined ? undefined : { ...document, percent };
  return { version, percent: percent ?? 100, paused: false, channels: document.channels };
}

async function startRollout(root: string, version: string, percent: number | undefined, signKey: KeyObject | undefined): Promise<RolloutDocument | null> {
  if (nextRollout(await readRolloutFile(root), version, percent) === undefined) return null;
  const file = await updateRolloutFile(
    root,
    (current) => {
      const next = nextRollout(current, version, percent) ?? current?.document ?? { version, percent: 100, paused: false, channels: {} };
      requireSigningToWiden(current, next, signKey, rolloutPaths(root).document);
      return next;
    },
    { signKey },
  );
  return file?.document ?? null;
}

/**
 * maven-metadata.xml after publishing `version`: a new version goes first (it becomes the one
 * offered); re-publishing a listed version (a hotfix) keeps the order, so hotfixing an older
 * release never hides a newer one from the stations still below it.
 */
export function nextMetadata(existing: MavenMetadata | undefined, version: string, now: Date): MavenMetadata {
  if (existing === undefined || !existing.versions.includes(version)) {
    return withVersionFirst(existing, version, now, REGISTRATION_CLIENT_IDS);
  }
  return { ...existing, ...REGISTRATION_CLIENT_IDS, lastUpdated: formatLastUpdated(now) };
}

async function readMetadata(metadataPath: string): Promise<MavenMetadata | undefined> {
  let text: string;
  try {
    text = await fs.readFile(metadataPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseMavenMetadata(text, metadataPath);
}

// Work files of a publish that was killed (any pid): we hold the lock, so none is in use.
async function removeLeftovers(serverDir: string, version: string): Promise<void> {
  for (const name of await fs.readdir(serverDir)) {
    const leftover = [`.${version}.tmp-`, `.${version}.old-`, '.maven-metadata.xml.tmp-'].some((p) => name.startsWith(p));
    if (leftover) {
      await fs.rm(path.join(serverDir, name), { recursive: true, force: true });
    }
  }
}

async function refuseOutInsideLib(libDir: string, outRoot: string): Promise<void> {
  const realLib = await fs.realpath(libDir);
  const realOut = await fs.realpath(outRoot).catch(() => outRoot);
  if (isInside(realLib, realOut)) {
    throw new ConfigError('CONFIG_INVALID', `publish: --out ${outRoot} is inside libDir ${libDir}; the release would publish itself`, {
      details: { libDir, outRoot },
    });
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
