// Asking the operator before a step that changes the installation: on a terminal a y/N question;
// without one, --yes is required (exit 64) so a script never hangs on a prompt.
import { createInterface } from 'node:readline/promises';
import { UpgradeError } from '../errors.js';

/** True when the operator agreed, false when they answered no; throws CONFIRMATION_REQUIRED (64) without a terminal. */
export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes === true) return true;
  if (!process.stdin.isTTY) {
    throw new UpgradeError('CONFIRMATION_REQUIRED', `${question} — no terminal to ask on: pass --yes to confirm`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    return answer === 'y' || answer === 'yes';
  } finally {
    rl.close();
  }
}
