import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseManifest } from '../../src/formats/manifest.js';
import { parseMavenMetadata } from '../../src/formats/maven-metadata.js';
import { publishRelease } from '../../src/server/publish.js';
import { listTree, readZip, sha256sum, TRICKY_NAMES, writeLib } from './release-fixture.js';

const JAVA_READER = fileURLToPath(new URL('../fixtures/java/ReadPublishedManifest.java', import.meta.url));
const javaAvailable = spawnSync('java', ['-version']).status === 0;

describe('publishRelease', () => {
  let base: string;
  let libDir: string;
  let outRoot: string;
  const server = (...parts: string[]): string => path.join(outRoot, 'registration-client', ...parts);

  beforeEach(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'publish-test-'));
    libDir = path.join(base, 'lib');
    outRoot = path.join(base, 'out');
    await writeLib(libDir, TRICKY_NAMES, 'v1');
  });

  afterEach(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('lays out lib/, MANIFEST.MF, reg-client.zip and maven-metadata.xml', async () => {
    const result = await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot, now: new Date('2024-05-01T10:20:30Z') });
    expect(result.releaseDir).toBe(server('1.2.0'));
    expect(result.files.map((file) => file.name).sort()).toEqual([...TRICKY_NAMES].sort());
    expect(await listTree(server())).toEqual(
      [
        '1.2.0',
        '1.2.0/MANIFEST.MF',
        '1.2.0/lib',
        '1.2.0/reg-client.zip',
        ...TRICKY_NAMES.map((name) => `1.2.0/lib/${name}`),
        '1.2.0/lib/sql',
        '1.2.0/lib/sql/1.2.0',
        '1.2.0/lib/with space',
        'maven-metadata.xml',
      ].sort(),
    );
    for (const name of TRICKY_NAMES) {
      expect(await fs.readFile(server('1.2.0', 'lib', ...name.split('/')))).toEqual(
        await fs.readFile(path.join(libDir, ...name.split('/'))),
      );
    }
    const metadata = parseMavenMetadata(await fs.readFile(server('maven-metadata.xml'), 'utf8'));
    expect(metadata).toEqual({
      groupId: 'io.mosip.registration',
      artifactId: 'registration-client',
      versions: ['1.2.0'],
      latest: '1.2.0',
      lastUpdated: '20240501102030',
    });
  });

  it('writes a manifest whose every hash is the sha256sum of the published file', async () => {
    const result = await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot });
    const manifest = parseManifest(await fs.readFile(result.manifestPath), result.manifestPath);
    expect(manifest.version).toBe('1.2.0');
    expect(manifest.entries.map((entry) => entry.name).sort()).toEqual([...TRICKY_NAMES].sort());
    for (const entry of manifest.entries) {
      expect(entry.hash, entry.name).toBe(sha256sum(server('1.2.0', 'lib', ...entry.name.split('/'))));
    }
    expect(result.files).toEqual(
      await Promise.all(
        manifest.entries.map(async (entry) => ({
          name: entry.name,
          hash: entry.hash,
          size: (await fs.stat(server('1.2.0', 'lib', ...entry.name.split('/')))).size,
        })),
      ),
    );
  });

  it.skipIf(!javaAvailable)('writes a manifest java.util.jar.Manifest reads with the same names and hashes', async () => {
    const result = await publishRelease({ unchecked: true, version: '1.2.0.1', libDir, outRoot });
    const output = execFileSync('java', [JAVA_READER, result.manifestPath], { encoding: 'utf8' });
    const [versionLine, ...entryLines] = output.trimEnd().split('\n');
    expect(versionLine).toBe('version\t1.2.0.1');
    const seen = new Map(entryLines.map((line) => line.split('\t').slice(1) as [string, string]));
    expect([...seen.keys()].sort()).toEqual([...TRICKY_NAMES].sort());
    for (const name of TRICKY_NAMES) {
      expect(seen.get(name), name).toBe(sha256sum(server('1.2.0.1', 'lib', ...name.split('/'))));
    }
  });

  it('zips MANIFEST.MF at the root and every file under lib/', async () => {
    const result = await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot });
    const entries = await readZip(result.zipPath);
    expect([...entries.keys()].sort()).toEqual(['MANIFEST.MF', ...TRICKY_NAMES.map((name) => `lib/${name}`)].sort());
    expect(entries.get('MANIFEST.MF')).toEqual(await fs.readFile(result.manifestPath));
    for (const name of TRICKY_NAMES) {
      expect(entries.get(`lib/${name}`)).toEqual(await fs.readFile(path.join(libDir, ...name.split('/'))));
    }
  });

  it('makes the same zip bytes for the same release', async () => {
    const first = await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot });
    const bytes = await fs.readFile(first.zipPath);
    await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot });
    expect((await fs.readFile(first.zipPath)).equals(bytes)).toBe(true);
  });

  it('puts a new version first and keeps the older ones after it', async () => {
    await publishRelease({ unchecked: true, version: '1.1.5.5', libDir, outRoot });
    await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot });
    const result = await publishRelease({ unchecked: true, version: '1.2.0.1', libDir, outRoot });
    expect(result.latest).toBe('1.2.0.1');
    const metadata = parseMavenMetadata(await fs.readFile(server('maven-metadata.xml'), 'utf8'));
    expect(metadata.versions).toEqual(['1.2.0.1', '1.2.0', '1.1.5.5']);
    expect(await fs.readdir(server('1.1.5.5'))).toContain('MANIFEST.MF');
  });

  it('re-publishes a version in place: old files gone, new hashes, nothing left beside it', async () => {
    await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot });
    await publishRelease({ unchecked: true, version: '1.3.0', libDir, outRoot });
    const oldJar = server('1.2.0', 'lib', 'registration-client-1.2.0.jar');
    const oldHash = sha256sum(oldJar);
    await fs.rm(path.join(libDir, 'registration-services-1.2.0.jar'));
    await writeLib(libDir, ['registration-client-1.2.0.jar'], 'v2'); // same size, new bytes
    const result = await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot });

    await expect(fs.stat(server('1.2.0', 'lib', 'registration-services-1.2.0.jar'))).rejects.toThrow(/ENOENT/);
    const manifest = parseManifest(await fs.readFile(result.manifestPath));
    const hash = manifest.entries.find((entry) => entry.name === 'registration-client-1.2.0.jar')?.hash;
    expect(hash).toBe(sha256sum(oldJar));
    expect(hash).not.toBe(oldHash);
    expect(manifest.entries.map((entry) => entry.name)).not.toContain('registration-services-1.2.0.jar');
    expect((await readZip(result.zipPath)).has('lib/registration-services-1.2.0.jar')).toBe(false);
    expect((await fs.readdir(server())).sort()).toEqual(['1.2.0', '1.3.0', 'maven-metadata.xml']);
    // a hotfix of an older release does not hide the newer one
    expect(result.latest).toBe('1.3.0');
    expect(parseMavenMetadata(await fs.readFile(server('maven-metadata.xml'), 'utf8')).versions).toEqual(['1.3.0', '1.2.0']);
  });

  it('cleans up work folders a killed publish left behind', async () => {
    await fs.mkdir(server('.1.2.0.tmp-99999', 'lib'), { recursive: true });
    await fs.mkdir(server('.1.2.0.old-99999'), { recursive: true });
    await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot });
    expect((await fs.readdir(server())).sort()).toEqual(['1.2.0', 'maven-metadata.xml']);
  });

  it.each(['1.2/../x', '../1.2', '1.2 beta', '', '.1', '1.2/'])('refuses version %j before writing anything', async (version) => {
    await expect(publishRelease({ unchecked: true, version, libDir, outRoot })).rejects.toMatchObject({ code: 'INVALID_VERSION' });
    await expect(fs.stat(outRoot)).rejects.toThrow(/ENOENT/);
  });

  it('refuses an unreadable --sign-key before writing anything (signing itself: test/trust)', async () => {
    const error: unknown = await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot, signKeyPath: path.join(base, 'no-key.pem') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 64 });
    await expect(fs.stat(outRoot)).rejects.toThrow(/ENOENT/);
  });

  it.each([
    ['a symlink out of libDir', async (): Promise<void> => fs.symlink(path.join(base, 'outside.jar'), path.join(libDir, 'x.jar'))],
    ['a dotfile', async (): Promise<void> => fs.writeFile(path.join(libDir, '.DS_Store'), 'x')],
    ['names differing only in case', async (): Promise<void> => fs.writeFile(path.join(libDir, 'Registration-Client-1.2.0.jar'), 'x')],
    ['a name with a colon', async (): Promise<void> => fs.writeFile(path.join(libDir, 'a:b.jar'), 'x')],
  ])('refuses %s with ConfigError before writing anything', async (_what, arrange) => {
    await fs.writeFile(path.join(base, 'outside.jar'), 'secret');
    await arrange();
    await expect(publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot })).rejects.toMatchObject({ code: 'CONFIG_INVALID', exitCode: 64 });
    await expect(fs.stat(outRoot)).rejects.toThrow(/ENOENT/);
  });

  it('follows a symlink that stays inside libDir, publishing a copy', async () => {
    await fs.symlink('registration-client-1.2.0.jar', path.join(libDir, 'alias.jar'));
    const result = await publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot });
    const alias = server('1.2.0', 'lib', 'alias.jar');
    expect((await fs.lstat(alias)).isFile()).toBe(true);
    expect(result.files.find((file) => file.name === 'alias.jar')?.hash).toBe(sha256sum(alias));
  });

  it('refuses an empty libDir, a missing one, and --out inside libDir', async () => {
    await fs.mkdir(path.join(base, 'empty'));
    await expect(publishRelease({ unchecked: true, version: '1', libDir: path.join(base, 'empty'), outRoot })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(publishRelease({ unchecked: true, version: '1', libDir: path.join(base, 'none'), outRoot })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(publishRelease({ unchecked: true, version: '1', libDir, outRoot: path.join(libDir, 'out') })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(fs.stat(outRoot)).rejects.toThrow(/ENOENT/);
  });

  it('refuses to touch a release root whose maven-metadata.xml is corrupt', async () => {
    await fs.mkdir(server(), { recursive: true });
    await fs.writeFile(server('maven-metadata.xml'), '<metadata><versioning>');
    await expect(publishRelease({ unchecked: true, version: '1.2.0', libDir, outRoot })).rejects.toMatchObject({ code: 'METADATA_MALFORMED' });
    expect(await fs.readdir(server())).toEqual(['maven-metadata.xml']);
  });
});
