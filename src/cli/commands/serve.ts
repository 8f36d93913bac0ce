// `serve <root>`: the embedded static server (DESIGN §9), for demos and trying a release locally.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../../errors.js';
import type { CommonOptions } from '../common-options.js';
import { printJson } from '../output.js';
import { untilSignal } from '../until-signal.js';

interface ServeOptions extends CommonOptions {
  port: number;
  host: string;
}

/** The `serve` command: serves a publish root over HTTP until SIGINT/SIGTERM. */
export function serveCommand(): Command {
  return new Command('serve')
    .description('serve published releases over HTTP (Range, ETag), until Ctrl-C')
    .argument('<root>', 'folder to serve: the --out root of publish')
    .option('--port <n>', 'TCP port (0 picks a free one)', parsePort, 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    // addCommand does not inherit the program's exitOverride: parse errors must reach runCli (exit 64)
    .exitOverride()
    .action(async (root: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals<ServeOptions>();
      await serve(path.resolve(root), options);
    });
}

async function serve(root: string, options: ServeOptions): Promise<void> {
  const stats = await fs.stat(root).catch(() => undefined);
  if (!stats?.isDirectory()) {
    throw new ConfigError('CONFIG_INVALID', `serve: ${root} is not a folder; pass the --out root of publish`, {
      details: { root },
    });
  }
  const verbose = !options.json && (options.logLevel === 'info' || options.logLevel === 'debug');
  // Imported here: every other command (the launch above all) would load the HTTP server for nothing.
  const { startStaticServer } = await import('../../server/serve.js');
  const server = await startStaticServer({
    root,
    port: options.port,
    host: options.host,
    log: verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
    throw new ConfigError('CONFIG_INVALID', `serve: cannot listen on ${options.host}:${options.port} (${code}); choose another --port or --host`, {
      cause: error,
      details: { host: options.host, port: options.port },
    });
  });
  const clientUrl = new URL('registration-client/', server.url).toString();
  if (options.json) {
    printJson({ command: 'serve', url: server.url, clientUrl, root, port: server.port });
  } else {
    process.stdout.write(`serving ${root} at ${server.url}\nclients use --server-url ${clientUrl}\nCtrl-C to stop\n`);
  }
  await untilSignal();
  await server.close();
}


function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number 0–65535');
  return port;
}
