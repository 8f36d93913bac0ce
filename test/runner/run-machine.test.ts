// The runner: restore, persist after every transition, incompatible snapshots, crash-loop guard.
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { MACHINE_VERSION } from '../../src/machines/station-machine.js';
import type { StationServices } from '../../src/machines/station-services.js';
import { createMemorySnapshotStore, SNAPSHOT_SCHEMA_VERSION, type SnapshotStore } from '../../src/persistence/index.js';
import { runMachine } from '../../src/runner/run-machine.js';
import { createMemoryLogger } from '../../src/services/logger.js';

function fakes(overrides: Partial<StationServices> = {}): StationServices {
  return {
    probeServer: () => Promise.resolve({ online: true }),
    syncManifest: () => Promise.resolve({ serverVersion: '1.0.0', replacedLocal: false, fileCount: 1 }),
    verifyFiles: () => Promise.resolve({ version: '1.0.0', fileCount: 1, totalBytes: 1, missing: [], mismatched: [], unknown: [] }),
    patchFiles: () => Promise.resolve({ patched: [], removed: [], bytesFetched: 0 }),
    checkUpgrade: () => Promise.resolve({ latestVersion: '1.1.0', comparison: 1 }),
    backupStation: () => Promise.resolve({ backupDir: '/b', bytes: 1 }),
    stageRelease: () => Promise.resolve({ fileCount: 1, changed: 1, bytesFetched: 1 }),
    applyStaged: () => Promise.resolve({ replaced: ['a.jar'], added: [], deleted: [] }),
    upgradeDatabase: () => Promise.resolve({ applied: [], dbVersion: '1.1.0' }),
    rollbackStation: (input) => Promise.resolve({ installedVersion: input.fromVersion, restored: [] }),
    finishUpgrade: () => Promise.resolve({ removedBackups: [] }),
    ...overrides,
  };
}

const params = (command: 'start' | 'upgrade', runId: string) => ({ command, runId, installedVersion: '1.0.0', offline: false, allowDowngrade: false });

async function run(store: SnapshotStore, services: StationServices, command: 'start' | 'upgrade' = 'start', runId = 'r', progress = 'p') {
  const logger = createMemoryLogger();
  const result = await runMachine({ params: params(command, runId), services, store, logger, runId, progress: () => Promise.resolve(progress), crashLoopLimit: 3 });
  return { result, logger };
}

/** Leaves the store holding a snapshot in `restarting` (an upgrade staged, then a launch killed mid-apply). */
async function storeInRestarting(): Promise<SnapshotStore> {
  const store = createMemorySnapshotStore();
  await run(store, fakes(), 'upgrade', 'cycle');
  const hang = fakes({ applyStaged: () => new Promise(() => undefined) });
  void run(store, hang, 'start', 'killed');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const persisted = await store.load();
  expect((persisted?.snapshot as { value: string }).value).toBe('restarting');
  return store;
}

describe('runMachine', () => {
  it('persists every transition with its event, and the resting snapshot', async () => {
    const store = createMemorySnapshotStore();
    const { result } = await run(store, fakes({ checkUpgrade: () => Promise.resolve({ latestVersion: '1.0.0', comparison: 0 }) }));
    expect(result.state).toBe('ready');
    const history = await store.history({ order: 'oldest' });
    expect(history.map((h) => h.to)).toEqual(['probing', 'manifest', 'verify', 'checkingUpgrade', 'ready']);
    expect(history[1]).toMatchObject({ from: 'probing', event: 'xstate.done.actor.probeServer', runId: 'r', command: 'start' });
    const persisted = await store.load();
    expect(persisted).toMatchObject({ schemaVersion: SNAPSHOT_SCHEMA_VERSION, machineVersion: MACHINE_VERSION });
  });

  it('a snapshot from another machine version starts a fresh cycle from probing, with a warning', async () => {
    const store = createMemorySnapshotStore();
    await store.save(
      { schemaVersion: SNAPSHOT_SCHEMA_VERSION, machineVersion: 'station-0', snapshot: { value: 'nonsense', status: 'active', context: {} } },
      { at: new Date().toISOString(), runId: 'old', command: 'start', from: null, to: 'nonsense', event: 'x' },
    );
    const { result, logger } = await run(store, fakes());
    expect(result.state).toBe('upgradeAvailable');
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('station-0'))).toBe(true);
  });

  it('a snapshot whose state no longer exists starts fresh instead of crashing', async () => {
    const store = createMemorySnapshotStore();
    await store.save(
      { schemaVersion: SNAPSHOT_SCHEMA_VERSION, machineVersion: MACHINE_VERSION, snapshot: { value: 'gone', status: 'active', context: {} } },
      { at: new Date().toISOString(), runId: 'old', command: 'start', from: null, to: 'gone', event: 'x' },
    );
    expect((await run(store, fakes())).result.state).toBe('upgradeAvailable');
  });

  it('resumes an interrupted step: the apply step runs again and the upgrade completes', async () => {
    const store = await storeInRestarting();
    let applies = 0;
    const { result } = await run(store, fakes({ applyStaged: () => ((applies += 1), Promise.resolve({ replaced: [], added: [], deleted: [] })) }));
    expect(applies).toBe(1);
    expect(result).toMatchObject({ state: 'done', installedVersion: '1.1.0' });
  });

  it('crash-loop guard: after N restores without progress the step is abandoned (rollback, exit 30)', async () => {
    const store = await storeInRestarting();
    const hang = fakes({ applyStaged: () => new Promise(() => undefined) });
    // Two more restores that die without progress (the hanging run stands for a process that dies).
    for (let i = 0; i < 2; i += 1) {
      void run(store, hang, 'start', `loop-${i}`);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    let applied = false;
    const { result } = await run(store, fakes({ applyStaged: () => ((applied = true), Promise.resolve({ replaced: [], added: [], deleted: [] })) }));
    expect(applied).toBe(false);
    expect(result).toMatchObject({ state: 'failed', exitCode: 30, error: { code: 'CRASH_LOOP' } });
  });

  it('crash-loop guard: progress between restores resets the count', async () => {
    const store = await storeInRestarting();
    const hang = fakes({ applyStaged: () => new Promise(() => undefined) });
    for (let i = 0; i < 4; i += 1) {
      void run(store, hang, 'start', `moving-${i}`, `progress-${i}`);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const { result } = await run(store, fakes(), 'start', 'final', 'progress-final');
    expect(result.state).toBe('done');
  });
  it('an action that throws ends the run with exit 21 and the error, and the next run goes on from the last good state', async () => {
    const store = createMemorySnapshotStore();
    // recordManifest reads output.serverVersion: a service answering nothing makes that action throw.
    const broken = fakes({ syncManifest: () => Promise.resolve(undefined as never) });
    const { result, logger } = await run(store, broken);
    expect(result).toMatchObject({ exitCode: 21, error: { code: 'IO_FAILED' } });
    expect(result.error?.message).toMatch(/serverVersion/);
    expect(logger.lines.some((l) => l.level === 'error' && l.message.includes('machine error'))).toBe(true);
    const persisted = await store.load();
    expect(persisted?.snapshot).toMatchObject({ status: 'active' });
    expect((await run(store, fakes())).result).toMatchObject({ state: 'upgradeAvailable', exitCode: 0 });
  });

  it("an action that throws the product's own error ends the run with that error's exit code", async () => {
    const store = createMemorySnapshotStore();
    // recordManifest reads serverVersion, which throws inside the action.
    const output = {
      get serverVersion(): string {
        throw new FormatError('MANIFEST_MALFORMED', 'lib/MANIFEST.MF: line 3 is not a header');
      },
      replacedLocal: false,
      fileCount: 1,
    };
    const badData = fakes({ syncManifest: () => Promise.resolve(output) });
    const { result } = await run(store, badData);
    expect(result).toMatchObject({ exitCode: 65, error: { code: 'MANIFEST_MALFORMED' } });
  });
});
