// The releases and the station every reliability test starts from: 1.0.0 installed with a client
// database, 1.1.0 and 1.2.0 published with DB scripts (1.2.0 is the one announced), so an upgrade
// replaces, adds and deletes files and runs two scripts.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseManifest } from '../../../src/formats/manifest.js';
import { createClientDb } from '../../helpers/client-db.js';
import { bytesFor, installStation, publish, tempDir } from '../../helpers/station.js';

/** Version mappings every release carries in lib/spring.properties. */
export const MAPPINGS = {
  '1.0.0': { dbVersion: '1.0.0', releaseOrder: 1 },
  '1.1.0': { dbVersion: '1.1.0', releaseOrder: 2 },
  '1.2.0': { dbVersion: '1.2.0', releaseOrder: 3 },
};
/** Installed and announced versions. */
export const OLD = '1.0.0';
export const NEW = '1.2.0';
/** Registrations in the client database: none may ever be lost. */
export const REGISTRATIONS = 300;
/** Tables each DB script creates (a version's table exists exactly when its script is applied). */
export const SCRIPT_TABLES: Record<string, string> = { '1.1.0': 't11', '1.2.0': 't12' };

/** Files of a release; `size` is the size of each jar. */
export function releaseFiles(version: string, size: number): Record<string, Buffer | string> {
  const files: Record<string, Buffer | string> = {
    'spring.properties': `mosip.registration.verion.upgrade.version-mappings=${JSON.stringify(MAPPINGS)}\n`,
    [`registration-client-${version}.jar`]: bytesFor(`client-${version}`, size),
    [`registration-services-${version}.jar`]: bytesFor(`services-${version}`, Math.floor(size / 2)),
    'shared.jar': bytesFor('shared', Math.floor(size / 2)),
    'ext/deep/folder/kept.jar': bytesFor('kept', 20_000),
  };
  for (let i = 0; i < 4; i += 1) files[`lib-${i}.jar`] = bytesFor(`lib-${i}-${version}`, size);
  if (version === OLD) files['only-in-old.jar'] = bytesFor('old-only', 40_000);
  if (version !== OLD) {
    files['sql/1.1.0/initial_db_scripts.sql'] = "CREATE TABLE t11 (a TEXT);\nINSERT INTO t11 VALUES ('1.1.0; with a semicolon');\n";
    files['sql/1.1.0/rollback_scripts.sql'] = 'DROP TABLE IF EXISTS t11;\n';
  }
  if (version === NEW) {
    files['sql/1.2.0/initial_db_scripts.sql'] = "CREATE TABLE t12 (a TEXT);\nUPDATE registration SET status = 'MIGRATED';\n";
    files[`feature-${version}.jar`] = bytesFor(`feature-${version}`, size);
  }
  return files;
}

/** Published releases and a pristine station to copy. */
export interface World {
  dir: string;
  /** The server root (`<root>/registration-client/…`). */
  root: string;
  /** A station at 1.0.0 with its database, never run: copied for every fresh station. */
  pristine: string;
  /** name → hash of each release's manifest. */
  hashes: Record<string, Map<string, string>>;
  /** Exact MANIFEST.MF bytes of each release. */
  manifests: Record<string, Buffer>;
}

/** Publishes 1.0.0, 1.1.0 and 1.2.0 (jars of `size` bytes) and installs a pristine 1.0.0 station. */
export async function buildWorld(options: { size?: number; dir?: string } = {}): Promise<World> {
  const dir = options.dir ?? (await tempDir('rcu-rel-'));
  const root = path.join(dir, 'server');
  const size = options.size ?? 128 * 1024;
  for (const version of [OLD, '1.1.0', NEW]) await publish(root, version, releaseFiles(version, size));
  const pristine = path.join(dir, 'pristine');
  await installStation(root, OLD, pristine);
  createClientDb(pristine, OLD, REGISTRATIONS);
  const hashes: Record<string, Map<string, string>> = {};
  const manifests: Record<string, Buffer> = {};
  for (const version of [OLD, '1.1.0', NEW]) {
    manifests[version] = await fs.readFile(path.join(root, 'registration-client', version, 'MANIFEST.MF'));
    hashes[version] = new Map(parseManifest(manifests[version]).entries.map((e) => [e.name, e.hash]));
  }
  return { dir, root, pristine, hashes, manifests };
}

/** A fresh copy of the pristine station at `client` (anything there is replaced). */
export async function freshStation(world: World, client: string): Promise<string> {
  await fs.rm(client, { recursive: true, force: true });
  await fs.cp(world.pristine, client, { recursive: true });
  return client;
}

/** The CLI arguments of a station command against `serverUrl` (…/registration-client/). */
export function stationArgs(command: string, client: string, serverUrl: string, extra: string[] = []): string[] {
  return [command, '--client-dir', client, '--server-url', serverUrl, '--json', '--yes', ...extra];
}
