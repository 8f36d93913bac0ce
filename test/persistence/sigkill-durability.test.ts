// A run killed with SIGKILL in the middle of saving leaves a state database that opens, passes
// integrity_check, and holds a snapshot consistent with the last transition row: never a torn state.
// The writer is a separate Node process running the built store (`npm test` builds first).
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteSnapshotStore } from '../../src/persistence/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const builtIndex = join(root, 'dist/src/persistence/index.js');

/** Fails with a clear message when the build the child process needs is missing or older than the sources. */
async function assertBuildIsCurrent(): Promise<void> {
  const built = await stat(builtIndex).catch(() => undefined);
  if (built === undefined) throw new Error(`${builtIndex} is missing: run \`npm run build\` (npm test does) first`);
  for (const folder of ['src/persistence', 'migrations']) {
    for (const name of await readdir(join(root, folder))) {
      if ((await stat(join(root, folder, name))).mtimeMs > built.mtimeMs) {
        throw new Error(`${folder}/${name} is newer than ${builtIndex}: run \`npm run build\` first`);
      }
    }
  }
}

// Saves forever, continuing the count of the previous (killed) run; prints each count once committed.
const WRITER = `
import { openSqliteSnapshotStore } from ${JSON.stringify(pathToFileURL(builtIndex).href)};
const [dbPath, runId] = process.argv.slice(2);
const store = await openSqliteSnapshotStore(dbPath, { log: (level, message) => process.stderr.write(level + ': ' + message + '\\n') });
let i = ((await store.load())?.snapshot?.context?.i ?? 0);
await store.append({ at: new Date().toISOString(), runId, command: 'start', from: null, to: 'probing', event: 'run.started' });
const pad = 'x'.repeat(2000 + Math.floor(Math.random() * 6000));
for (;;) {
  i += 1;
  const snapshot = { status: 'active', value: 'downloading', context: { i, pad } };
  await store.save(
    { schemaVersion: 1, machineVersion: 'kill-test', snapshot },
    { at: new Date().toISOString(), runId, command: 'start', from: 'downloading', to: 'downloading', event: 'FILE_DONE', detail: { i } },
  );
  process.stdout.write(i + '\\n');
}
`;

interface KilledRun {
  /** The highest count the child reported as saved before it died. */
  lastReported: number;
  stderr: string;
}

/** Runs the writer until it has reported `minSaves` more saves, waits `extraMs`, then SIGKILLs it. */
function runAndKill(script: string, dbPath: string, runId: string, minSaves: number, extraMs: number): Promise<KilledRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, dbPath, runId], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let seen = 0;
    let killing = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      seen += chunk.split('\n').length - 1;
      if (!killing && seen >= minSaves) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`writer exited with code ${String(code)} before it was killed: ${stderr}`));
        return;
      }
      const counts = out.split('\n').filter((line) => /^\d+$/.test(line)).map(Number);
      resolvePromise({ lastReported: counts.at(-1) ?? 0, stderr });
    });
  });
}

describe('SQLite snapshot store: SIGKILL while saving', () => {
  let dir = '';
  let script = '';
  beforeAll(async () => {
    await assertBuildIsCurrent();
    dir = await mkdtemp(join(tmpdir(), 'state-kill-'));
    script = join(dir, 'writer.mjs');
    await writeFile(script, WRITER);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reopens to a consistent snapshot and an intact database after every kill', async () => {
    const dbPath = join(dir, '.upgrade', 'state.db');
    let previous = 0;
    for (let round = 1; round <= 6; round += 1) {
      const killed = await runAndKill(script, dbPath, `run-${round}`, 50 + round * 20, round * 7);
      expect(killed.stderr).not.toMatch(/warn|error/);

      // Checked with SQLite directly first: opening the store would move a corrupt file aside.
      const raw = new Database(dbPath);
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      raw.close();

      const lines: string[] = [];
      const store = await openSqliteSnapshotStore(dbPath, { log: (level, message) => lines.push(`${level}: ${message}`) });
      expect(lines).toEqual([]);
      const loaded = await store.load();
      const [lastTransition] = await store.history({ limit: 1 });
      const runRows = await store.history({ runId: `run-${round}`, order: 'oldest' });
      await store.close();

      const i = (loaded?.snapshot as { context: { i: number } }).context.i;
      // The snapshot belongs to the last transition row written: one transaction, never torn.
      expect(loaded?.seq).toBe(lastTransition?.seq);
      expect(lastTransition?.detail).toEqual({ i });
      // Every save the child saw complete is on disk; at most the one in flight may be in addition.
      expect(i).toBeGreaterThanOrEqual(killed.lastReported);
      expect(i).toBeLessThanOrEqual(killed.lastReported + 1);
      // The run continued from the restored snapshot, and its log has no gaps.
      expect(runRows[0]?.event).toBe('run.started');
      const counts = runRows.slice(1).map((row) => (row.detail as { i: number }).i);
      expect(counts).toEqual(Array.from({ length: counts.length }, (_, k) => previous + 1 + k));
      previous = i;
    }
    expect((await readdir(join(dir, '.upgrade'))).filter((name) => name.includes('corrupt'))).toEqual([]);
  });
});
