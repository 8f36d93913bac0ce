// The version-upgrade half of the machine with fake services: every path through backup,
// downloading, staged, restarting, dbUpgrade, done, rollback and failed.
import { describe, expect, it } from 'vitest';
import { createActor, waitFor, type SnapshotFrom } from 'xstate';
import { DatabaseError, NetworkError, UpgradeError } from '../../src/errors.js';
import { describeResult } from '../../src/machines/run-result.js';
import { isResting, stationMachine, type LaunchParams } from '../../src/machines/station-machine.js';
import { createStationActors, type StationServices } from '../../src/machines/station-services.js';
import { giveUpOn } from '../../src/runner/crash-loop.js';

type Snapshot = SnapshotFrom<typeof stationMachine>;

function fakes(overrides: Partial<StationServices> = {}): StationServices {
  return {
    probeServer: () => Promise.resolve({ online: true }),
    syncManifest: () => Promise.resolve({ serverVersion: '1.2.0', replacedLocal: false, fileCount: 3 }),
    verifyFiles: () =>
      Promise.resolve({ version: '1.2.0', fileCount: 3, totalBytes: 3, missing: [], mismatched: [], unknown: [] }),
    patchFiles: () => Promise.resolve({ patched: [], removed: [], bytesFetched: 0 }),
    checkUpgrade: () => Promise.resolve({ latestVersion: '1.3.0', comparison: 1 }),
    backupStation: () => Promise.resolve({ backupDir: '/b/1.2.0_x', bytes: 1 }),
    stageRelease: () => Promise.resolve({ fileCount: 3, changed: 1, bytesFetched: 7 }),
    applyStaged: () => Promise.resolve({ replaced: ['a.jar'], added: ['new.jar'], deleted: ['old.jar'] }),
    upgradeDatabase: () => Promise.resolve({ applied: ['1.3.0'], dbVersion: '1.3.0' }),
    rollbackStation: (input) => Promise.resolve({ installedVersion: input.fromVersion, restored: [] }),
    finishUpgrade: () => Promise.resolve({ removedBackups: ['/b/1.2.0_x'] }),
    ...overrides,
  };
}

const params = (command: LaunchParams['command'], runId = 'run'): LaunchParams => ({
  command,
  runId,
  installedVersion: '1.2.0',
  offline: false,
  allowDowngrade: false,
});

/** Runs one launch: from a snapshot (sending LAUNCH) or fresh; returns states visited and the rest state. */
async function launch(services: StationServices, p: LaunchParams, from?: Snapshot) {
  const states: string[] = [];
  const actor = createActor(stationMachine.provide({ actors: createStationActors(services) }), {
    input: p,
    ...(from === undefined ? {} : { snapshot: JSON.parse(JSON.stringify(from)) as Snapshot }),
  });
  actor.subscribe((s) => {
    if (states.at(-1) !== String(s.value)) states.push(String(s.value));
  });
  actor.start();
  if (from !== undefined) actor.send({ type: 'LAUNCH', params: p });
  const final = await waitFor(actor, (s) => isResting(s));
  const persisted = actor.getPersistedSnapshot() as Snapshot;
  actor.stop();
  return { states, final, persisted, result: describeResult(p.command, String(final.value), final.context) };
}

describe('station machine: the version upgrade', () => {
  it('upgrade: checks, backs up, downloads and stages (exit 10); the next start applies, upgrades the DB, done', async () => {
    const first = await launch(fakes(), params('upgrade', 'cycle-1'));
    expect(first.states).toEqual(['probing', 'manifest', 'verify', 'checkingUpgrade', 'backup', 'downloading', 'staged']);
    expect(first.result).toMatchObject({ exitCode: 10, restartRequired: true, latestVersion: '1.3.0' });
    expect(first.final.context.upgrade).toMatchObject({ cycleId: 'cycle-1', fromVersion: '1.2.0', targetVersion: '1.3.0', backupDir: '/b/1.2.0_x' });

    const second = await launch(fakes(), params('start', 'run-2'), first.persisted);
    expect(second.states).toEqual(['staged', 'restarting', 'dbUpgrade', 'done']);
    expect(second.result).toMatchObject({ state: 'done', exitCode: 0, installedVersion: '1.3.0', patched: ['a.jar', 'new.jar'], removed: ['old.jar'] });
    expect(second.final.context.upgrade).toMatchObject({ finished: true, dbApplied: ['1.3.0'], cycleId: 'cycle-1' });

    const third = await launch(fakes({ checkUpgrade: () => Promise.resolve({ latestVersion: '1.3.0', comparison: 0 }) }), params('start', 'run-3'), second.persisted);
    expect(third.states).toEqual(['done', 'probing', 'manifest', 'verify', 'checkingUpgrade', 'ready']);
    expect(third.final.context.upgrade).toBeNull();
  });

  it('upgrade with the installed version announced: already up to date, ready, exit 0, nothing backed up', async () => {
    let backedUp = false;
    const run = await launch(
      fakes({
        checkUpgrade: () => Promise.resolve({ latestVersion: '1.2.0', comparison: 0 }),
        backupStation: () => ((backedUp = true), Promise.resolve({ backupDir: 'x', bytes: 0 })),
      }),
      params('upgrade'),
    );
    // Already up to date is a normal outcome: ready, exit 0, nothing pending (monitoring sees no failure).
    expect(run.result).toMatchObject({ state: 'ready', exitCode: 0, error: null });
    expect(run.final.context.upgrade).toBeNull();
    expect(backedUp).toBe(false);
  });

  it('upgrade while offline: exit 64 saying the server is unreachable', async () => {
    const run = await launch(fakes({ probeServer: () => Promise.resolve({ online: false, reason: 'ECONNREFUSED' }) }), params('upgrade'));
    expect(run.states).toEqual(['probing', 'offline', 'failed']);
    expect(run.result.error?.message).toContain('ECONNREFUSED');
  });

  it('an older version is offered to upgrade only with allowDowngrade', async () => {
    const older = fakes({ checkUpgrade: () => Promise.resolve({ latestVersion: '1.1.0', comparison: -1 }) });
    expect((await launch(older, params('upgrade'))).result.error?.code).toBe('NO_UPGRADE_ANNOUNCED');
    const allowed = await launch(older, { ...params('upgrade'), allowDowngrade: true });
    expect(allowed.result).toMatchObject({ state: 'staged', exitCode: 10 });
  });

  it('disk full during backup: rollback removes the partial backup, failed with DISK_FULL', async () => {
    const phases: string[] = [];
    const run = await launch(
      fakes({
        backupStation: () => Promise.reject(new UpgradeError('DISK_FULL', 'need 10 MiB more')),
        rollbackStation: (input) => (phases.push(input.phase), Promise.resolve({ installedVersion: '1.2.0', restored: [] })),
      }),
      params('upgrade'),
    );
    expect(run.states.slice(-3)).toEqual(['backup', 'rollback', 'failed']);
    expect(phases).toEqual(['backup']);
    expect(run.result).toMatchObject({ exitCode: 30, error: { code: 'DISK_FULL' }, installedVersion: '1.2.0' });
  });

  it('download failure while staging: rollback (downloading), exit 21', async () => {
    const run = await launch(fakes({ stageRelease: () => Promise.reject(new NetworkError('DOWNLOAD_FAILED', 'x.jar: 500')) }), params('upgrade'));
    expect(run.states.slice(-3)).toEqual(['downloading', 'rollback', 'failed']);
    expect(run.result).toMatchObject({ exitCode: 21, error: { code: 'PATCH_DOWNLOAD_FAILED' } });
  });

  it('apply failure: lib/ restored from the backup, installed version back to the old one', async () => {
    const staged = await launch(fakes(), params('upgrade', 'c'));
    const run = await launch(
      fakes({
        applyStaged: () => Promise.reject(new Error('EACCES: lib/a.jar')),
        rollbackStation: (input) => Promise.resolve({ installedVersion: input.fromVersion, restored: ['lib/a.jar', 'MANIFEST.MF'] }),
      }),
      params('start'),
      staged.persisted,
    );
    expect(run.states).toEqual(['staged', 'restarting', 'rollback', 'failed']);
    expect(run.result).toMatchObject({ exitCode: 30, installedVersion: '1.2.0', error: { code: 'UPGRADE_FAILED' }, patched: [], rolledBack: ['lib/a.jar', 'MANIFEST.MF'] });
  });

  it('DB script failure: exit 30, and the next launch retries the scripts (not a fresh cycle)', async () => {
    const staged = await launch(fakes(), params('upgrade', 'c'));
    const failing = fakes({ upgradeDatabase: () => Promise.reject(new DatabaseError('DB_UPGRADE_FAILED', '1.3.0: statement 3 failed')) });
    const first = await launch(failing, params('start'), staged.persisted);
    expect(first.states).toEqual(['staged', 'restarting', 'dbUpgrade', 'rollback', 'failed']);
    expect(first.result).toMatchObject({ exitCode: 30, installedVersion: '1.3.0', error: { code: 'DB_UPGRADE_FAILED' } });
    // The next launches find the new release installed (MANIFEST.MF was committed before the DB step).
    const installed = { ...params('start'), installedVersion: '1.3.0' };
    const again = await launch(failing, installed, first.persisted);
    expect(again.states).toEqual(['failed', 'dbUpgrade', 'rollback', 'failed']);
    expect(again.result.exitCode).toBe(30);
    const fixed = await launch(fakes(), installed, again.persisted);
    expect(fixed.states).toEqual(['failed', 'dbUpgrade', 'done']);
  });

  it('DB step failing on the release files (65): the retry runs the startup cycle first, so a hotfix is patched in', async () => {
    const staged = await launch(fakes(), params('upgrade', 'c'));
    const broken = fakes({ upgradeDatabase: () => Promise.reject(new UpgradeError('MAPPINGS_INVALID', 'mappings: not JSON')) });
    const first = await launch(broken, params('start'), staged.persisted);
    expect(first.result).toMatchObject({ exitCode: 65, state: 'failed' });
    const mismatched = fakes({
      verifyFiles: () => Promise.resolve({ version: '1.3.0', fileCount: 3, totalBytes: 3, missing: [], mismatched: ['spring.properties'], unknown: [] }),
      patchFiles: () => Promise.resolve({ patched: ['spring.properties'], removed: [], bytesFetched: 9 }),
    });
    const healed = await launch(mismatched, { ...params('start'), installedVersion: '1.3.0' }, first.persisted);
    expect(healed.states).toEqual(['failed', 'probing', 'manifest', 'verify', 'patch', 'dbUpgrade', 'done']);
    expect(healed.result).toMatchObject({ exitCode: 0, patched: ['spring.properties'] });
  });

  it('DB upgrade failing dbRetryLimit launches in a row: the previous version is restored and the run exits 0 with a warning', async () => {
    const staged = await launch(fakes(), params('upgrade', 'c'));
    const failing = fakes({ upgradeDatabase: () => Promise.reject(new DatabaseError('DB_UPGRADE_FAILED', 'statement 3 failed')) });
    const limited = { ...params('start'), installedVersion: '1.3.0', dbRetryLimit: 2 };
    const first = await launch(failing, params('start'), staged.persisted);
    const second = await launch(failing, limited, first.persisted);
    expect(second.result.exitCode).toBe(30);
    const third = await launch(failing, limited, second.persisted);
    expect(third.states).toEqual(['failed', 'rollback', 'ready']);
    expect(third.result).toMatchObject({ exitCode: 0, installedVersion: '1.2.0' });
    expect(third.result.warnings.join(' ')).toMatch(/failed 2 launches in a row; gave up/);
  });

  it('after exit 30 with lib/ no longer at the target (restored by hand), the next launch re-plans instead of retrying the DB (issue 17)', async () => {
    const staged = await launch(fakes(), params('upgrade', 'c'));
    const failing = fakes({ upgradeDatabase: () => Promise.reject(new DatabaseError('DB_UPGRADE_FAILED', '1.3.0: statement 3 failed')) });
    const first = await launch(failing, params('start'), staged.persisted);
    const replanned = await launch(fakes(), params('start'), first.persisted);
    expect(replanned.states[1]).toBe('probing');
    expect(replanned.states).not.toContain('dbUpgrade');
  });

  it('rollback that fails: exit 31 naming the backup folder', async () => {
    const staged = await launch(fakes(), params('upgrade', 'c'));
    const run = await launch(
      fakes({
        applyStaged: () => Promise.reject(new Error('EIO')),
        rollbackStation: () => Promise.reject(new Error('EIO while restoring')),
      }),
      params('start'),
      staged.persisted,
    );
    expect(run.result).toMatchObject({ state: 'failed', exitCode: 31, error: { code: 'ROLLBACK_FAILED' } });
    expect(run.result.error?.message).toContain('/b/1.2.0_x');
  });

  it('operator rollback from any resting state restores the backup version: ready, exit 0', async () => {
    const done = await launch(fakes(), params('start'), (await launch(fakes(), params('upgrade', 'c'))).persisted);
    const phases: string[] = [];
    const run = await launch(
      fakes({ rollbackStation: (input) => (phases.push(input.phase), Promise.resolve({ installedVersion: '1.2.0', restored: ['lib/a.jar'] })) }),
      { ...params('rollback'), installedVersion: '1.3.0' },
      done.persisted,
    );
    expect(run.states).toEqual(['done', 'rollback', 'ready']);
    expect(phases).toEqual(['operator']);
    expect(run.result).toMatchObject({ exitCode: 0, installedVersion: '1.2.0' });
  });

  it('operator rollback without a backup: exit 64', async () => {
    const run = await launch(fakes({ rollbackStation: () => Promise.reject(new UpgradeError('NO_BACKUP', 'no backup')) }), params('rollback'));
    expect(run.result).toMatchObject({ exitCode: 64, error: { code: 'NO_BACKUP' } });
  });

  it('crash-loop guard: a looping apply step is not run again — rollback instead (30); a looping rollback stops with 31', async () => {
    const staged = await launch(fakes(), params('upgrade', 'c'));
    let applied = false;
    const guarded = giveUpOn(fakes({ applyStaged: () => ((applied = true), Promise.resolve({ replaced: [], added: [], deleted: [] })) }), 'restarting', 10);
    const run = await launch(guarded, params('start'), staged.persisted);
    expect(applied).toBe(false);
    expect(run.result).toMatchObject({ exitCode: 30, error: { code: 'CRASH_LOOP' } });

    const loopingRollback = giveUpOn(fakes({ applyStaged: () => Promise.reject(new Error('boom')) }), 'rollback', 10);
    const stuck = await launch(loopingRollback, params('start'), staged.persisted);
    expect(stuck.result).toMatchObject({ exitCode: 31, error: { code: 'ROLLBACK_FAILED' } });
  });
});
