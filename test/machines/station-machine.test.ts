import { describe, expect, it } from 'vitest';
import { createActor, waitFor, type SnapshotFrom } from 'xstate';
import { FormatError, NetworkError, noteBytesFetched } from '../../src/errors.js';
import { describeResult } from '../../src/machines/run-result.js';
import { isResting, stationMachine, type LaunchParams } from '../../src/machines/station-machine.js';
import { createStationActors, type StationServices, type VerifyOutput } from '../../src/machines/station-services.js';

const clean: VerifyOutput = { version: '1.2.0', fileCount: 3, totalBytes: 30, missing: [], mismatched: [], unknown: [] };
const damaged: VerifyOutput = { ...clean, missing: ['a.jar'], mismatched: ['b.jar'], unknown: ['old.jar'] };

function fakes(overrides: Partial<StationServices> = {}): StationServices {
  return {
    probeServer: () => Promise.resolve({ online: true }),
    syncManifest: () => Promise.resolve({ serverVersion: '1.2.0', replacedLocal: false, fileCount: 3 }),
    verifyFiles: () => Promise.resolve(clean),
    patchFiles: (input) =>
      Promise.resolve({ patched: [...input.missing, ...input.mismatched], removed: input.unknown, bytesFetched: 20 }),
    checkUpgrade: () => Promise.resolve({ latestVersion: '1.2.0', comparison: 0 }),
    backupStation: () => Promise.resolve({ backupDir: '/b/1.2.0_x', bytes: 1 }),
    stageRelease: () => Promise.resolve({ fileCount: 3, changed: 1, bytesFetched: 7 }),
    applyStaged: () => Promise.resolve({ replaced: ['a.jar'], added: [], deleted: [] }),
    upgradeDatabase: () => Promise.resolve({ applied: ['1.3.0'], dbVersion: '1.3.0' }),
    rollbackStation: (input) => Promise.resolve({ installedVersion: input.fromVersion, restored: [] }),
    finishUpgrade: () => Promise.resolve({ removedBackups: ['/b/1.2.0_x'] }),
    ...overrides,
  };
}

const launch: LaunchParams = { command: 'start', runId: 'run-1', installedVersion: '1.2.0', offline: false, allowDowngrade: false };

async function run(services: StationServices, params: LaunchParams = launch) {
  const states: string[] = [];
  const actor = createActor(stationMachine.provide({ actors: createStationActors(services) }), { input: params });
  actor.subscribe((s) => {
    const value = String(s.value);
    if (states.at(-1) !== value) states.push(value);
  });
  actor.start();
  const final = await waitFor(actor, (s) => isResting(s));
  actor.stop();
  return { states, final, result: describeResult('start', String(final.value), final.context) };
}

describe('station machine: the startup cycle with fake services', () => {
  it('online and clean: probing → manifest → verify → checkingUpgrade → ready, exit 0', async () => {
    const { states, result } = await run(fakes());
    expect(states).toEqual(['probing', 'manifest', 'verify', 'checkingUpgrade', 'ready']);
    expect(result).toMatchObject({ exitCode: 0, upgradeAvailable: false, patched: [], online: true, error: null });
  });

  it('online and damaged: patches what verify found, then checks for an upgrade', async () => {
    const { states, result } = await run(fakes({ verifyFiles: () => Promise.resolve(damaged) }));
    expect(states).toEqual(['probing', 'manifest', 'verify', 'patch', 'checkingUpgrade', 'ready']);
    expect(result).toMatchObject({ exitCode: 0, patched: ['a.jar', 'b.jar'], removed: ['old.jar'], bytesFetched: 20 });
  });

  it('offline with good files: verifies locally, exit 0, never fetches', async () => {
    const { states, result } = await run(
      fakes({
        probeServer: () => Promise.resolve({ online: false, reason: 'ECONNREFUSED' }),
        syncManifest: () => Promise.reject(new Error('must not be called')),
      }),
    );
    expect(states).toEqual(['probing', 'offline', 'ready']);
    expect(result).toMatchObject({ exitCode: 0, online: false });
  });

  it('offline with missing files: exit 21 naming them, nothing patched', async () => {
    const { states, result } = await run(
      fakes({ probeServer: () => Promise.resolve({ online: false }), verifyFiles: () => Promise.resolve(damaged) }),
    );
    expect(states).toEqual(['probing', 'offline', 'failed']);
    expect(result.exitCode).toBe(21);
    expect(result.error?.code).toBe('OFFLINE_FILES_BAD');
    expect(result.error?.message).toContain('a.jar');
    expect(result.patched).toEqual([]);
  });

  it('a patch that fails after fetching reports the bytes it fetched (noted on its error), not 0', async () => {
    const { states, result } = await run(
      fakes({
        verifyFiles: () => Promise.resolve(damaged),
        patchFiles: () => Promise.reject(noteBytesFetched(new NetworkError('DOWNLOAD_FAILED', 'reset'), 123_456)),
      }),
    );
    expect(states).toEqual(['probing', 'manifest', 'verify', 'patch', 'failed']);
    expect(result).toMatchObject({ exitCode: 21, bytesFetched: 123_456, patched: [], error: { code: 'PATCH_DOWNLOAD_FAILED' } });
  });

  it('a staging that fails after fetching adds its bytes to the repair done before it', async () => {
    const { states, result } = await run(
      fakes({
        verifyFiles: () => Promise.resolve(damaged),
        checkUpgrade: () => Promise.resolve({ latestVersion: '1.3.0', comparison: 1 }),
        stageRelease: () => Promise.reject(noteBytesFetched(new Error('EIO'), 1_000)),
      }),
      { ...launch, command: 'upgrade' },
    );
    expect(states.at(-1)).toBe('failed');
    expect(result).toMatchObject({ exitCode: 21, bytesFetched: 1_020, patched: ['a.jar', 'b.jar'], error: { code: 'PATCH_DOWNLOAD_FAILED' } });
  });

  it('--offline skips the probe entirely', async () => {
    let probed = false;
    const { states } = await run(
      fakes({ probeServer: () => ((probed = true), Promise.resolve({ online: true })) }),
      { ...launch, offline: true },
    );
    expect(states).toEqual(['offline', 'ready']);
    expect(probed).toBe(false);
  });

  it('manifest unfetchable while online: build status check failure, exit 20', async () => {
    const { states, result } = await run(
      fakes({ syncManifest: () => Promise.reject(new NetworkError('DOWNLOAD_FAILED', 'HTTP 500 for MANIFEST.MF')) }),
    );
    expect(states).toEqual(['probing', 'manifest', 'failed']);
    expect(result).toMatchObject({ exitCode: 20, error: { code: 'BUILD_STATUS_CHECK_FAILED' } });
  });

  it('malformed manifest from the server: bad data, exit 65', async () => {
    const { result } = await run(
      fakes({ syncManifest: () => Promise.reject(new FormatError('MANIFEST_MALFORMED', 'line 3: no Name')) }),
    );
    expect(result).toMatchObject({ exitCode: 65, error: { code: 'MANIFEST_MALFORMED' } });
  });

  it('patch download failure: exit 21', async () => {
    const { states, result } = await run(
      fakes({
        verifyFiles: () => Promise.resolve(damaged),
        patchFiles: () => Promise.reject(new NetworkError('DOWNLOAD_FAILED', 'a.jar: HTTP 500')),
      }),
    );
    expect(states.at(-1)).toBe('failed');
    expect(result).toMatchObject({ exitCode: 21, error: { code: 'PATCH_DOWNLOAD_FAILED' } });
  });

  it('upgrade announced: upgradeAvailable, still exit 0 so the client starts', async () => {
    const { states, result } = await run(
      fakes({ checkUpgrade: () => Promise.resolve({ latestVersion: '1.3.0', comparison: 1 }) }),
    );
    expect(states.at(-1)).toBe('upgradeAvailable');
    expect(result).toMatchObject({ exitCode: 0, upgradeAvailable: true, latestVersion: '1.3.0' });
  });

  it('an older version announced is not offered', async () => {
    const { result } = await run(
      fakes({ checkUpgrade: () => Promise.resolve({ latestVersion: '1.1.0', comparison: -1, warning: 'older' }) }),
    );
    expect(result).toMatchObject({ state: 'ready', upgradeAvailable: false, warnings: ['older'] });
  });

  it('DOCTYPE in maven-metadata.xml: bad data, exit 65', async () => {
    const { result } = await run(
      fakes({ checkUpgrade: () => Promise.reject(new FormatError('METADATA_DOCTYPE', 'DOCTYPE refused')) }),
    );
    expect(result).toMatchObject({ state: 'failed', exitCode: 65, error: { code: 'METADATA_DOCTYPE' } });
  });

  it('a service that throws a plain Error never leaves XState in error status', async () => {
    const { final } = await run(fakes({ probeServer: () => Promise.reject(new Error('boom')) }));
    expect(final.status).toBe('active');
    expect(final.value).toBe('failed');
  });

  it('a resting machine starts a new cycle on LAUNCH with a fresh context', async () => {
    const { final } = await run(fakes({ verifyFiles: () => Promise.resolve(damaged) }));
    const actor = createActor(stationMachine.provide({ actors: createStationActors(fakes()) }), {
      input: launch,
      snapshot: stationMachineSnapshot(final),
    });
    actor.start();
    actor.send({ type: 'LAUNCH', params: launch });
    const next = await waitFor(actor, (s) => s.hasTag('resting'));
    expect(next.value).toBe('ready');
    expect(next.context.patched).toEqual([]);
  });

  it('restored mid-patch, the patch actor runs again from its saved input', async () => {
    let calls = 0;
    const hanging = fakes({
      verifyFiles: () => Promise.resolve(damaged),
      patchFiles: () => ((calls += 1), new Promise(() => undefined)),
    });
    const first = createActor(stationMachine.provide({ actors: createStationActors(hanging) }), { input: launch });
    first.start();
    await waitFor(first, (s) => s.value === 'patch');
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot())) as unknown;
    first.stop();

    let seenInput: unknown;
    const second = createActor(
      stationMachine.provide({
        actors: createStationActors(
          fakes({ patchFiles: (input) => ((seenInput = input), Promise.resolve({ patched: ['a.jar'], removed: [], bytesFetched: 1 })) }),
        ),
      }),
      { input: launch, snapshot: persisted as SnapshotFrom<typeof stationMachine> },
    );
    second.start();
    const done = await waitFor(second, (s) => s.hasTag('resting'));
    expect(calls).toBe(1);
    expect(seenInput).toEqual({ installedVersion: '1.2.0', missing: ['a.jar'], mismatched: ['b.jar'], unknown: ['old.jar'] });
    expect(done.value).toBe('ready');
  });
});

function stationMachineSnapshot(snapshot: SnapshotFrom<typeof stationMachine>): SnapshotFrom<typeof stationMachine> {
  return JSON.parse(JSON.stringify(snapshot)) as SnapshotFrom<typeof stationMachine>;
}
