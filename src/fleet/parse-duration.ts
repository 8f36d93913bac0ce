// `--overdue-after 3d`: a duration as people write it.

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `45s`, `30m`, `12h`, `3d` (or bare milliseconds) → ms; undefined when it is none of these. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (match?.[1] === undefined) return undefined;
  const ms = Number(match[1]) * (UNITS[(match[2] ?? 'ms').toLowerCase()] ?? 1);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : undefined;
}
