// `publish`: lays a release out for the upgrade server (DESIGN §2, §9) — files, MANIFEST.MF,
// reg-client.zip and maven-metadata.xml — built aside and swapped in, so a server never shows
// a half-written release, and re-publishing a version (a hotfix) rewrites it in place. With a
// signing key, MANIFEST.MF.sig (DESIGN §10) is built in the same folder, so it is swapped in with it.
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ConfigError, UpgradeError } from '../errors.js';
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
}

/** Coordinates of the metadata, as MOSIP's server publishes them. */
export const REGISTRATION_CLIENT_IDS = { groupId: 'io.mosip.registration', artifactId: 'registration-client' } as const;

const COPY_CONCURRENCY = 4;

/** What a publish would lay out, checked; nothing written. */
interface PreparedPublish {
  version: string;
  signKey: KeyObject | undefined;
  files: ReleaseFile[];
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
  return { version, signKey, files, serverDir, metadataPath, problems };
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
  const { version, signKey, files, serverDir, metadataPath, problems } = await preparePublish(options);
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
      await writeFileAtomic(metadataPath, serializeMavenMetadata(metadata));
      return {
        version,
        releaseDir,
        files: published,
        latest: metadata.latest,
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
  const published = await mapLimit(files, COPY_CONCURRENCY, async (file) => {
    const copy = path.join(work, 'lib', ...file.name.split('/'));
    await fs.mkdir(path.dirname(copy), { recursive: true });
    await fs.copyFile(file.source, copy);
    await fsyncPath(copy);
    // Hash the copy, not the source: the manifest describes exactly the bytes the server holds.
    const [hash, stats] = await Promise.all([sha256File(copy), fs.stat(copy)]);
    return { name: file.name, hash, size: stats.size };
  });
  const manifest = serializeManifest(createManifest(version, published));
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
  for (const dir of new Set(published.map(({ name }) => path.dirname(path.join(work, 'lib', ...name.split('/')))))) {
    await fsyncPath(dir);
  }
  await fsyncPath(path.join(work, 'lib'));
  await fsyncPath(work);
  return published;
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
