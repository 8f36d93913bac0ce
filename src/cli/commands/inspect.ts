// The inspector on the command line (DESIGN §11): `--inspect[=port]` serves the live page while a
// cycle command runs, and `inspect` serves the replay of a station's persisted state and history.
import { existsSync, promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import type { LiveInspector } from '../../inspector/live-inspector.js';
import type { InspectorEntry } from '../../inspector/inspector-session.js';
import type { ReplayData } from '../../inspector/replay-inspector.js';
import type { RunResult } from '../../machines/run-result.js';
import type { CommonOptions } from '../common-options.js';
import { printJson } from '../output.js';
import { untilSignal } from '../until-signal.js';

/** Port of the inspector when `--inspect` or `inspect` is given without one. */
export const DEFAULT_INSPECT_PORT = 5940;

/** `--inspect` → 5940, `--inspect 0` → 0 (ephemeral), absent → undefined; anything else is a usage error. */
export function parseInspectPort(value: string | boolean | undefined, flag = '--inspect'): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_INSPECT_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new ConfigError('CONFIG_INVALID', `${flag}: '${value}' is not a port number; give 0–65535 (0 picks a free port)`, {
      details: { key: flag, value },
    });
  }
  return port;
}

/** `--host`: an IP address (`[::1]` brackets allowed) or a host name; anything else is a usage error. */
export function parseInspectHost(value: string): string {
  const host = /^\[.*\]$/.test(value) ? value.slice(1, -1) : value;
  const label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
  if (isIP(host) === 0 && !(host.length <= 253 && new RegExp(`^${label}(?:\\.${label})*$`).test(host))) {
    throw new ConfigError('CONFIG_INVALID', `--host: '${value}' is not an IP address or host name; give e.g. 127.0.0.1 (default), ::1 or 0.0.0.0`, {
      details: { key: '--host', value },
    });
  }
  return host;
}

function listenError(error: unknown, port: number, host = '127.0.0.1'): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    throw new ConfigError('CONFIG_INVALID', `--host: cannot listen on ${host} (${code}): not an address of this machine`, {
      cause: error,
      details: { key: '--host', host },
    });
  }
  if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
  throw new ConfigError('CONFIG_INVALID', `inspector: cannot listen on ${host}:${port} (${code}); choose another port (0 picks a free one)`, {
    cause: error,
    details: { port },
  });
}

/** Starts the live inspector when `--inspect` is given (for `start`, `upgrade`…); prints its URL on stderr. */
export async function startCycleInspector(options: CommonOptions): Promise<LiveInspector | undefined> {
  // --inspect-wait alone means "inspect on the default port and wait".
  const port = parseInspectPort(options.inspect ?? (options.inspectWait === true ? true : undefined));
  if (port === undefined) return undefined;
  // Loaded on use: a run without --inspect never pays for the chart, the machine or the page.
  const { startLiveInspector } = await import('../../inspector/live-inspector.js');
  const { stationMachine } = await import('../../machines/station-machine.js');
  const { summarizeContext } = await import('../../runner/run-machine.js');
  const inspector = await startLiveInspector({
    port,
    machine: stationMachine,
    summarize: summarizeContext,
    title: path.resolve(options.clientDir),
  }).catch((error: unknown) => listenError(error, port));
  process.stderr.write(`inspector: ${inspector.url}\n`);
  return inspector;
}

/** Tells the page the run ended; with `--inspect-wait` keeps serving until Ctrl-C, then closes. */
export async function finishCycleInspector(inspector: LiveInspector, options: CommonOptions, result: RunResult): Promise<void> {
  const error = result.error === null ? '' : ` · ${result.error.code}: ${result.error.message}`;
  inspector.finish(`${result.state} · exit ${result.exitCode}${error}`);
  if (options.inspectWait === true) {
    process.stderr.write(`inspector: run ended, still serving ${inspector.url} — Ctrl-C to stop\n`);
    await untilSignal();
  }
  await inspector.close();
}

/** Reads what the replay shows from `.upgrade/state.db`: the persisted state and the whole log, oldest first. */
export async function loadStationReplay(clientDir: string): Promise<ReplayData> {
  const { stationPaths } = await import('../../runner/station-services-impl.js');
  const { openSqliteSnapshotStore } = await import('../../persistence/index.js');
  const { MACHINE_VERSION } = await import('../../machines/station-machine.js');
  const { topLevelState } = await import('../../inspector/statechart.js');
  const stateDb = stationPaths(clientDir).stateDb;
  if (!existsSync(stateDb)) return { current: null, entries: [], note: 'no history: the upgrader has not run on this station yet' };
  const store = await openSqliteSnapshotStore(stateDb, { readOnly: true });
  try {
    const persisted = await store.load();
    const records = await store.history({ order: 'oldest' });
    const entries = records.map(
      (record, i): InspectorEntry => ({
        seq: record.seq ?? i + 1,
        at: record.at,
        from: record.from,
        to: record.to,
        event: record.event,
        runId: record.runId,
        command: record.command,
        detail: record.detail ?? null,
      }),
    );
    const last = entries.at(-1)?.to ?? null;
    if (persisted === undefined) return { current: last, entries, note: null };
    if (persisted.machineVersion !== MACHINE_VERSION) {
      return { current: last, entries, note: `state saved by machine ${persisted.machineVersion}; this build is ${MACHINE_VERSION}` };
    }
    const snapshot = persisted.snapshot as { value?: unknown };
    return { current: topLevelState(snapshot.value) ?? last, entries, note: null };
  } finally {
    await store.close();
  }
}


interface InspectOptions extends CommonOptions {
  port: string;
  host: string;
  export?: string;
}

/** The station folder, or a usage error naming it. */
async function stationFolder(options: CommonOptions): Promise<string> {
  const clientDir = path.resolve(options.clientDir);
  const stats = await fs.stat(clientDir).catch(() => undefined);
  if (!stats?.isDirectory()) {
    throw new ConfigError('CONFIG_INVALID', `inspect: ${clientDir} is not a folder; pass the station with --client-dir`, {
      details: { clientDir },
    });
  }
  return clientDir;
}

async function serveReplay(options: InspectOptions): Promise<void> {
  const port = parseInspectPort(options.port, '--port') ?? DEFAULT_INSPECT_PORT;
  const host = parseInspectHost(options.host);
  const clientDir = await stationFolder(options);
  const { startReplayInspector } = await import('../../inspector/replay-inspector.js');
  const { stationMachine } = await import('../../machines/station-machine.js');
  const server = await startReplayInspector({
    port,
    host,
    machine: stationMachine,
    title: clientDir,
    load: () => loadStationReplay(clientDir),
  }).catch((error: unknown) => listenError(error, port, host));
  if (!/^(127\.|::1$|localhost$)/.test(host)) {
    process.stderr.write(`inspector: listening on ${host}: anyone who reaches this machine on port ${server.port} sees the station's history\n`);
  }
  process.stderr.write(`inspector: ${server.url}\n`);
  if (options.json === true) printJson({ command: 'inspect', url: server.url, host, port: server.port, clientDir });
  else process.stderr.write('Ctrl-C to stop\n');
  await untilSignal();
  await server.close();
}

/** `inspect --export FILE.html`: the replay as one file that opens from disk, no server, no network. */
async function exportReplay(options: InspectOptions & { export: string }): Promise<void> {
  const clientDir = await stationFolder(options);
  const file = path.resolve(options.export);
  const { renderReplayExport } = await import('../../inspector/replay-inspector.js');
  const { stationMachine } = await import('../../machines/station-machine.js');
  const data = await loadStationReplay(clientDir);
  const html = await renderReplayExport({ machine: stationMachine, title: clientDir, data });
  const partial = `${file}.${process.pid}.partial`;
  try {
    await fs.writeFile(partial, html, { mode: 0o644 });
    await fs.rename(partial, file);
  } catch (error) {
    await fs.rm(partial, { force: true });
    throw new ConfigError('CONFIG_INVALID', `--export: cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); give a file in an existing, writable folder`, {
      cause: error,
      details: { key: '--export', file },
    });
  }
  const bytes = Buffer.byteLength(html);
  if (options.json === true) {
    printJson({ command: 'inspect', exported: file, clientDir, transitions: data.entries.length, current: data.current, bytes });
  } else {
    process.stdout.write(`wrote ${file} (${data.entries.length} transitions, ${Math.ceil(bytes / 1024)} KiB): open it in a browser, or send it to support\n`);
  }
}

/** The `inspect` command: serves the station's replay page until Ctrl-C, or exports it as one file. */
export function inspectCommand(): Command {
  return new Command('inspect')
    .description("serve the inspector page for this station's persisted state and history (offline page) until Ctrl-C, or --export it as one HTML file")
    .option('--port <n>', 'TCP port (0 picks a free one)', String(DEFAULT_INSPECT_PORT))
    .option('--host <host>', 'interface to listen on; 0.0.0.0 shows the station to the network', '127.0.0.1')
    .option('--export <file.html>', 'write the replay as one self-contained HTML file (no server, opens from disk) instead of serving it')
    .addHelpText('after', `
Without --export it serves http://127.0.0.1:5940/ until Ctrl-C; --host 0.0.0.0 --port 8080 serves
on every interface (anyone who reaches the machine sees the station's history).
--export writes one HTML file holding the chart, the history and the page's script: it opens from
disk with no server and makes no request; URL credentials are removed, as in history --json.
--export with --port or --host is a usage error (exit 64): nothing is served.
--json prints {schemaVersion, command, url, host, port, clientDir} once serving, or with --export
{schemaVersion, command, exported, clientDir, transitions, current, bytes}.`)
    // addCommand does not inherit the program's exitOverride: parse errors must reach runCli (exit 64)
    .exitOverride()
    .action(async (_options: unknown, command: Command) => {
      const options = command.optsWithGlobals<InspectOptions>();
      if (options.export === undefined) return serveReplay(options);
      // A flag that would change nothing is a mistake the operator should hear about, not one to ignore.
      const serving = ['port', 'host'].filter((name) => command.getOptionValueSource(name) === 'cli');
      if (serving.length > 0) {
        const flags = serving.map((name) => `--${name}`).join(' and ');
        throw new ConfigError('CONFIG_INVALID', `inspect: ${flags} only apply when serving the page; --export writes a file and serves nothing — drop ${flags}, or drop --export`, {
          details: { key: serving.map((name) => `--${name}`).join(','), export: options.export },
        });
      }
      await exportReplay({ ...options, export: options.export });
    });
}
