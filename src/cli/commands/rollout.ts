// `reg-client-upgrader rollout set|pause|resume|status <root>`: the release engineer's staged
// rollout (DESIGN §13), one rollout.json beside maven-metadata.xml on the static server.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError, UpgradeError } from '../../errors.js';
import type { CommonOptions } from '../common-options.js';
import { printJson } from '../output.js';

interface RolloutCliOptions extends CommonOptions {
  percent?: string;
  channelShare?: string[];
  signKey?: string;
  reason?: string;
}

/** `--percent 12.5` → 12.5; anything outside 0–100 is a usage error (64). */
export function parsePercent(text: string, flag: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new UpgradeError('USAGE', `${flag} ${JSON.stringify(text)}: expected a number from 0 to 100`, { details: { flag, value: text } });
  }
  return value;
}

/** `--channel-share pilot=100` (repeatable) → `{pilot: 100}`. */
export function parseChannels(values: string[]): Record<string, number> {
  const channels: Record<string, number> = {};
  for (const value of values) {
    const match = /^([A-Za-z0-9][A-Za-z0-9._-]{0,99})=(.+)$/.exec(value);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new UpgradeError('USAGE', `--channel-share ${JSON.stringify(value)}: expected name=percent, e.g. pilot=100`, { details: { flag: '--channel-share', value } });
    }
    channels[match[1]] = parsePercent(match[2], `--channel-share ${match[1]}`);
  }
  return channels;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

async function server() {
  const [files, signing] = await Promise.all([import('../../server/rollout-file.js'), import('../../server/sign-manifest.js')]);
  return { ...files, loadSigningKey: signing.loadSigningKey };
}

async function printRollout(root: string, json: boolean | undefined, written: boolean): Promise<void> {
  const { readRolloutFile, rolloutPaths } = await server();
  const file = await readRolloutFile(root);
  const paths = rolloutPaths(root);
  if (json === true) {
    printJson(file === undefined ? { command: 'rollout', file: paths.document, rollout: null } : { command: 'rollout', file: paths.document, rollout: file.document, signed: file.signed });
    return;
  }
  if (file === undefined) {
    process.stdout.write(`no ${paths.document}: every announced version is offered to every station (100 %)\n`);
    return;
  }
  const { describeRolloutDocument } = await import('../../rollout/describe-rollout-document.js');
  const head = written ? 'wrote' : 'rollout';
  process.stdout.write(`${head} ${paths.document}${file.signed ? ' (signed)' : ' (unsigned)'}\n${describeRolloutDocument(file.document)}\n`);
}

function withCommon(command: Command): Command {
  // addCommand does not inherit the program's exitOverride: parse errors must reach runCli (exit 64)
  return command.exitOverride();
}

/** The `rollout` command and its four subcommands. */
export function rolloutCommand(): Command {
  const rollout = withCommon(
    new Command('rollout').description('staged rollout: offer the announced version to a share of stations (rollout.json beside maven-metadata.xml)'),
  );
  rollout.addCommand(
    withCommon(new Command('set'))
      .description('offer <version> to --percent of stations (a new serial; the rest wait); a paused rollout stays paused')
      .argument('<root>', 'server root (as publish --out): writes <root>/registration-client/rollout.json')
      .argument('<version>', 'a published version, e.g. 1.2.0.2')
      .requiredOption('--percent <n>', 'share of stations offered the version, 0–100')
      .option('--channel-share <name=percent>', 'a channel (reg.upgrader.channel) with a higher share, e.g. pilot=100; repeatable; replaces the channels', collect)
      .option('--sign-key <pem>', 'sign rollout.json with this RSA private key (rollout.json.sig), as publish signs MANIFEST.MF')
      .action(async (root: string, version: string, _options: unknown, command: Command) => {
        const options = command.optsWithGlobals<RolloutCliOptions>();
        const percent = parsePercent(options.percent ?? '', '--percent');
        const channels = options.channelShare === undefined ? undefined : parseChannels(options.channelShare);
        const { updateRolloutFile, requireSigningToWiden, rolloutPaths, loadSigningKey } = await server();
        const paths = rolloutPaths(root);
        if (!existsSync(path.join(paths.serverDir, version, 'MANIFEST.MF'))) {
          throw new ConfigError('CONFIG_INVALID', `rollout set: ${version} is not published under ${paths.serverDir} (no ${version}/MANIFEST.MF); publish it first`, {
            details: { version, root: paths.serverDir },
          });
        }
        const signKey = options.signKey === undefined ? undefined : await loadSigningKey(options.signKey);
        await updateRolloutFile(
          root,
          (current) => {
            const same = current?.document.version === version ? current.document : undefined;
            const next = { version, percent, paused: same?.paused ?? false, channels: channels ?? same?.channels ?? {}, ...(same?.reason === undefined ? {} : { reason: same.reason }) };
            requireSigningToWiden(current, next, signKey, paths.document);
            return next;
          },
          { signKey },
        );
        await printRollout(root, options.json, true);
      }),
  );
  rollout.addCommand(
    withCommon(new Command('pause'))
      .description('offer the rollout\'s version to no further station (honoured by stations even unsigned); stations already upgrading finish')
      .argument('<root>', 'server root (as publish --out)')
      .option('--reason <text>', 'why, shown by rollout status and the fleet page')
      .option('--sign-key <pem>', 'sign rollout.json with this RSA private key')
      .action(async (root: string, _options: unknown, command: Command) => {
        const options = command.optsWithGlobals<RolloutCliOptions>();
        const { updateRolloutFile, rolloutPaths, loadSigningKey } = await server();
        const signKey = options.signKey === undefined ? undefined : await loadSigningKey(options.signKey);
        await updateRolloutFile(
          root,
          (current) => {
            if (current === undefined) throw noRollout(rolloutPaths(root).document, 'pause');
            const { serial: _serial, ...document } = current.document;
            return { ...document, paused: true, ...(options.reason === undefined ? {} : { reason: options.reason }) };
          },
          { signKey },
        );
        await printRollout(root, options.json, true);
      }),
  );
  rollout.addCommand(
    withCommon(new Command('resume'))
      .description('offer the rollout\'s version again to its share of stations (a human decision; needs --sign-key when stations check signatures)')
      .argument('<root>', 'server root (as publish --out)')
      .option('--sign-key <pem>', 'sign rollout.json with this RSA private key')
      .action(async (root: string, _options: unknown, command: Command) => {
        const options = command.optsWithGlobals<RolloutCliOptions>();
        const { updateRolloutFile, requireSigningToWiden, rolloutPaths, loadSigningKey } = await server();
        const file = rolloutPaths(root).document;
        const signKey = options.signKey === undefined ? undefined : await loadSigningKey(options.signKey);
        await updateRolloutFile(
          root,
          (current) => {
            if (current === undefined) throw noRollout(file, 'resume');
            const { serial: _serial, reason: _reason, ...document } = current.document;
            const next = { ...document, paused: false };
            requireSigningToWiden(current, next, signKey, file);
            return next;
          },
          { signKey },
        );
        await printRollout(root, options.json, true);
      }),
  );
  rollout.addCommand(
    withCommon(new Command('status'))
      .description('print the rollout document: version, percent, channels, paused and why, serial, signed')
      .argument('<root>', 'server root (as publish --out)')
      .action(async (root: string, _options: unknown, command: Command) => {
        await printRollout(root, command.optsWithGlobals<RolloutCliOptions>().json, false);
      }),
  );
  return rollout;
}

function noRollout(file: string, verb: string): ConfigError {
  return new ConfigError('CONFIG_INVALID', `rollout ${verb}: there is no ${file}; start one with rollout set <root> <version> --percent N`, { details: { file } });
}
