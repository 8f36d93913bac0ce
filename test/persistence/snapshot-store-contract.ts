// The SnapshotStore contract, written once and run against every implementation (umzug's way).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PersistedSnapshot, SnapshotStore, TransitionRecord } from '../../src/persistence/index.js';

/** A transition record with sensible defaults. */
export function transition(overrides: Partial<TransitionRecord> = {}): TransitionRecord {
  return {
    at: '2025-11-26T10:00:00.000Z',
    runId: 'run-1',
    command: 'start',
    from: 'probing',
    to: 'manifest',
    event: 'xstate.done.actor.probe',
    ...overrides,
  };
}

/** A wrapped snapshot whose machine snapshot carries `value` and `n`. */
export function snapshot(value: string, n = 0): PersistedSnapshot {
  return {
    schemaVersion: 1,
    machineVersion: 'machine-1',
    snapshot: { status: 'active', value, context: { n, files: ['lib/a.jar', 'lib/ü b.jar'], error: null } },
  };
}

/** Runs the contract suite; `open` makes a fresh, empty store for each test. */
export function describeSnapshotStoreContract(name: string, open: () => Promise<SnapshotStore>): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    let store: SnapshotStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('starts empty', async () => {
      expect(await store.load()).toBeUndefined();
      expect(await store.history()).toEqual([]);
      expect(await store.getValue('anything')).toBeUndefined();
    });

    it('round-trips a saved snapshot and links it to the transition saved with it', async () => {
      await store.save(snapshot('manifest', 1), transition({ detail: { installedVersion: '1.1.5.5', files: 3 } }));
      const loaded = await store.load();
      const [last] = await store.history();
      expect(loaded).toEqual({ ...snapshot('manifest', 1), seq: last?.seq });
      expect(last).toEqual({ ...transition({ detail: { installedVersion: '1.1.5.5', files: 3 } }), seq: last?.seq });
    });

    it('replaces the snapshot on every save and appends every transition', async () => {
      await store.save(snapshot('manifest', 1), transition({ from: 'probing', to: 'manifest' }));
      await store.save(snapshot('verify', 2), transition({ from: 'manifest', to: 'verify' }));
      await store.save(snapshot('patch', 3), transition({ from: 'verify', to: 'patch' }));
      const loaded = await store.load();
      expect(loaded?.snapshot).toEqual(snapshot('patch', 3).snapshot);
      const rows = await store.history();
      expect(rows.map((row) => row.to)).toEqual(['patch', 'verify', 'manifest']);
      expect(loaded?.seq).toBe(rows[0]?.seq);
    });

    it('hands out copies: changing a loaded or saved object does not change the store', async () => {
      const saved = snapshot('verify', 1);
      await store.save(saved, transition());
      (saved.snapshot as { value: string }).value = 'changed after save';
      const loaded = await store.load();
      (loaded?.snapshot as { value: string }).value = 'changed after load';
      expect((await store.load())?.snapshot).toEqual(snapshot('verify', 1).snapshot);
    });

    it('keeps detail absent when none was given, and null/from-null as given', async () => {
      await store.append(transition({ from: null, to: 'probing', event: 'run.started' }));
      await store.append(transition({ event: 'note', detail: null }));
      const [withNull, withoutDetail] = await store.history();
      expect(withoutDetail).not.toHaveProperty('detail');
      expect(withoutDetail?.from).toBeNull();
      expect(withNull?.detail).toBeNull();
    });

    it('append adds to the history without touching the snapshot', async () => {
      await store.save(snapshot('ready', 1), transition({ to: 'ready' }));
      const before = await store.load();
      await store.append(transition({ from: null, to: 'ready', event: 'run.ended', detail: { exitCode: 0 } }));
      expect(await store.load()).toEqual(before);
      expect((await store.history()).map((row) => row.event)).toEqual(['run.ended', 'xstate.done.actor.probe']);
    });

    it('clearSnapshot forgets the snapshot but keeps the history, and saving works again', async () => {
      await store.save(snapshot('done', 1), transition({ to: 'done' }));
      await store.clearSnapshot();
      expect(await store.load()).toBeUndefined();
      expect(await store.history()).toHaveLength(1);
      await store.clearSnapshot();
      await store.save(snapshot('probing', 2), transition({ to: 'probing' }));
      expect((await store.load())?.snapshot).toEqual(snapshot('probing', 2).snapshot);
    });

    it('assigns increasing seqs and orders history newest first by default, oldest on request', async () => {
      for (let i = 1; i <= 5; i += 1) await store.append(transition({ event: `e${i}` }));
      const newest = await store.history();
      expect(newest.map((row) => row.event)).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
      const oldest = await store.history({ order: 'oldest' });
      expect(oldest.map((row) => row.event)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
      const seqs = oldest.map((row) => row.seq ?? Number.NaN);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(5);
      expect(await store.history({ order: 'newest' })).toEqual(newest);
    });

    it('ignores a seq given by the caller', async () => {
      await store.append(transition({ seq: 999, event: 'a' }));
      await store.append(transition({ seq: 1, event: 'b' }));
      const [b, a] = await store.history();
      expect(b?.seq).toBeGreaterThan(a?.seq ?? Number.POSITIVE_INFINITY);
      expect(a?.seq).not.toBe(999);
    });

    it('limits and filters the history by run', async () => {
      for (let i = 1; i <= 6; i += 1) {
        await store.append(transition({ runId: i % 2 === 0 ? 'run-even' : 'run-odd', event: `e${i}` }));
      }
      expect((await store.history({ limit: 2 })).map((row) => row.event)).toEqual(['e6', 'e5']);
      expect((await store.history({ limit: 2, order: 'oldest' })).map((row) => row.event)).toEqual(['e1', 'e2']);
      expect((await store.history({ runId: 'run-even' })).map((row) => row.event)).toEqual(['e6', 'e4', 'e2']);
      const oddOldest = await store.history({ runId: 'run-odd', order: 'oldest', limit: 2 });
      expect(oddOldest.map((row) => row.event)).toEqual(['e1', 'e3']);
      expect(await store.history({ runId: 'run-none' })).toEqual([]);
      expect(await store.history({ limit: 0 })).toEqual([]);
      expect(await store.history({ limit: 100 })).toHaveLength(6);
    });

    it('sets, overwrites, reads and deletes values', async () => {
      await store.setValue('crashLoop.count', '1');
      await store.setValue('latestVersionSeen', '1.2.0.1');
      await store.setValue('crashLoop.count', '2');
      expect(await store.getValue('crashLoop.count')).toBe('2');
      expect(await store.getValue('latestVersionSeen')).toBe('1.2.0.1');
      await store.setValue('crashLoop.count', undefined);
      expect(await store.getValue('crashLoop.count')).toBeUndefined();
      await store.setValue('never.set', undefined);
      await store.setValue('empty', '');
      expect(await store.getValue('empty')).toBe('');
      expect(await store.getValue('latestVersionSeen')).toBe('1.2.0.1');
    });

    it('keeps every save of concurrent callers, the last one winning the snapshot', async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.save(snapshot('downloading', i), transition({ detail: { i } }))),
      );
      const rows = await store.history({ order: 'oldest' });
      expect(rows.map((row) => (row.detail as { i: number }).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      const loaded = await store.load();
      expect((loaded?.snapshot as { context: { n: number } }).context.n).toBe(19);
      expect(loaded?.seq).toBe(rows[19]?.seq);
    });
  });
}
