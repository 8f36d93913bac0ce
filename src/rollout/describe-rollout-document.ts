// A rollout document in words, for `rollout status` and the fleet page.
import { formatPercent } from './decide-rollout.js';
import type { RolloutDocument } from './rollout-document.js';

/** Lines such as `version   1.2.0.2` / `percent   10 % (pilot: 100 %)` / `paused    no`. */
export function describeRolloutDocument(doc: RolloutDocument): string {
  const channels = Object.entries(doc.channels).map(([name, share]) => `${name}: ${formatPercent(share)}`);
  return [
    `  version   ${doc.version}`,
    `  percent   ${formatPercent(doc.percent)}${channels.length === 0 ? '' : ` (${channels.join(', ')})`}`,
    `  paused    ${doc.paused ? `yes${doc.reason === undefined ? '' : `: ${doc.reason}`}` : 'no'}`,
    `  serial    ${doc.serial}`,
  ].join('\n');
}
