// The backup step on its own: what it copies, that a second run reuses the first's backup, that the
// leftovers of a run killed mid-copy are replaced by a complete backup, and a full disk refused early.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKUP_MARKER, backupStation, listBackups, type BackupDeps } from '../../src/services/backup-station.js';
import { createMemoryLogger } from '../../src/services/logger.js';
import { hashTree, tempDir, writeTree } from '../helpers/station.js';

const input = { cycleId: 'cycle-1', fromVersion: '1.2.0', targetVersion: '1.3.0', backupDir: null };

async function station(): Promise<{ deps: BackupDeps; clientDir: string; keys: string }> {
  const clientDir = await tempDir('rcu-backup-');
  const keys = await tempDir('rcu-keys-');
  await writeTree(clientDir, {
    'lib/app.jar': 'app 1.2.0',
    'lib/sub/dep.jar': 'dep',
    'bin/run.sh': '#!/bin/sh\n',
    'MANIFEST.MF': 'Manifest-Version: 1.0\nVersion: 1.2.0\n',
  });
  await writeTree(keys, { 'db.conf': 'secret' });
  const deps: BackupDeps = {
    clientDir,
    backupRoot: path.join(clientDir, 'BackUp'),
    dbPath: path.join(clientDir, 'db', 'reg.sqlite'),
    extraPaths: [keys],
    logger: createMemoryLogger(),
    now: () => new Date('2026-05-30T13:00:27.238Z'),
  };
  return { deps, clientDir, keys };
}

describe('backupStation', () => {
  it('copies lib/, bin/, MANIFEST.MF and the extra paths into a MOSIP-named folder, marker last', async () => {
    const { deps, clientDir, keys } = await station();
    const before = await hashTree(clientDir);
    const output = await backupStation(deps, input);
    expect(path.basename(output.backupDir)).toBe('1.2.0_2026-05-30 13-00-27.238Z');
    expect(await hashTree(path.join(output.backupDir, 'lib'))).toEqual(await hashTree(path.join(clientDir, 'lib')));
    expect(await fs.readFile(path.join(output.backupDir, 'bin/run.sh'), 'utf8')).toBe('#!/bin/sh\n');
    expect(await fs.readFile(path.join(output.backupDir, 'MANIFEST.MF'), 'utf8')).toContain('1.2.0');
    expect(await fs.readFile(path.join(output.backupDir, 'extra/0/db.conf'), 'utf8')).toBe('secret');
    const marker = JSON.parse(await fs.readFile(path.join(output.backupDir, BACKUP_MARKER), 'utf8')) as Record<string, unknown>;
    expect(marker).toMatchObject({ cycleId: 'cycle-1', version: '1.2.0', parts: ['lib', 'bin', 'MANIFEST.MF'], extraPaths: [{ source: keys, stored: 'extra/0' }] });
    expect(output.bytes).toBeGreaterThan(0);
    // the station itself is only read
    const after = await hashTree(clientDir);
    expect(Object.fromEntries(Object.entries(after).filter(([name]) => !name.startsWith('BackUp/')))).toEqual(before);
  });

  it('run twice in one upgrade: the second run reuses the first backup', async () => {
    const { deps } = await station();
    const first = await backupStation(deps, input);
    const second = await backupStation({ ...deps, now: () => new Date('2026-05-30T14:00:00.000Z') }, input);
    expect(second.backupDir).toBe(first.backupDir);
    expect((await listBackups(deps.backupRoot)).map((b) => b.dir)).toEqual([first.backupDir]);
  });

  it('killed mid-copy: the next run removes the incomplete folder and takes a complete backup', async () => {
    const { deps, clientDir } = await station();
    // What a kill leaves: the folder, its in-progress marker, part of lib/, no completion marker.
    const killed = path.join(deps.backupRoot, '1.2.0_2026-05-30 12-59-00.000Z');
    await writeTree(killed, { 'backup-in-progress.json': JSON.stringify({ cycleId: 'cycle-1' }), 'lib/app.jar': 'app 1.' });
    expect(await listBackups(deps.backupRoot)).toMatchObject([{ dir: killed, marker: null }]);

    const output = await backupStation(deps, input);
    await expect(fs.access(killed)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await hashTree(path.join(output.backupDir, 'lib'))).toEqual(await hashTree(path.join(clientDir, 'lib')));
    expect((await listBackups(deps.backupRoot)).map((b) => b.marker?.cycleId)).toEqual(['cycle-1']);
  });

  it("an earlier upgrade's complete backup is kept, and the new one is newer", async () => {
    const { deps } = await station();
    const old = await backupStation(deps, { ...input, cycleId: 'cycle-0' });
    const mine = await backupStation({ ...deps, now: () => new Date('2026-05-30T14:00:00.000Z') }, input);
    expect((await listBackups(deps.backupRoot)).map((b) => b.dir)).toEqual([mine.backupDir, old.backupDir]);
  });

  it('refuses with DISK_FULL (exit 30) before copying anything when backup and staging would not fit', async () => {
    const { deps } = await station();
    const error = await backupStation({ ...deps, freeBytes: () => Promise.resolve(1024) }, input).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DISK_FULL', exitCode: 30, details: { path: deps.backupRoot, freeBytes: 1024 } });
    expect(await listBackups(deps.backupRoot)).toEqual([]);
  });
});
