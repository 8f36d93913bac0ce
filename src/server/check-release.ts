// What `publish` checks before a release goes live: everything a station reads from the release's
// lib/ to launch and upgrade (properties, version mappings, DB scripts, core jars, the signing key)
// and the order of versions. A station that took a release failing any of these would fail on
// every launch, so a failing release is refused whole (RELEASE_REFUSED) and nothing is written.
import { createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SETTINGS, type SettingName } from '../config/settings.js';
import { UpgradeError } from '../errors.js';
import { parseProperties } from '../formats/properties.js';
import { splitSqlScript } from '../formats/sql-script.js';
import { compareVersions, parseVersionMappings, VERSION_MAPPINGS_KEY, type VersionMappings } from '../formats/version.js';
import type { ReleaseFile } from './collect-release-files.js';

/** One reason a release is refused: which check, the file or key it concerns, and what to fix. */
export interface ReleaseProblem {
  check: 'properties' | 'mappings' | 'sql' | 'core-jar' | 'downgrade' | 'signing-key';
  /** The release file (relative to libDir) or setting the problem is in. */
  where: string;
  message: string;
}

/** What checkRelease looks at. */
export interface ReleaseCheckInput {
  version: string;
  /** Every file of the release (collectReleaseFiles). */
  files: readonly ReleaseFile[];
  /** The version maven-metadata.xml offers now, and every version it lists. */
  latest: string | undefined;
  listed: readonly string[];
  /** Publishing a version older than the latest is allowed (a deliberate downgrade). */
  allowDowngrade: boolean;
  /** The signing key (publish --sign-key), if any. */
  signKey: KeyObject | undefined;
  /** The public key stations trust (publish --public-key), if the release engineer names one. */
  publicKey: KeyObject | undefined;
}

const PROPERTIES_FILES = ['mosip-application.properties', 'spring.properties'];
const CORE_FAMILIES = ['registration-client', 'registration-services'];
const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** Every problem of a release (empty: it is safe to publish). Reads only the files it needs. */
export async function checkRelease(input: ReleaseCheckInput): Promise<ReleaseProblem[]> {
  const problems: ReleaseProblem[] = [];
  const byName = new Map(input.files.map((file) => [file.name, file.source]));

  const properties = new Map<string, { value: string; file: string }>();
  for (const name of PROPERTIES_FILES) {
    const source = byName.get(name);
    if (source === undefined) continue;
    try {
      for (const [key, value] of parseProperties(await fs.readFile(source, 'utf8'), name)) properties.set(key, { value, file: name });
    } catch (error) {
      problems.push({ check: 'properties', where: name, message: `${name} is not a valid .properties file: ${(error as Error).message}` });
    }
  }
  for (const setting of SETTING_NAMES) {
    const spec = SETTINGS[setting];
    const found = properties.get(spec.property);
    if (found === undefined) continue;
    const parsed = (spec.parse as (text: string) => unknown)(found.value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'expected' in parsed) {
      problems.push({
        check: 'properties',
        where: found.file,
        message: `${found.file}: ${spec.property} = '${found.value}'; expected ${String(parsed.expected)} (stations would refuse to start with exit 64)`,
      });
    }
  }

  const mappings = checkMappings(input.version, properties.get(VERSION_MAPPINGS_KEY), problems);
  if (mappings !== undefined) await checkScripts(input.version, mappings, byName, problems);

  for (const family of CORE_FAMILIES) {
    if (!input.files.some((file) => !file.name.includes('/') && file.name.startsWith(`${family}-`) && file.name.endsWith('.jar'))) {
      problems.push({ check: 'core-jar', where: `${family}-<version>.jar`, message: `the core jar ${family}-<version>.jar is missing: stations could not start the client` });
    }
  }

  if (input.latest !== undefined && !input.listed.includes(input.version) && compareVersions(input.version, input.latest, mappings) < 0 && !input.allowDowngrade) {
    problems.push({
      check: 'downgrade',
      where: 'maven-metadata.xml',
      message: `${input.version} is older than the latest published version ${input.latest}; pass --allow-downgrade to make it the latest anyway`,
    });
  }

  await checkSigningKey(input, properties.get(SETTINGS.publicKey.property), byName, problems);
  return problems;
}

function checkMappings(version: string, found: { value: string; file: string } | undefined, problems: ReleaseProblem[]): VersionMappings | undefined {
  if (found === undefined) {
    problems.push({
      check: 'mappings',
      where: 'spring.properties',
      message: `no ${VERSION_MAPPINGS_KEY} in spring.properties or mosip-application.properties: stations could not order versions nor upgrade their database`,
    });
    return undefined;
  }
  let mappings: VersionMappings;
  try {
    mappings = parseVersionMappings(found.value);
  } catch (error) {
    problems.push({ check: 'mappings', where: found.file, message: `${found.file}: ${(error as Error).message}` });
    return undefined;
  }
  if (!Object.hasOwn(mappings, version)) {
    problems.push({
      check: 'mappings',
      where: found.file,
      message: `${found.file}: ${VERSION_MAPPINGS_KEY} does not list ${version} (it lists ${Object.keys(mappings).join(', ') || 'nothing'}); add {"${version}":{"dbVersion":…,"releaseOrder":…}}`,
    });
  }
  return mappings;
}

// Every mapped version up to this one may be run by a station coming from an older release; the
// first mapped version's are not (no database is older than it).
async function checkScripts(version: string, mappings: VersionMappings, byName: Map<string, string>, problems: ReleaseProblem[]): Promise<void> {
  const own = mappings[version];
  if (own === undefined) return;
  const first = Math.min(...Object.values(mappings).map((entry) => entry.releaseOrder));
  for (const [mapped, entry] of Object.entries(mappings)) {
    if (entry.releaseOrder > own.releaseOrder || entry.releaseOrder === first) continue;
    const folder = `sql/${entry.dbVersion}/`;
    const scripts = [...byName.keys()].filter((name) => name.startsWith(folder));
    if (scripts.length === 0) {
      problems.push({ check: 'sql', where: folder, message: `${folder} is missing: ${mapped} maps to dbVersion ${entry.dbVersion}, whose scripts stations run when they upgrade` });
      continue;
    }
    for (const name of scripts.filter((script) => script.endsWith('.sql'))) {
      try {
        splitSqlScript(await fs.readFile(byName.get(name) ?? '', 'utf8'), name);
      } catch (error) {
        problems.push({ check: 'sql', where: name, message: `${name} does not tokenize: ${(error as Error).message}` });
      }
    }
  }
}

// Stations that trust a key refuse a manifest signed with another one, or not signed at all.
async function checkSigningKey(
  input: ReleaseCheckInput,
  configured: { value: string; file: string } | undefined,
  byName: Map<string, string>,
  problems: ReleaseProblem[],
): Promise<void> {
  const trusted: Array<{ key: KeyObject; where: string }> = [];
  if (input.publicKey !== undefined) trusted.push({ key: input.publicKey, where: '--public-key' });
  if (configured !== undefined && configured.value.trim() !== '') {
    // The property names a file relative to the client folder; one inside lib/ ships with the release.
    const inRelease = path.posix.normalize(configured.value.trim().replaceAll('\\', '/')).replace(/^lib\//, '');
    const source = byName.get(inRelease);
    const where = `${configured.file}: ${SETTINGS.publicKey.property}`;
    if (source !== undefined) {
      try {
        trusted.push({ key: createPublicKey(await fs.readFile(source, 'utf8')), where });
      } catch (error) {
        problems.push({ check: 'signing-key', where, message: `${where} names ${configured.value}, which is not a PEM public key: ${(error as Error).message}` });
      }
    } else if (input.signKey === undefined) {
      problems.push({ check: 'signing-key', where, message: `${where} requires signed manifests, but no --sign-key was given: stations would refuse this release` });
    }
  }
  for (const { key, where } of trusted) {
    if (input.signKey === undefined) {
      problems.push({ check: 'signing-key', where, message: `stations trust the key of ${where}, but no --sign-key was given: they would refuse this unsigned release` });
    } else if (!samePublicKey(key, input.signKey)) {
      problems.push({ check: 'signing-key', where, message: `--sign-key does not match the public key of ${where}: stations would refuse every file of this release` });
    }
  }
}

function samePublicKey(publicKey: KeyObject, privateKey: KeyObject): boolean {
  const der = (key: KeyObject): Buffer => key.export({ type: 'spki', format: 'der' });
  return der(publicKey).equals(der(createPublicKey(privateKey)));
}

/** A refused release (exit 65): one line per problem in the message, the problems themselves for `--json`. */
export class ReleaseRefusedError extends UpgradeError {
  override name = 'ReleaseRefusedError';
  readonly problems: readonly ReleaseProblem[];

  constructor(version: string, problems: readonly ReleaseProblem[]) {
    const lines = problems.map((problem) => `  - ${problem.message}`);
    super('RELEASE_REFUSED', `publish: ${version} refused, nothing was published:\n${lines.join('\n')}`, {
      details: { version, problems: problems.length, checks: [...new Set(problems.map((problem) => problem.check))].join(',') },
    });
    this.problems = problems;
  }
}
