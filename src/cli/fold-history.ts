// `history` for a support engineer: one line per run (command, start, outcome, exit code), its
// transitions folded under it. Pure: it only regroups the state database's transition records.
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import type { TransitionRecord } from '../persistence/index.js';

/** One run of the upgrader and what it went through, oldest transition first. */
export interface HistoryRun {
  runId: string;
  command: string;
  startedAt: string;
  endedAt: string;
  /** The state the run ended in (its last transition). */
  outcome: string;
  /** The exit code that state stands for (DESIGN §7); null while the run's end is not recorded. */
  exitCode: number | null;
  error: { code: string; message: string } | null;
  transitions: TransitionRecord[];
}

const RESTING = new Set(['ready', 'upgradeAvailable', 'staged', 'done', 'failed']);

/** Groups transition records (any order) into runs, newest run first. */
export function foldHistory(records: readonly TransitionRecord[]): HistoryRun[] {
  const byRun = new Map<string, TransitionRecord[]>();
  for (const record of [...records].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0) || a.at.localeCompare(b.at))) {
    const list = byRun.get(record.runId) ?? [];
    list.push(record);
    byRun.set(record.runId, list);
  }
  const runs = [...byRun.entries()].map(([runId, transitions]): HistoryRun => {
    const first = transitions[0] as TransitionRecord;
    const last = transitions.at(-1) as TransitionRecord;
    const detail = (last.detail ?? {}) as { error?: { code: string; message: string } | null };
    const error = detail.error ?? null;
    const exitCode = !RESTING.has(last.to) ? null : error !== null && error.code in ERROR_CODES ? ERROR_CODES[error.code as ErrorCode] : last.to === 'staged' ? 10 : 0;
    return { runId, command: first.command, startedAt: first.at, endedAt: last.at, outcome: last.to, exitCode, error, transitions };
  });
  return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
