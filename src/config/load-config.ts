// Reads the configuration in DESIGN §4 order — defaults, lib/ properties files, REG_UPGRADER_*
// environment, command-line flags; later wins — and validates it once, before anything is touched.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError, errorMessage, redactUrl, UpgradeError } from '../errors.js';
import { parseManifest } from '../formats/manifest.js';
import { parseProperties } from '../formats/properties.js';
import { SETTINGS, type SettingName, type Settings, type SettingSpec, type SettingValue } from './settings.js';

/** Where a setting's value came from, for `status` and support. */
export type SettingSource = 'default' | 'properties' | 'env' | 'flag';

/** The validated configuration of one run. */
export interface UpgraderConfig extends Settings {
  /** Absolute path of the client installation. */
  clientDir: string;
  /** Absolute path of the backup root. */
  backupRoot: string;
  sources: Record<SettingName, SettingSource>;
  /** Problems worked around while loading (a damaged lib/ properties file ignored until the patch restores it). */
  warnings: string[];
}

/** What loadConfig reads. */
export interface LoadConfigInput {
  clientDir: string;
  /** Parsed command-line flags (commander's opts): strings for values, booleans for switches. */
  flags: Record<string, unknown>;
  env: Record<string, string | undefined>;
}

/** The properties files read from lib/, in order (later wins). */
export const PROPERTIES_FILES = ['mosip-application.properties', 'spring.properties'];

const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

function invalid(key: string, raw: string, expected: string, where: string, fix = ''): ConfigError {
  const value = redactUrl(raw); // a URL setting may carry user:password@
  return new ConfigError(
    'CONFIG_INVALID',
    `invalid configuration: ${key} = '${value}' in ${where}; expected ${expected}${fix}`,
    { details: { key, value, expected, where } },
  );
}

function parseSetting(spec: SettingSpec<SettingValue>, key: string, raw: string, where: string, fix = ''): SettingValue {
  const parsed = spec.parse(raw);
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) throw invalid(key, raw, parsed.expected, where, fix);
  return parsed;
}

/**
 * Where to fix a setting read from lib/: those files come with the release and the next patch
 * replaces a local edit, so the fix that lasts is the release itself or a station-side override.
 */
export function overrideHint(spec: Pick<SettingSpec<SettingValue>, 'env' | 'flag'>): string {
  return `; lib/ files come with the release (a local edit is undone by the next patch): fix the release, or override it on this station with ${spec.env} in the launcher's environment or --${spec.flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

async function readPropertiesFile(file: string): Promise<Map<string, string> | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError('CONFIG_INVALID', `cannot read ${file}: ${errorMessage(error)}`, { cause: error });
  }
  try {
    return parseProperties(text, file);
  } catch (error) {
    const message = error instanceof UpgradeError ? error.message : String(error);
    throw new ConfigError('CONFIG_INVALID', `invalid properties file ${file}: ${message}`, { cause: error });
  }
}

function flagText(raw: unknown): string {
  if (Array.isArray(raw)) return raw.map((item) => String(item)).join(',');
  return typeof raw === 'string' || typeof raw === 'number' ? String(raw) : JSON.stringify(raw);
}

function ensureTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Loads and validates the configuration; throws ConfigError (exit 64) naming the key, value and expectation. */
export async function loadConfig(input: LoadConfigInput): Promise<UpgraderConfig> {
  const clientDir = path.resolve(input.clientDir);
  const values = {} as Record<SettingName, SettingValue>;
  const sources = {} as Record<SettingName, SettingSource>;
  for (const name of SETTING_NAMES) {
    values[name] = SETTINGS[name].default;
    sources[name] = 'default';
  }

  const warnings: string[] = [];
  // An invalid value in lib/ stops the run only when no later source overrides it: the override
  // is what the error tells the operator to set, so it must work.
  const overridable = new Map<SettingName, ConfigError>();
  for (const fileName of PROPERTIES_FILES) {
    const file = path.join(clientDir, 'lib', fileName);
    // A release file damaged on disk must not stop the run that would repair it (the patch
    // restores it from the server); a file as released, or edited on purpose, still must be valid.
    const ignored = (error: unknown): string => `ignored ${file}: ${errorMessage(error)}; it does not match MANIFEST.MF, so the patch restores it`;
    let settings: Awaited<ReturnType<typeof readSettingsFile>>;
    try {
      settings = await readSettingsFile(file);
    } catch (error) {
      if (!(await differsFromManifest(clientDir, fileName))) throw error;
      warnings.push(ignored(error));
      continue;
    }
    const firstInvalid = [...settings.invalid.values()][0];
    if (firstInvalid !== undefined && (await differsFromManifest(clientDir, fileName))) {
      warnings.push(ignored(firstInvalid));
      continue;
    }
    for (const [name, value] of settings.read) {
      values[name] = value;
      sources[name] = 'properties';
      overridable.delete(name);
    }
    for (const [name, error] of settings.invalid) overridable.set(name, error);
  }

  const knownEnv = new Set(SETTING_NAMES.map((name) => SETTINGS[name].env));
  for (const [key, raw] of Object.entries(input.env)) {
    if (!key.startsWith('REG_UPGRADER_') || raw === undefined) continue;
    if (!knownEnv.has(key)) {
      throw invalid(key, raw, `one of ${[...knownEnv].join(', ')}`, 'the environment');
    }
  }
  for (const name of SETTING_NAMES) {
    const spec: SettingSpec<SettingValue> = SETTINGS[name];
    const raw = input.env[spec.env];
    if (raw === undefined) continue;
    values[name] = parseSetting(spec, spec.env, raw, 'the environment');
    sources[name] = 'env';
  }

  for (const name of SETTING_NAMES) {
    const spec: SettingSpec<SettingValue> = SETTINGS[name];
    const raw = input.flags[spec.flag];
    if (raw === undefined || raw === false) continue;
    const flagName = `--${spec.flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    values[name] = typeof raw === 'boolean' ? raw : parseSetting(spec, flagName, flagText(raw), 'the command line');
    sources[name] = 'flag';
  }

  for (const [name, error] of overridable) if (sources[name] !== 'env' && sources[name] !== 'flag') throw error;

  const settings = values as Settings;
  if (settings.serverUrl !== undefined) settings.serverUrl = ensureTrailingSlash(settings.serverUrl);
  if (settings.metadataUrl === undefined && settings.serverUrl !== undefined) {
    settings.metadataUrl = `${settings.serverUrl}maven-metadata.xml`;
  }
  const backupRoot = path.resolve(clientDir, settings.rollbackPath);
  return { ...settings, clientDir, backupRoot, sources, warnings };
}

/** The settings one lib/ properties file sets, validated; none when it is absent. */
async function readSettingsFile(file: string): Promise<{ read: Array<[SettingName, SettingValue]>; invalid: Map<SettingName, ConfigError> }> {
  const properties = await readPropertiesFile(file);
  const read: Array<[SettingName, SettingValue]> = [];
  const invalidValues = new Map<SettingName, ConfigError>();
  for (const name of SETTING_NAMES) {
    const spec: SettingSpec<SettingValue> = SETTINGS[name];
    const raw = properties?.get(spec.property);
    if (raw === undefined) continue;
    try {
      read.push([name, parseSetting(spec, spec.property, raw, file, overrideHint(spec))]);
    } catch (error) {
      invalidValues.set(name, error as ConfigError);
    }
  }
  return { read, invalid: invalidValues };
}

/** True when MANIFEST.MF lists lib/<name> with another SHA-256 than the file on disk has (damaged). */
async function differsFromManifest(clientDir: string, name: string): Promise<boolean> {
  try {
    const manifest = parseManifest(await fs.readFile(path.join(clientDir, 'MANIFEST.MF')));
    const entry = manifest.entries.find((e) => e.name === name);
    if (entry === undefined) return false;
    const actual = createHash('sha256').update(await fs.readFile(path.join(clientDir, 'lib', name))).digest('hex').toUpperCase();
    return actual !== entry.hash;
  } catch {
    return false;
  }
}
