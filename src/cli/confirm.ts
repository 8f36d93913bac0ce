// Asking the operator before a step that changes the installation: on a terminal a y/N question;
// without one, --yes is required (exit 64) so a script never hangs on a prompt.
import { createInterface } from 'node:readline/promises';
import { UpgradeError } from '../errors.js';

/** Resolves when the operator agreed; throws CONFIRMATION_REQUIRED (64) when they cannot or did not. */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes === true) return;
  if (!process.stdin.isTTY) {
    throw new UpgradeError('CONFIRMATION_REQUIRED', `${question} — no terminal to ask on: pass --yes to confirm`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new UpgradeError('CONFIRMATION_REQUIRED', 'not confirmed: nothing was changed');
  } finally {
    rl.close();
  }
}
