// The text an operator reads after a station command: what happened and what to do next.
import type { RunResult } from '../machines/run-result.js';
import { describeRollout } from '../rollout/decide-rollout.js';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Lines describing a run result for a person. */
export function formatResult(result: RunResult): string[] {
  const lines: string[] = [];
  const version = result.installedVersion ?? 'unknown version';
  if (result.patched.length > 0) {
    const reused = result.bytesReused > 0 ? `, ${bytes(result.bytesReused)} reused from the station` : '';
    lines.push(`patched ${result.patched.length} file(s), ${bytes(result.bytesFetched)} downloaded${reused}: ${result.patched.join(', ')}`);
  } else if (result.bytesFetched > 0) {
    lines.push(`${bytes(result.bytesFetched)} downloaded`);
  }
  if (result.rolledBack.length > 0) lines.push(`rolled back: ${result.rolledBack.length} file(s) restored from the backup: ${result.rolledBack.join(', ')}`);
  if (result.removed.length > 0) lines.push(`removed ${result.removed.length} file(s) not in the manifest: ${result.removed.join(', ')}`);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  if (result.error !== null) {
    lines.push(`${result.state}: ${result.error.message} [${result.error.code}, exit ${result.exitCode}]`);
    return lines;
  }
  const where = result.online === false ? ' (offline: verified against the local manifest)' : '';
  if (result.state === 'upgradeAvailable') {
    lines.push(`ready: ${version} verified${where}`);
    lines.push(`upgrade available: ${result.latestVersion ?? '?'} — run 'reg-client-upgrader upgrade' to install it`);
  } else if (result.state === 'staged') {
    lines.push(`upgrade to ${result.latestVersion ?? '?'} staged: restart the client to apply it`);
  } else if (result.command === 'upgrade' && result.state === 'ready') {
    lines.push(`already up to date: ${version} is the latest version the server announces; nothing to upgrade`);
  } else if (result.state === 'done') {
    lines.push(`upgraded to ${version}: files applied and database upgraded`);
  } else {
    lines.push(`ready: ${version} verified${where}`);
    if (result.rollout !== undefined && !result.rollout.included) lines.push(describeRollout(result.rollout));
  }
  return lines;
}
