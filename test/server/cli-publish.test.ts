import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMavenMetadata } from '../../src/formats/maven-metadata.js';
import { runBuiltCli } from './cli-run.js';
import { mappingsProperties, sha256sum, TRICKY_NAMES, writeLib } from './release-fixture.js';

describe('reg-client-upgrader publish (built CLI)', () => {
  let base: string;
  let libDir: string;
  let outRoot: string;

  beforeEach(async () => {
    base = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-publish-'));
    libDir = path.join(base, 'lib');
    outRoot = path.join(base, 'out');
    await writeLib(libDir, TRICKY_NAMES, 'v1');
    // The release checks want mappings listing every version these tests publish.
    await fs.writeFile(path.join(libDir, 'spring.properties'), mappingsProperties(['1.1.5.5', '1.2.0', '1.2.0.1'], '1.2.0'));
  });

  afterEach(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  it('publishes and prints one JSON object with --json', async () => {
    const run = await runBuiltCli(['publish', '1.2.0.1', libDir, '--out', outRoot, '--json']);
    expect(run.code).toBe(0);
    const releaseDir = path.join(outRoot, 'registration-client', '1.2.0.1');
    const sizes = await Promise.all([...TRICKY_NAMES, 'spring.properties'].map(async (name) => (await fs.stat(path.join(libDir, name))).size));
    expect(JSON.parse(run.stdout)).toEqual({
      schemaVersion: 1,
      command: 'publish',
      version: '1.2.0.1',
      releaseDir,
      files: TRICKY_NAMES.length + 1,
      bytes: sizes.reduce((a, b) => a + b, 0),
      manifest: path.join(releaseDir, 'MANIFEST.MF'),
      zip: path.join(releaseDir, 'reg-client.zip'),
      latest: '1.2.0.1',
    });
    const jar = path.join(releaseDir, 'lib', 'registration-client-1.2.0.jar');
    expect(await fs.readFile(path.join(releaseDir, 'MANIFEST.MF'), 'latin1')).toContain(sha256sum(jar).slice(0, 40));
  });

  it('prints a summary and keeps older versions listed after the new one', async () => {
    expect((await runBuiltCli(['publish', '1.1.5.5', libDir, '--out', outRoot])).code).toBe(0);
    const run = await runBuiltCli(['publish', '1.2.0', path.relative(process.cwd(), libDir), '--out', outRoot]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^published 1\.2\.0: 8 files/);
    const metadata = parseMavenMetadata(await fs.readFile(path.join(outRoot, 'registration-client', 'maven-metadata.xml'), 'utf8'));
    expect(metadata.versions).toEqual(['1.2.0', '1.1.5.5']);
  });

  it('exits 64 with INVALID_VERSION for 1.2/../x and writes nothing', async () => {
    const run = await runBuiltCli(['publish', '1.2/../x', libDir, '--out', outRoot, '--json']);
    expect(run.code).toBe(64);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'INVALID_VERSION' } });
    await expect(fs.stat(outRoot)).rejects.toThrow(/ENOENT/);
    await expect(fs.stat(path.join(base, 'x'))).rejects.toThrow(/ENOENT/);
  });

  it('exits 64 for an unreadable --sign-key, a missing --out and a missing libDir', async () => {
    const signed = await runBuiltCli(['publish', '1.2.0', libDir, '--out', outRoot, '--sign-key', path.join(base, 'no-key.pem')]);
    expect(signed.code).toBe(64);
    expect(signed.stderr).toMatch(/CONFIG_INVALID/);
    expect((await runBuiltCli(['publish', '1.2.0', libDir])).code).toBe(64);
    expect((await runBuiltCli(['publish', '1.2.0', path.join(base, 'none'), '--out', outRoot])).code).toBe(64);
    await expect(fs.stat(outRoot)).rejects.toThrow(/ENOENT/);
  });
});
