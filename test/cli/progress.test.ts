// Download progress: the pure summary (percentage never goes backwards), plain lines through a
// pipe, a bar in a real terminal, and plain lines in a terminal with --no-progress.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressLine, progressMode, summarizeProgress } from '../../src/cli/progress.js';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { ptyAvailable, runInPty } from '../helpers/pty.js';
import { bytesFor, installStation, publish, runCli, tempDir } from '../helpers/station.js';

describe('summarizeProgress', () => {
  it('counts each file by its share of bytes: a file that starts later never lowers the percentage', () => {
    const files = new Map<string, { bytes: number; total: number | undefined }>([['a', { bytes: 50, total: 100 }]]);
    const first = summarizeProgress(files, 2, 1000, 0);
    expect(first.percent).toBe(25);
    files.set('b', { bytes: 0, total: 10_000 });
    const second = summarizeProgress(files, 2, 2000, first.percent);
    expect(second.percent).toBe(25);
    expect(second.bytesKnown).toBe(10_100);
    files.set('a', { bytes: 100, total: 100 });
    files.set('b', { bytes: 10_000, total: 10_000 });
    expect(summarizeProgress(files, 2, 4000, second.percent)).toMatchObject({ percent: 100, filesDone: 2, secondsLeft: 0, bytesPerSecond: 2525 });
  });

  it('a retried file that starts over is held at the percentage already shown', () => {
    const files = new Map([['a', { bytes: 80, total: 100 }]]);
    const shown = summarizeProgress(files, 1, 1000, 0).percent;
    files.set('a', { bytes: 10, total: 100 });
    expect(summarizeProgress(files, 1, 2000, shown).percent).toBe(80);
  });

  it('time left follows the pace; the line reads as the issue asks', () => {
    const files = new Map([['a', { bytes: 8_493_466, total: 32_505_856 }]]);
    const summary = { ...summarizeProgress(files, 40, 40_000, 0), filesDone: 12 };
    expect(progressLine({ ...summary, bytesPerSecond: 215_040 })).toBe('fetched 12/40 files, 8.1 MiB of 31.0 MiB, 210.0 KiB/s');
    expect(summarizeProgress(new Map(), 3, 0, 0).secondsLeft).toBeNull();
  });

  it('bar on a terminal, lines through a pipe or with --no-progress, nothing with --json', () => {
    expect(progressMode({}, true)).toBe('bar');
    expect(progressMode({ progress: false }, true)).toBe('lines');
    expect(progressMode({}, false)).toBe('lines');
    expect(progressMode({ json: true }, true)).toBe('off');
  });
});

describe('progress on a station that patches 20 files', () => {
  let root: string;
  let server: StaticServer;
  let url: string;
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 20; i += 1) files[`lib-${i}.jar`] = bytesFor(`lib-${i}`, 60_000);

  beforeAll(async () => {
    root = await tempDir('rcu-progress-root-');
    await publish(root, '1.0.0', { 'registration-client-1.0.0.jar': bytesFor('c', 1000), ...files });
    server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
    url = `${server.url}registration-client/`;
  });
  afterAll(async () => {
    await server.close();
  });

  const brokenStation = async (): Promise<string> => {
    const client = path.join(await tempDir('rcu-progress-client-'), 'station');
    await installStation(root, '1.0.0', client);
    const { rm } = await import('node:fs/promises');
    for (const name of Object.keys(files)) await rm(path.join(client, 'lib', name));
    return client;
  };

  it('through a pipe: plain lines on stderr, the last one complete, no bar control characters', async () => {
    const client = await brokenStation();
    const run = await runCli(['start', '--client-dir', client, '--server-url', url]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('fetched '));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(/^fetched 20\/20 files, 1\.1 MiB of 1\.1 MiB, [\d.]+ (B|KiB|MiB|GiB)\/s$/);
    expect(run.stderr.includes('\r') || run.stderr.includes('\u001b[')).toBe(false);
    const json = await runCli(['start', '--client-dir', await brokenStation(), '--server-url', url, '--json']);
    expect(json.stderr).not.toMatch(/fetched/);
  });

  it.runIf(ptyAvailable)('in a terminal: a bar with percentage, speed and time left; --no-progress gives lines', async () => {
    const bar = await runInPty(['start', '--client-dir', await brokenStation(), '--server-url', url], '');
    expect(bar.code, bar.output).toBe(0);
    expect(bar.output).toMatch(/downloading \[.*\] 100% \| 20\/20 files \| 1\.1 MiB of 1\.1 MiB \| .*\/s \| 0:00 left/);
    const plain = await runInPty(['start', '--client-dir', await brokenStation(), '--server-url', url, '--no-progress'], '', { env: { NO_COLOR: '1' } });
    expect(plain.output).toMatch(/fetched 20\/20 files/);
    expect(plain.output).not.toMatch(/downloading \[/);
  });
});
