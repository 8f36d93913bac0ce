// The staged rollout in the machine (DESIGN §13), with fake services: a station the rollout does
// not include is not offered the version; a supervisor may take it; an upgrade under way finishes.
import { describe, expect, it } from 'vitest';
import { createActor, waitFor, type SnapshotFrom } from 'xstate';
import { describeResult } from '../../src/machines/run-result.js';
import { isResting, stationMachine, type LaunchParams } from '../../src/machines/station-machine.js';
import { createStationActors, type CheckUpgradeOutput, type StationServices } from '../../src/machines/station-services.js';
import type { RolloutStatus } from '../../src/rollout/decide-rollout.js';

type Snapshot = SnapshotFrom<typeof stationMachine>;

const notIncluded: RolloutStatus = { version: '1.3.0', percent: 10, paused: false, included: false, verdict: 'not-included', serial: 7 };
const paused: RolloutStatus = { ...notIncluded, paused: true, verdict: 'paused', reason: 'failures>=5' };
const included: RolloutStatus = { ...notIncluded, included: true, verdict: 'included' };

function fakes(check: CheckUpgradeOutput, calls: string[] = []): StationServices {
  const record = <T>(name: string, value: T) => (calls.push(name), Promise.resolve(value));
  return {
    probeServer: () => Promise.resolve({ online: true }),
    syncManifest: () => Promise.resolve({ serverVersion: '1.2.0', replacedLocal: false, fileCount: 3 }),
    verifyFiles: () => Promise.resolve({ version: '1.2.0', fileCount: 3, totalBytes: 3, missing: [], mismatched: [], unknown: [] }),
    patchFiles: () => Promise.resolve({ patched: [], removed: [], bytesFetched: 0 }),
    checkUpgrade: () => record('checkUpgrade', check),
    backupStation: () => record('backupStation', { backupDir: '/b/1.2.0_x', bytes: 1 }),
    stageRelease: () => record('stageRelease', { fileCount: 3, changed: 1, bytesFetched: 7 }),
    applyStaged: () => record('applyStaged', { replaced: ['a.jar'], added: [], deleted: [] }),
    upgradeDatabase: () => record('upgradeDatabase', { applied: ['1.3.0'], dbVersion: '1.3.0' }),
    rollbackStation: (input) => Promise.resolve({ installedVersion: input.fromVersion, restored: [] }),
    finishUpgrade: () => Promise.resolve({ removedBackups: [] }),
  };
}

const params = (command: LaunchParams['command'], change: Partial<LaunchParams> = {}): LaunchParams => ({
  command,
  runId: `run-${command}`,
  installedVersion: '1.2.0',
  offline: false,
  allowDowngrade: false,
  ...change,
});

async function launch(services: StationServices, p: LaunchParams, from?: Snapshot) {
  const actor = createActor(stationMachine.provide({ actors: createStationActors(services) }), {
    input: p,
    ...(from === undefined ? {} : { snapshot: JSON.parse(JSON.stringify(from)) as Snapshot }),
  });
  actor.start();
  if (from !== undefined) actor.send({ type: 'LAUNCH', params: p });
  const final = await waitFor(actor, (s) => isResting(s));
  const persisted = actor.getPersistedSnapshot() as Snapshot;
  actor.stop();
  return { final, persisted, result: describeResult(p.command, String(final.value), final.context) };
}

describe('station machine: staged rollout', () => {
  it('start: a station outside the rollout is ready, upgradeAvailable false, and reports the rollout', async () => {
    const run = await launch(fakes({ latestVersion: '1.3.0', comparison: 1, rollout: notIncluded }), params('start'));
    expect(run.result).toMatchObject({ state: 'ready', exitCode: 0, upgradeAvailable: false, latestVersion: '1.3.0', rollout: notIncluded });
  });

  it('start: an included station is offered the version as before', async () => {
    const run = await launch(fakes({ latestVersion: '1.3.0', comparison: 1, rollout: included }), params('start'));
    expect(run.result).toMatchObject({ state: 'upgradeAvailable', upgradeAvailable: true, rollout: { included: true } });
  });

  it('upgrade outside the rollout or while paused: exit 64 naming the rollout, nothing backed up', async () => {
    for (const rollout of [notIncluded, paused]) {
      const calls: string[] = [];
      const run = await launch(fakes({ latestVersion: '1.3.0', comparison: 1, rollout }, calls), params('upgrade'));
      expect(run.result).toMatchObject({ state: 'failed', exitCode: 64, error: { code: 'NO_UPGRADE_ANNOUNCED' } });
      expect(run.result.error?.message).toContain('--ignore-rollout');
      expect(calls).toEqual(['checkUpgrade']);
    }
  });

  it('upgrade --ignore-rollout takes the version and says so in the result', async () => {
    const run = await launch(fakes({ latestVersion: '1.3.0', comparison: 1, rollout: paused }), params('upgrade', { ignoreRollout: true }));
    expect(run.result).toMatchObject({ state: 'staged', exitCode: 10, rolloutIgnored: true });
  });

  it('an upgrade staged before the pause finishes: the next start applies it without asking the rollout', async () => {
    const staged = await launch(fakes({ latestVersion: '1.3.0', comparison: 1, rollout: included }), params('upgrade'));
    expect(staged.result.state).toBe('staged');
    const calls: string[] = [];
    const next = await launch(fakes({ latestVersion: '1.3.0', comparison: 1, rollout: paused }, calls), params('start'), staged.persisted);
    expect(next.result).toMatchObject({ state: 'done', exitCode: 0, installedVersion: '1.3.0' });
    expect(calls).not.toContain('checkUpgrade');
  });
});
