// `fleet serve` and `fleet report` (DESIGN §13): the fleet service, and its summary for scripts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, redactUrl } from '../../errors.js';
import { parseDuration } from '../../fleet/parse-duration.js';
import type { CommonOptions } from '../common-options.js';
import { printJson } from '../output.js';
import { untilSignal } from '../until-signal.js';

interface FleetServeOptions extends CommonOptions {
  port: number;
  host: string;
  database?: string;
  dataDir: string;
  tokenFile?: string;
  overdueAfter: number;
  rolloutRoot?: string;
  pauseWhen?: string;
}

/** The rule `--rollout-root` pauses by when no `--pause-when` is given (issue 13's example). */
export const DEFAULT_PAUSE_RULE = 'failures>=5 || rate>=20%';

/** The `fleet` command and its two subcommands. */
export function fleetCommand(): Command {
  const fleet = new Command('fleet').description('fleet status: the service stations report to, and its summary').exitOverride();
  fleet.addCommand(
    new Command('serve')
      .description('run the fleet service: POST /fleet/v1/reports, GET /fleet/v1/stations, /fleet/v1/summary and the page /fleet/, until Ctrl-C')
      .option('--port <n>', 'TCP port (0 picks a free one)', parsePort, 8090)
      .option('--host <host>', 'interface to listen on', '127.0.0.1')
      .option('--database <url>', 'postgres://user@host/db (password from PGPASSWORD or ~/.pgpass, never here), or sqlite:<file> [REG_UPGRADER_FLEET_DATABASE]')
      .option('--data-dir <dir>', 'folder of the embedded SQLite database fleet.db, when no --database', 'fleet-data')
      .option('--token-file <file>', 'file holding the bearer token stations send [REG_UPGRADER_FLEET_TOKEN_FILE]')
      .option('--overdue-after <duration>', 'a station not heard from for this long is overdue (e.g. 3d, 12h)', parseOverdue, 3 * 86_400_000)
      .option('--rollout-root <dir>', 'the release server root whose registration-client/rollout.json the service watches: it counts stations that attempted, reached and failed each version, and pauses the rollout when --pause-when holds')
      .option('--pause-when <rule>', `when to pause the rollout, e.g. "failures>=5 || rate>=20%" (metrics failures, rate, attempted, succeeded; && binds tighter than ||; with --rollout-root, default "${DEFAULT_PAUSE_RULE}")`)
      .exitOverride()
      .action(async (_options: unknown, command: Command) => {
        await serveFleet(command.optsWithGlobals<FleetServeOptions>());
      }),
  );
  fleet.addCommand(
    new Command('report')
      .description('print the fleet summary (stations by version and state, failures of the last 24 h, overdue) and the rollout it watches, from --fleet-url')
      .exitOverride()
      .action(async (_options: unknown, command: Command) => {
        await reportFleet(command.optsWithGlobals<CommonOptions>());
      }),
  );
  return fleet;
}

async function serveFleet(options: FleetServeOptions): Promise<void> {
  const { readFleetToken } = await import('../../runner/fleet-report.js');
  const { fleetDatabaseTarget, openFleetDatabase } = await import('../../fleet/open-fleet-database.js');
  const { createTypeormFleetStore } = await import('../../fleet/typeorm-fleet-store.js');
  const { startFleetServer } = await import('../../fleet/fleet-server.js');
  const tokenFile = options.tokenFile ?? process.env.REG_UPGRADER_FLEET_TOKEN_FILE;
  if (tokenFile === undefined || tokenFile === '') {
    throw new ConfigError('CONFIG_INVALID', 'fleet serve: --token-file (or REG_UPGRADER_FLEET_TOKEN_FILE) is required: the file holding the token stations send', {
      details: { key: '--token-file' },
    });
  }
  let token: string;
  try {
    token = await readFleetToken(path.resolve(tokenFile));
  } catch (error) {
    throw new ConfigError('CONFIG_INVALID', `fleet serve: ${error instanceof Error ? error.message : String(error)}`, { cause: error, details: { key: '--token-file' } });
  }
  const rollout = await rolloutMonitorOf(options);
  const target = fleetDatabaseTarget(options.database ?? process.env.REG_UPGRADER_FLEET_DATABASE, path.resolve(options.dataDir));
  const store = createTypeormFleetStore(await openFleetDatabase(target));
  const verbose = !options.json && options.logLevel === 'debug';
  const server = await startFleetServer({
    store,
    token,
    port: options.port,
    host: options.host,
    overdueAfterMs: options.overdueAfter,
    ...(rollout === undefined ? {} : { rollout: rollout.monitor }),
    log: (line) => {
      if (verbose || line.startsWith('fleet:')) process.stderr.write(`${line}\n`);
    },
  }).catch(async (error: unknown) => {
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError('CONFIG_INVALID', `fleet serve: cannot listen on ${options.host}:${options.port} (${code ?? String(error)}); choose another --port or --host`, {
      cause: error,
      details: { host: options.host, port: options.port },
    });
  });
  const database = target.kind === 'sqlite' ? target.file : redactUrl(target.url);
  const page = new URL('fleet/', server.url).toString();
  const watching = rollout === undefined ? {} : { rolloutRoot: rollout.root, pauseWhen: rollout.rule };
  if (options.json) printJson({ command: 'fleet', url: server.url, page, database: target.kind, location: database, port: server.port, ...watching });
  else {
    const rolloutLine = rollout === undefined ? '' : `rollout: ${rollout.root} (pauses when ${rollout.rule})\n`;
    process.stdout.write(`fleet service at ${server.url} (${target.kind}: ${database})\npage: ${page}\n${rolloutLine}stations use --fleet-url ${server.url}\nCtrl-C to stop\n`);
  }
  await untilSignal();
  await server.close();
  await store.close();
}

/** `--rollout-root` and `--pause-when` → a rollout monitor, or undefined without `--rollout-root`. */
async function rolloutMonitorOf(options: FleetServeOptions) {
  if (options.rolloutRoot === undefined) {
    if (options.pauseWhen !== undefined) {
      throw new ConfigError('CONFIG_INVALID', 'fleet serve: --pause-when needs --rollout-root (the release server root whose rollout.json it pauses)', { details: { key: '--pause-when' } });
    }
    return undefined;
  }
  const root = path.resolve(options.rolloutRoot);
  if (!existsSync(path.join(root, 'registration-client'))) {
    throw new ConfigError('CONFIG_INVALID', `fleet serve: --rollout-root ${root} holds no registration-client/ folder: expected the root publish writes to`, {
      details: { key: '--rollout-root', value: root },
    });
  }
  const [{ parsePauseRule }, { createRolloutMonitor }] = await Promise.all([import('../../rollout/pause-rule.js'), import('../../server/rollout-monitor.js')]);
  const rule = parsePauseRule(options.pauseWhen ?? DEFAULT_PAUSE_RULE);
  return { root, rule: rule.text, monitor: createRolloutMonitor(root, rule) };
}

async function reportFleet(options: CommonOptions): Promise<void> {
  const { fetchFleetReport, formatFleetSummary, formatRolloutView } = await import('../../fleet/fleet-client.js');
  const url = (options.fleetUrl as string | undefined) ?? process.env.REG_UPGRADER_FLEET_URL;
  if (url === undefined || url === '') {
    throw new ConfigError('CONFIG_INVALID', 'fleet report: --fleet-url (or REG_UPGRADER_FLEET_URL) is required: the fleet service base URL', {
      details: { key: '--fleet-url' },
    });
  }
  const { summary, rollout } = await fetchFleetReport(url);
  if (options.json) printJson({ command: 'fleet', ...summary, rollout });
  else for (const line of [...formatFleetSummary(summary), ...formatRolloutView(rollout)]) process.stdout.write(`${line}\n`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected a port number 0–65535');
  return port;
}

function parseOverdue(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 3d, 12h, 30m or 90s');
  return ms;
}
