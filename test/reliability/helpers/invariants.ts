// The promise "never leaves a station broken, never loses data", as checks that return violations
// (strings) instead of throwing, so the torture runner can count them and a test can assert none.
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseManifest } from '../../../src/formats/manifest.js';
import { readClientDb } from '../../helpers/client-db.js';
import { hashTree } from '../../helpers/station.js';
import { MAPPINGS, OLD, REGISTRATIONS, SCRIPT_TABLES, type World } from './world.js';

/** name → every hash a file of that name may have in lib/ at any instant. */
export type AllowedFiles = Map<string, Set<string>>;

/** Merges name → hash maps (old and new manifest, damaged copies…) into the allowed set. */
export function allowedFrom(...maps: ReadonlyArray<ReadonlyMap<string, string>>): AllowedFiles {
  const allowed: AllowedFiles = new Map();
  for (const map of maps) {
    for (const [name, hash] of map) allowed.set(name, (allowed.get(name) ?? new Set()).add(hash));
  }
  return allowed;
}

/** Every lib/ file is one the allowed set names, with one of its allowed hashes (no torn or stray file). */
export async function checkLib(client: string, allowed: AllowedFiles): Promise<string[]> {
  const violations: string[] = [];
  for (const [name, hash] of Object.entries(await hashTree(path.join(client, 'lib')))) {
    const ok = allowed.get(name);
    if (ok === undefined) violations.push(`lib/${name} is neither in the old nor in the new release`);
    else if (!ok.has(hash)) violations.push(`lib/${name} has bytes of neither release (${hash.slice(0, 12)}…)`);
  }
  return violations;
}

/** MANIFEST.MF parses and names one of the versions. */
export async function checkManifest(client: string, versions: readonly string[]): Promise<string[]> {
  try {
    const version = parseManifest(await fs.readFile(path.join(client, 'MANIFEST.MF'))).version;
    return versions.includes(version) ? [] : [`MANIFEST.MF names ${version}, expected one of ${versions.join(', ')}`];
  } catch (error) {
    return [`MANIFEST.MF unreadable: ${(error as Error).message}`];
  }
}

/** The client database: every registration kept, a mapped version, each script applied once and consistently. */
export function checkClientDb(client: string): string[] {
  const file = path.join(client, 'db', 'reg.sqlite');
  if (!existsSync(file)) return [];
  const violations: string[] = [];
  let state;
  try {
    state = readClientDb(file);
  } catch (error) {
    return [`client database unreadable: ${(error as Error).message}`];
  }
  if (state.registrations !== REGISTRATIONS) violations.push(`${REGISTRATIONS - state.registrations} registration row(s) lost`);
  const order = state.version === undefined ? undefined : MAPPINGS[state.version as keyof typeof MAPPINGS]?.releaseOrder;
  if (order === undefined) return [...violations, `client database at unknown version ${String(state.version)}`];
  const applied = state.history.filter((h) => h.outcome === 'applied').map((h) => h.version);
  if (new Set(applied).size !== applied.length) violations.push(`a DB script was applied twice: ${applied.join(', ')}`);
  const expected = Object.entries(MAPPINGS)
    .filter(([, m]) => m.releaseOrder > MAPPINGS[OLD].releaseOrder && m.releaseOrder <= order)
    .map(([v]) => v);
  if ([...new Set(applied)].join() !== expected.join()) {
    violations.push(`database at ${state.version} but its history says applied [${applied.join(', ')}], expected [${expected.join(', ')}]`);
  }
  for (const [version, table] of Object.entries(SCRIPT_TABLES)) {
    if (expected.includes(version) !== state.tables.includes(table)) {
      violations.push(`database at ${state.version}: table ${table} of ${version} ${state.tables.includes(table) ? 'exists' : 'is missing'}`);
    }
  }
  return violations;
}

/** `.upgrade/state.db` passes integrity_check and was never moved aside; returns its transition count. */
export function checkStateDb(client: string): { violations: string[]; transitions: number } {
  const file = path.join(client, '.upgrade', 'state.db');
  const violations: string[] = [];
  const dir = path.dirname(file);
  const aside = existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('state.db.corrupt-')) : [];
  if (aside.length > 0) violations.push(`state.db was found unusable and moved aside: ${aside.join(', ')}`);
  if (!existsSync(file)) return { violations, transitions: 0 };
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const verdict: unknown = db.pragma('integrity_check', { simple: true });
    if (verdict !== 'ok') violations.push(`state.db integrity_check: ${String(verdict)}`);
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'upgrader_transition'").get() !== undefined;
    const transitions = hasTable ? (db.prepare('SELECT count(*) AS n FROM upgrader_transition').get() as { n: number }).n : 0;
    return { violations, transitions };
  } catch (error) {
    return { violations: [...violations, `state.db does not open: ${(error as Error).message}`], transitions: 0 };
  } finally {
    db?.close();
  }
}

/** Every check of an instant after a kill: lib/, MANIFEST.MF, client DB, state DB. */
export async function checkStation(
  client: string,
  allowed: AllowedFiles,
  versions: readonly string[],
): Promise<{ violations: string[]; transitions: number }> {
  const state = checkStateDb(client);
  const violations = [...(await checkLib(client, allowed)), ...(await checkManifest(client, versions)), ...checkClientDb(client), ...state.violations];
  return { violations, transitions: state.transitions };
}

/** Once a cycle completed: lib/ is exactly the release and MANIFEST.MF its exact bytes. */
export async function checkInstalled(client: string, world: World, version: string): Promise<string[]> {
  const violations: string[] = [];
  const want = world.hashes[version] ?? new Map<string, string>();
  const have = await hashTree(path.join(client, 'lib'));
  for (const [name, hash] of want) if (have[name] !== hash) violations.push(`after the cycle lib/${name} is ${have[name] === undefined ? 'missing' : 'wrong'}`);
  for (const name of Object.keys(have)) if (!want.has(name)) violations.push(`after the cycle lib/${name} is left over`);
  const manifest = await fs.readFile(path.join(client, 'MANIFEST.MF')).catch(() => Buffer.alloc(0));
  if (!manifest.equals(world.manifests[version] ?? Buffer.alloc(1))) violations.push(`after the cycle MANIFEST.MF is not ${version}'s`);
  const db = path.join(client, 'db', 'reg.sqlite');
  const dbVersion = existsSync(db) ? readClientDb(db).version : version;
  if (dbVersion !== version) violations.push(`after the cycle the database is at ${String(dbVersion)}, lib/ at ${version}`);
  return violations;
}
