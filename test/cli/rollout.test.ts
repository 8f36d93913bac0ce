// `rollout set|pause|resume|status` and `publish --rollout-percent`, through the built CLI.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isValidSignature } from '../../src/services/manifest-signature.js';
import { releaseTree } from '../helpers/release-lib.js';
import { runCli, tempDir, writeTree } from '../helpers/station.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
let root: string;
let work: string;
let keyFile: string;

const doc = () => path.join(root, 'registration-client', 'rollout.json');
const readDoc = async () => JSON.parse(await fs.readFile(doc(), 'utf8')) as Record<string, unknown>;

beforeEach(async () => {
  root = await tempDir('rcu-rollout-cli-');
  work = await tempDir('rcu-rollout-work-');
  keyFile = path.join(work, 'release-private.pem');
  await fs.writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeTree(path.join(work, 'lib'), releaseTree('1.2.0.2', ['1.2.0.2'], { 'a.jar': 'a' }));
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
  await fs.rm(work, { recursive: true, force: true });
});

describe('rollout commands', () => {
  it('publish --rollout-percent, set, pause, resume and status, signed', async () => {
    const published = await runCli(['publish', '1.2.0.2', path.join(work, 'lib'), '--out', root, '--rollout-percent', '10', '--sign-key', keyFile, '--json']);
    expect(published.code).toBe(0);
    expect(published.json?.['rollout']).toMatchObject({ version: '1.2.0.2', percent: 10, serial: 1 });

    const set = await runCli(['rollout', 'set', root, '1.2.0.2', '--percent', '50', '--channel-share', 'pilot=100', '--sign-key', keyFile]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('50 % (pilot: 100 %)');
    expect(await readDoc()).toEqual({ version: '1.2.0.2', percent: 50, paused: false, channels: { pilot: 100 }, serial: 2 });
    expect(isValidSignature(await fs.readFile(doc()), await fs.readFile(`${doc()}.sig`), publicKey)).toBe(true);

    // An unsigned widening of a signed rollout is refused; an unsigned pause is not.
    const unsigned = await runCli(['rollout', 'set', root, '1.2.0.2', '--percent', '100', '--json']);
    expect(unsigned.code).toBe(64);
    expect((unsigned.json?.['error'] as { code: string }).code).toBe('CONFIG_INVALID');
    const pause = await runCli(['rollout', 'pause', root, '--reason', 'DB script fails']);
    expect(pause.code).toBe(0);
    expect(await readDoc()).toMatchObject({ paused: true, reason: 'DB script fails', percent: 50, serial: 3 });
    expect(existsSync(`${doc()}.sig`)).toBe(false);

    const resume = await runCli(['rollout', 'resume', root, '--sign-key', keyFile]);
    expect(resume.code).toBe(0);
    const resumed = await readDoc();
    expect(resumed).toMatchObject({ paused: false, serial: 4 });
    expect(resumed['reason']).toBeUndefined();

    const status = await runCli(['rollout', 'status', root, '--json']);
    expect(status.json).toMatchObject({ rollout: { version: '1.2.0.2', percent: 50, serial: 4 }, signed: true });
  });

  it('refuses bad input with the usage code and touches nothing', async () => {
    expect((await runCli(['publish', '1.2.0.2', path.join(work, 'lib'), '--out', root])).code).toBe(0);
    for (const args of [
      ['rollout', 'set', root, '1.2.0.2', '--percent', '101'],
      ['rollout', 'set', root, '1.2.0.2', '--percent', 'ten'],
      ['rollout', 'set', root, '1.2.0.2', '--percent', '10', '--channel-share', 'pilot'],
      ['rollout', 'set', root, '9.9.9', '--percent', '10'],
      ['rollout', 'pause', root],
      ['rollout', 'set', root],
    ]) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(64);
    }
    expect(existsSync(doc())).toBe(false);
    expect((await runCli(['rollout', 'status', root])).stdout).toContain('every announced version is offered to every station');
  });

  it('stops on a malformed rollout.json with ROLLOUT_MALFORMED (65), naming the file', async () => {
    expect((await runCli(['publish', '1.2.0.2', path.join(work, 'lib'), '--out', root])).code).toBe(0);
    await fs.writeFile(doc(), '{"version": "1.2.0.2", "percent": "lots", "serial": 1}');
    const run = await runCli(['rollout', 'set', root, '1.2.0.2', '--percent', '20', '--json']);
    expect(run.code).toBe(65);
    expect(run.json?.['error']).toMatchObject({ code: 'ROLLOUT_MALFORMED' });
    expect(JSON.stringify(run.json)).toContain('rollout.json');
  });
});
