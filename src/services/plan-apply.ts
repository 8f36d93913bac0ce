// Decide, then do: which files the staged release replaces, adds and deletes in lib/. Pure.
import type { Manifest } from '../formats/manifest.js';

/** One step of applying a staged release; `commit` (write MANIFEST.MF) is always last. */
export type ApplyStep =
  | { op: 'replace' | 'add'; name: string; hash: string }
  | { op: 'delete'; name: string }
  | { op: 'commit' };

/**
 * The apply plan from the installed manifest to the new one: files whose hash changed are
 * replaced, new names added, names the new manifest no longer lists deleted — deletions after every
 * replacement and addition (a core jar is only removed once its replacement is in place), and the
 * commit last.
 */
export function planApply(installed: Manifest, next: Manifest): ApplyStep[] {
  const before = new Map(installed.entries.map((entry) => [entry.name, entry.hash.toUpperCase()]));
  const after = new Map(next.entries.map((entry) => [entry.name, entry.hash.toUpperCase()]));
  const steps: ApplyStep[] = [];
  for (const [name, hash] of [...after].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const old = before.get(name);
    if (old === undefined) steps.push({ op: 'add', name, hash });
    else if (old !== hash) steps.push({ op: 'replace', name, hash });
  }
  for (const name of [...before.keys()].sort()) {
    if (!after.has(name)) steps.push({ op: 'delete', name });
  }
  steps.push({ op: 'commit' });
  return steps;
}

/** The files a plan needs from the server (what staging must hold). */
export function filesToStage(plan: ApplyStep[]): Array<{ name: string; hash: string }> {
  return plan.flatMap((step) => (step.op === 'replace' || step.op === 'add' ? [{ name: step.name, hash: step.hash }] : []));
}
