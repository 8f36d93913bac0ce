// publish refuses a release that would break every station that takes it (RELEASE_REFUSED, exit
// 65), one problem per line, nothing made live; `publish --check` runs the same checks and writes nothing.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPublish, publishRelease } from '../../src/server/publish.js';
import { runBuiltCli } from './cli-run.js';
import { listTree, mappingsProperties } from './release-fixture.js';

const MAPPINGS = ['1.2.0.1', '1.3.0.0'];

/** A release that passes every check; each test breaks one thing. */
function goodRelease(version: string): Record<string, string> {
  return {
    [`registration-client-${version}.jar`]: `client ${version}`,
    [`registration-services-${version}.jar`]: `services ${version}`,
    'spring.properties': mappingsProperties(MAPPINGS),
    'mosip-application.properties': 'mosip.reg.rollback.path=BackUp\n',
    'sql/1.3.0.0/initial_db_scripts.sql': "ALTER TABLE reg ADD COLUMN note VARCHAR(20) DEFAULT 'a;b';\n",
    'sql/1.3.0.0/rollback_scripts.sql': 'ALTER TABLE reg DROP COLUMN note;\n',
  };
}

describe('publish refuses a release that would break stations', () => {
  let base: string;
  let outRoot: string;
  const lib = async (version: string, change: Record<string, string | null> = {}): Promise<string> => {
    const dir = await fs.mkdtemp(path.join(base, 'lib-'));
    const files: Record<string, string | null> = { ...goodRelease(version), ...change };
    for (const [name, content] of Object.entries(files)) {
      if (content === null) continue;
      await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), content);
    }
    return dir;
  };
  const published = (): Promise<string[]> => listTree(outRoot).catch(() => []);

  beforeEach(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'publish-refuse-'));
    outRoot = path.join(base, 'out');
  });
  afterEach(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('publishes a good release, checked by default', async () => {
    const result = await publishRelease({ version: '1.3.0.0', libDir: await lib('1.3.0.0'), outRoot });
    expect(result.latest).toBe('1.3.0.0');
  });

  it.each([
    ['mappings that are not JSON', { 'spring.properties': 'mosip.registration.verion.upgrade.version-mappings={1.3.0.0: broken\n' }, 'mappings'],
    ['mappings that do not list the version', { 'spring.properties': mappingsProperties(['1.2.0.1']) }, 'mappings'],
    ['no mappings at all', { 'spring.properties': null }, 'mappings'],
    ['a mapped sql/<dbVersion>/ missing', { 'sql/1.3.0.0/initial_db_scripts.sql': null, 'sql/1.3.0.0/rollback_scripts.sql': null }, 'sql'],
    ['a script that does not tokenize', { 'sql/1.3.0.0/initial_db_scripts.sql': "UPDATE reg SET a = 'unterminated;\n" }, 'sql'],
    ['a core jar missing', { 'registration-services-1.3.0.0.jar': null }, 'core-jar'],
    ['an invalid setting', { 'mosip-application.properties': 'reg.upgrader.download.concurrency=lots\n' }, 'properties'],
  ])('refuses %s: RELEASE_REFUSED, nothing written', async (_what, change, check) => {
    const error: unknown = await publishRelease({ version: '1.3.0.0', libDir: await lib('1.3.0.0', change), outRoot }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RELEASE_REFUSED', exitCode: 65, problems: [expect.objectContaining({ check })] });
    expect(await published()).toEqual([]);
  });

  it('lists every problem at once, one line each', async () => {
    const libDir = await lib('1.3.0.0', { 'spring.properties': 'x=1\n', 'registration-client-1.3.0.0.jar': null });
    const problems = await checkPublish({ version: '1.3.0.0', libDir, outRoot });
    expect(problems.map((p) => p.check).sort()).toEqual(['core-jar', 'mappings']);
  });

  it('refuses a version older than the latest unless --allow-downgrade; a hotfix of a listed version is fine', async () => {
    await publishRelease({ version: '1.3.0.0', libDir: await lib('1.3.0.0'), outRoot });
    const older = await lib('1.2.0.1', { 'sql/1.2.0.1/initial_db_scripts.sql': 'SELECT 1;\n' });
    await expect(publishRelease({ version: '1.2.0.1', libDir: older, outRoot })).rejects.toMatchObject({ problems: [expect.objectContaining({ check: 'downgrade' })] });
    const result = await publishRelease({ version: '1.2.0.1', libDir: older, outRoot, allowDowngrade: true });
    expect(result.latest).toBe('1.2.0.1');
    await expect(publishRelease({ version: '1.3.0.0', libDir: await lib('1.3.0.0'), outRoot })).resolves.toMatchObject({ latest: '1.2.0.1' });
  });

  it('refuses a signing key that does not match the key stations trust, and an unsigned release they would refuse', async () => {
    const pair = (): { privateKey: string; publicKey: string } =>
      generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const trusted = pair();
    const other = pair();
    const file = async (name: string, text: string): Promise<string> => {
      await fs.writeFile(path.join(base, name), text);
      return path.join(base, name);
    };
    const publicKeyPath = await file('provider.pem', trusted.publicKey);
    const libDir = await lib('1.3.0.0');
    const wrong = await checkPublish({ version: '1.3.0.0', libDir, outRoot, publicKeyPath, signKeyPath: await file('other.pem', other.privateKey) });
    expect(wrong).toEqual([expect.objectContaining({ check: 'signing-key', where: '--public-key' })]);
    expect(await checkPublish({ version: '1.3.0.0', libDir, outRoot, publicKeyPath })).toEqual([expect.objectContaining({ check: 'signing-key' })]);
    const right = await file('trusted.pem', trusted.privateKey);
    expect(await checkPublish({ version: '1.3.0.0', libDir, outRoot, publicKeyPath, signKeyPath: right })).toEqual([]);
    // The release's own properties name the key every station will trust.
    const shipsKey = await lib('1.3.0.0', { 'provider.pem': trusted.publicKey, 'mosip-application.properties': 'mosip.reg.upgrade.public-key=lib/provider.pem\n' });
    expect(await checkPublish({ version: '1.3.0.0', libDir: shipsKey, outRoot, signKeyPath: await file('other2.pem', other.privateKey) })).toEqual([
      expect.objectContaining({ check: 'signing-key' }),
    ]);
    expect(await checkPublish({ version: '1.3.0.0', libDir: shipsKey, outRoot, signKeyPath: right })).toEqual([]);
  });

  it('CLI: exit 65 with one line per problem and nothing made live; --check writes nothing; --json lists the problems', async () => {
    await publishRelease({ version: '1.2.0.1', libDir: await lib('1.2.0.1', { 'sql/1.2.0.1/initial_db_scripts.sql': 'SELECT 1;\n' }), outRoot });
    const metadata = path.join(outRoot, 'registration-client', 'maven-metadata.xml');
    const before = await fs.readFile(metadata, 'utf8');
    const bad = await lib('1.3.0.0', { 'spring.properties': 'mosip.registration.verion.upgrade.version-mappings=not json\n', 'registration-client-1.3.0.0.jar': null });

    const run = await runBuiltCli(['publish', '1.3.0.0', bad, '--out', outRoot]);
    expect(run.code).toBe(65);
    expect(run.stderr).toMatch(/RELEASE_REFUSED/);
    expect(run.stderr).toMatch(/^ {2}- .*spring\.properties.*not JSON/m);
    expect(run.stderr).toMatch(/^ {2}- .*registration-client-<version>\.jar is missing/m);
    expect(await fs.readFile(metadata, 'utf8')).toBe(before);
    await expect(fs.stat(path.join(outRoot, 'registration-client', '1.3.0.0'))).rejects.toThrow(/ENOENT/);

    const json = await runBuiltCli(['publish', '1.3.0.0', bad, '--out', outRoot, '--json']);
    expect(json.code).toBe(65);
    const parsed = JSON.parse(json.stdout) as { error: { code: string; problems: Array<{ check: string }> } };
    expect(parsed.error.code).toBe('RELEASE_REFUSED');
    expect(parsed.error.problems.map((p) => p.check).sort()).toEqual(['core-jar', 'mappings']);

    const checked = await runBuiltCli(['publish', '1.3.0.0', bad, '--out', outRoot, '--check']);
    expect(checked.code).toBe(65);
    const tree = await published();
    const ok = await runBuiltCli(['publish', '1.3.0.0', await lib('1.3.0.0'), '--out', outRoot, '--check']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/every release check passed/);
    expect(await published()).toEqual(tree);
    expect(await fs.readFile(metadata, 'utf8')).toBe(before);
  });
});
