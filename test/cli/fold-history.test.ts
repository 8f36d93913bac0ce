// history folded by run: command, start, outcome and exit code, transitions under each, newest run first.
import { describe, expect, it } from 'vitest';
import { foldHistory } from '../../src/cli/fold-history.js';
import type { TransitionRecord } from '../../src/persistence/index.js';

const record = (seq: number, runId: string, command: string, from: string | null, to: string, error: { code: string; message: string } | null = null): TransitionRecord => ({
  seq,
  at: `2026-12-02T10:00:${String(seq).padStart(2, '0')}.000Z`,
  runId,
  command,
  from,
  to,
  event: 'x',
  detail: { error },
});

describe('foldHistory', () => {
  it('groups by run, newest run first, transitions oldest first, with the outcome and its exit code', () => {
    const records = [
      record(1, 'a', 'start', null, 'probing'),
      record(2, 'a', 'start', 'probing', 'ready'),
      record(3, 'b', 'upgrade', null, 'probing'),
      record(4, 'b', 'upgrade', 'probing', 'staged'),
      record(5, 'c', 'start', null, 'probing'),
      record(6, 'c', 'start', 'probing', 'failed', { code: 'MAPPINGS_INVALID', message: 'not JSON' }),
      record(7, 'd', 'start', null, 'probing'),
      record(8, 'd', 'start', 'probing', 'dbUpgrade'),
    ].reverse();
    const runs = foldHistory(records);
    expect(runs.map((run) => [run.runId, run.command, run.outcome, run.exitCode])).toEqual([
      ['d', 'start', 'dbUpgrade', null],
      ['c', 'start', 'failed', 65],
      ['b', 'upgrade', 'staged', 10],
      ['a', 'start', 'ready', 0],
    ]);
    expect(runs[1]?.error).toEqual({ code: 'MAPPINGS_INVALID', message: 'not JSON' });
    expect(runs[3]?.transitions.map((t) => t.to)).toEqual(['probing', 'ready']);
    expect(runs[3]?.startedAt).toBe('2026-12-02T10:00:01.000Z');
  });
});
