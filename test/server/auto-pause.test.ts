// The automatic pause on real files: a signed rollout, the fleet's reports, the rule — and what a
// station that requires signatures then decides.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideRollout } from '../../src/rollout/decide-rollout.js';
import { parsePauseRule } from '../../src/rollout/pause-rule.js';
import { rolloutBucket } from '../../src/rollout/rollout-bucket.js';
import { tallyRollouts, type RolloutReport } from '../../src/rollout/tally-rollout.js';
import { applyAutoPause } from '../../src/server/auto-pause.js';
import { readRolloutFile, rolloutPaths, updateRolloutFile } from '../../src/server/rollout-file.js';
import { isValidSignature } from '../../src/services/manifest-signature.js';
import { tempDir } from '../helpers/station.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rule = parsePauseRule('failures>=5 || rate>=20%');
let root: string;

beforeEach(async () => {
  root = await tempDir('rcu-autopause-');
  await updateRolloutFile(root, () => ({ version: '1.2.0.2', percent: 10, paused: false, channels: {} }), { signKey: privateKey });
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const failed = (i: number): RolloutReport => ({ stationId: `s${i}`, targetVersion: '1.2.0.2', installedVersion: '1.2.0.1', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED' });
const succeeded = (i: number): RolloutReport => ({ stationId: `s${i}`, targetVersion: '1.2.0.2', installedVersion: '1.2.0.2', exitCode: 0, errorCode: null });

describe('tallyRollouts', () => {
  it('counts each station once per outcome; retries of a failing upgrade are one failure', () => {
    const reports = [failed(1), failed(1), failed(1), succeeded(2), { ...failed(3), exitCode: 31, errorCode: 'ROLLBACK_FAILED' }, { ...failed(4), exitCode: 30, errorCode: 'CRASH_LOOP' }];
    reports.push({ stationId: 's5', targetVersion: null, installedVersion: '1.2.0.1', exitCode: 0, errorCode: null });
    expect(tallyRollouts(reports).get('1.2.0.2')).toEqual({ attempted: 4, succeeded: 1, failed: 3 });
  });
});

describe('applyAutoPause', () => {
  it('leaves the rollout alone below the threshold', async () => {
    const outcome = await applyAutoPause(root, rule, tallyRollouts([failed(1), ...Array.from({ length: 20 }, (_, i) => succeeded(i + 10))]));
    expect(outcome).toMatchObject({ version: '1.2.0.2', pausedNow: false, paused: false, tally: { attempted: 21, failed: 1 } });
    expect((await readRolloutFile(root))?.document).toMatchObject({ paused: false, serial: 1 });
    expect(isValidSignature(await fs.readFile(rolloutPaths(root).document), await fs.readFile(rolloutPaths(root).signature), publicKey)).toBe(true);
  });

  it('pauses when the rule holds, says why, and stations that require signatures honour it', async () => {
    const reports = Array.from({ length: 5 }, (_, i) => failed(i));
    const outcome = await applyAutoPause(root, rule, tallyRollouts(reports));
    expect(outcome).toMatchObject({ pausedNow: true, paused: true });
    expect(outcome.reason).toContain('failures>=5 held for 1.2.0.2');
    const file = await readRolloutFile(root);
    expect(file).toMatchObject({ signed: false, document: { paused: true, percent: 10, serial: 2 } });
    expect(existsSync(rolloutPaths(root).signature)).toBe(false);

    const included = Array.from({ length: 200 }, (_, i) => `station-${i}`).find((id) => rolloutBucket(id, '1.2.0.2') < 10)!;
    const decision = decideRollout({
      announcedVersion: '1.2.0.2',
      stationId: included,
      received: { body: await fs.readFile(rolloutPaths(root).document), signature: null },
      verifySignature: (body, signature) => isValidSignature(body, signature, publicKey),
      highestSerial: 1,
      source: 'rollout.json',
    });
    expect(decision).toMatchObject({ offered: false, rollout: { verdict: 'paused', reason: outcome.reason } });

    // Already paused: a second evaluation writes nothing.
    expect(await applyAutoPause(root, rule, tallyRollouts(reports))).toMatchObject({ pausedNow: false, paused: true });
    expect((await readRolloutFile(root))?.document.serial).toBe(2);
  });

  it('does nothing without a rollout document', async () => {
    await fs.rm(rolloutPaths(root).document);
    expect(await applyAutoPause(root, rule, tallyRollouts([failed(1)]))).toMatchObject({ version: null, pausedNow: false });
    expect(existsSync(rolloutPaths(root).document)).toBe(false);
  });
});

describe('createRolloutMonitor', () => {
  it('counts reports as they arrive (a report seen twice changes nothing) and pauses when the rule holds', async () => {
    const { createRolloutMonitor } = await import('../../src/server/rollout-monitor.js');
    const { rolloutReportOf } = await import('../../src/rollout/tally-rollout.js');
    const monitor = createRolloutMonitor(root, parsePauseRule('failures>=5'));
    const event = (exitCode: number, phase: string | null) => ({ announcedVersion: '1.2.0.2', installedVersion: '1.2.0.1', exitCode, errorCode: exitCode === 30 ? 'DB_UPGRADE_FAILED' : null, phase });
    await monitor.observe([rolloutReportOf('s0', event(0, null)), rolloutReportOf('s1', event(30, 'rollback'))]);
    await monitor.observe([rolloutReportOf('s1', event(30, 'rollback'))]);
    for (let i = 2; i <= 5; i += 1) await monitor.observe(Array.from({ length: 10 }, (_, j) => rolloutReportOf(`ok-${i}-${j}`, { ...event(0, 'done'), installedVersion: '1.2.0.2' })));
    expect(await monitor.view()).toMatchObject({ paused: false, tally: { attempted: 41, failed: 1, succeeded: 40 }, rule: 'failures>=5' });
    await monitor.observe(['f2', 'f3', 'f4', 'f5'].map((id) => rolloutReportOf(id, event(30, 'rollback'))));
    const view = await monitor.view();
    expect(view).toMatchObject({ paused: true, signed: false, tally: { attempted: 45, failed: 5 }, document: { paused: true, serial: 2 } });
    expect(view.reason).toContain('failures>=5 held for 1.2.0.2 (5 of 45');
  });

  it('a person who resumes a paused rollout starts its count afresh: the old failures do not pause it again', async () => {
    const { createRolloutMonitor } = await import('../../src/server/rollout-monitor.js');
    const { rolloutReportOf } = await import('../../src/rollout/tally-rollout.js');
    const monitor = createRolloutMonitor(root, parsePauseRule('failures>=2'));
    const failure = { announcedVersion: '1.2.0.2', installedVersion: '1.2.0.1', exitCode: 30, errorCode: 'DB_UPGRADE_FAILED', phase: 'rollback' };
    expect(await monitor.observe(['f1', 'f2'].map((id) => rolloutReportOf(id, failure)))).toMatchObject({ pausedNow: true });
    // The release engineer publishes a hotfix and resumes.
    await updateRolloutFile(root, (latest) => ({ ...latest!.document, paused: false, reason: '' }));
    expect(await monitor.observe([rolloutReportOf('f3', failure)])).toMatchObject({ pausedNow: false });
    expect(await monitor.view()).toMatchObject({ paused: false, tally: { attempted: 1, failed: 1 } });
    expect((await readRolloutFile(root))?.document.paused).toBe(false);
    // New evidence pauses it again.
    expect(await monitor.observe([rolloutReportOf('f1', failure)])).toMatchObject({ pausedNow: true });
    expect((await readRolloutFile(root))?.document).toMatchObject({ paused: true });
  });
});
