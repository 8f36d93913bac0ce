// `publish <version> <libDir> --out <root>`: lays a release out for the upgrade server (DESIGN §9).
import path from 'node:path';
import { Command } from 'commander';
import type { CommonOptions } from '../common-options.js';
import { formatBytes } from '../format-bytes.js';
import { printJson } from '../output.js';
import { parsePercent } from './rollout.js';

interface PublishCliOptions extends CommonOptions {
  out: string;
  signKey?: string;
  check?: boolean;
  publicKey?: string;
  allowDowngrade?: boolean;
  rolloutPercent?: string;
}

/** The `publish` command: copies libDir, writes MANIFEST.MF, reg-client.zip and maven-metadata.xml. */
export function publishCommand(): Command {
  return new Command('publish')
    .description('lay a release out for the upgrade server: lib/, MANIFEST.MF, reg-client.zip, maven-metadata.xml')
    .argument('<version>', 'release version, e.g. 1.2.0.1; re-publishing a version rewrites it (hotfix)')
    .argument('<libDir>', "folder holding the release's lib/ files (nested folders such as sql/<dbVersion>/ kept)")
    .requiredOption('--out <root>', 'server root; the release goes to <root>/registration-client/<version>/')
    .option('--sign-key <pem>', "sign MANIFEST.MF with this RSA private key (PEM): writes MANIFEST.MF.sig, the raw SHA256withRSA signature MOSIP's launcher verifies")
    .option('--check', 'run every release check and change nothing: exit 0 when the release is safe to publish, 65 (RELEASE_REFUSED) when not')
    .option('--rollout-percent <n>', 'start a new version at this share of stations (rollout.json; default 100 when the server has a rollout document, none otherwise)')
    .addHelpText(
      'after',
      `
Before anything is written, publish refuses (exit 65, RELEASE_REFUSED, one line per problem) a
release that would break stations: version mappings that are not JSON or do not list <version>,
a mapped sql/<dbVersion>/ missing or with a script that does not tokenize, an invalid setting in
its .properties files, a missing registration-client-*.jar or registration-services-*.jar, a
version older than the latest (unless --allow-downgrade), or a --sign-key that does not match
--public-key (the key stations trust) or the key the release's own properties name.

Example:
  reg-client-upgrader publish 1.2.0.2 build/lib --out /srv/upgrade --check
  reg-client-upgrader publish 1.2.0.2 build/lib --out /srv/upgrade --sign-key release-private.pem --public-key provider.pem`,
    )
    // addCommand does not inherit the program's exitOverride: parse errors must reach runCli (exit 64)
    .exitOverride()
    .action(async (version: string, libDir: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<PublishCliOptions>();
      const { checkPublish, publishRelease } = await import('../../server/publish.js');
      const { ReleaseRefusedError } = await import('../../server/check-release.js');
      const rolloutPercent = options.rolloutPercent === undefined ? undefined : parsePercent(options.rolloutPercent, '--rollout-percent');
      const publishOptions = {
        version,
        libDir: path.resolve(libDir),
        outRoot: path.resolve(options.out),
        signKeyPath: options.signKey,
        publicKeyPath: options.publicKey,
        allowDowngrade: options.allowDowngrade === true,
        rolloutPercent,
      };
      if (options.check === true) {
        const problems = await checkPublish(publishOptions);
        if (problems.length > 0) throw new ReleaseRefusedError(version, problems);
        if (options.json) printJson({ schemaVersion: 1, command: 'publish', version, checked: true, problems: [] });
        else process.stdout.write(`${version}: every release check passed; nothing was published (--check)\n`);
        return;
      }
      const result = await publishRelease(publishOptions);
      const bytes = result.files.reduce((sum, file) => sum + file.size, 0);
      if (options.json) {
        printJson({
          command: 'publish',
          version: result.version,
          releaseDir: result.releaseDir,
          files: result.files.length,
          bytes,
          manifest: result.manifestPath,
          ...(result.signaturePath === null ? {} : { signature: result.signaturePath }),
          zip: result.zipPath,
          latest: result.latest,
          ...(result.rollout === null ? {} : { rollout: result.rollout }),
        });
        return;
      }
      process.stdout.write(
        [
          `published ${result.version}: ${result.files.length} files, ${formatBytes(bytes)}`,
          `  release   ${result.releaseDir}`,
          `  manifest  ${result.manifestPath}`,
          ...(result.signaturePath === null ? [] : [`  signature ${result.signaturePath}`]),
          `  zip       ${result.zipPath}`,
          result.latest === result.version
            ? `  ${result.version} is now the latest version in maven-metadata.xml`
            : `  ${result.version} re-published in place; maven-metadata.xml still offers ${result.latest}`,
          ...(result.rollout === null
            ? []
            : [`  rollout   ${result.rollout.version} at ${result.rollout.percent} %${result.rollout.paused ? ', paused' : ''} (serial ${result.rollout.serial})`]),
          '',
        ].join('\n'),
      );
    });
}
