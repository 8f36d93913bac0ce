// `publish <version> <libDir> --out <root>`: lays a release out for the upgrade server (DESIGN §9).
import path from 'node:path';
import { Command } from 'commander';
import type { CommonOptions } from '../common-options.js';
import { printJson } from '../output.js';
import { parsePercent } from './rollout.js';

interface PublishCliOptions extends CommonOptions {
  out: string;
  signKey?: string;
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
    .option('--rollout-percent <n>', 'start a new version at this share of stations (rollout.json; default 100 when the server has a rollout document, none otherwise)')
    // addCommand does not inherit the program's exitOverride: parse errors must reach runCli (exit 64)
    .exitOverride()
    .action(async (version: string, libDir: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<PublishCliOptions>();
      const { publishRelease } = await import('../../server/publish.js');
      const rolloutPercent = options.rolloutPercent === undefined ? undefined : parsePercent(options.rolloutPercent, '--rollout-percent');
      const result = await publishRelease({
        version,
        libDir: path.resolve(libDir),
        outRoot: path.resolve(options.out),
        signKeyPath: options.signKey,
        rolloutPercent,
      });
      const bytes = result.files.reduce((sum, file) => sum + file.size, 0);
      if (options.json) {
        printJson({
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

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit] ?? 'TiB'}`;
}
