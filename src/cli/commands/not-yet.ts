// A command of DESIGN §8 that is not built yet says so and exits 64: no fake behaviour.
import { Command } from 'commander';
import { UpgradeError } from '../../errors.js';

/** A placeholder command whose every invocation fails with NOT_IMPLEMENTED (exit 64). */
export function notYetCommand(name: string, summary: string, args = ''): Command {
  const command = new Command(name).description(`${summary} (not available in this build yet)`);
  if (args !== '') command.arguments(args);
  return command.allowUnknownOption().action(() => {
    throw new UpgradeError('NOT_IMPLEMENTED', `'${name}' is not available in this build of reg-client-upgrader yet`);
  });
}
