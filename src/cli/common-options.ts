// The flags every command shares (DESIGN §8), declared once.
import { Option, type Command } from 'commander';

/** Flags common to every command, as parsed by commander. */
export interface CommonOptions {
  clientDir: string;
  serverUrl?: string;
  offline?: boolean;
  json?: boolean;
  yes?: boolean;
  inspect?: string | boolean;
  inspectWait?: boolean;
  logLevel: string;
  publicKey?: string;
  allowDowngrade?: boolean;
}

/** Adds the common flags to a command. */
export function addCommonOptions(command: Command): Command {
  return command
    .option('--client-dir <dir>', 'registration client installation folder', process.cwd())
    .option('--server-url <url>', 'upgrade server base URL, ending at …/registration-client/ (overrides mosip.reg.client.url)')
    .option('--offline', 'skip the network: verify against the local manifest only')
    .option('--json', 'print one JSON object with the result instead of text')
    .option('--yes', 'do not ask for confirmation')
    .option('--inspect [port]', 'serve the live inspector page on 127.0.0.1 (default port 5940)')
    .option('--inspect-wait', 'keep the inspector page up after the run until Ctrl-C')
    .addOption(
      new Option('--log-level <level>', 'log detail in registration.log and on stderr')
        .choices(['error', 'warn', 'info', 'debug'])
        .default('info'),
    )
    .option('--public-key <pem>', 'require manifests signed by this RSA public key (PEM file)')
    .option('--allow-downgrade', 'allow a version older than the installed one');
}
