// Start-up overhead: a no-op `start` on a verified station (server unreachable, offline, and online
// against a server with nothing to do) against `node -e 0`, the floor of any Node program.
import net from 'node:net';
import path from 'node:path';
import { startBenchServer } from '../bench-server.js';
import { cliCommand, sec, show, times, wallCpu, type BenchContext, type SectionResult } from '../context.js';
import { createStation, fileSpecs, remove } from '../fixtures.js';
import { publishRelease } from '../../src/server/publish.js';
import { sideBySide, timeCommand, type CommandLine, type ToolMedian } from '../measure.js';

/** CPU seconds of `ours` above `base` (wall when CPU was not measured). */
function cpuAbove(ours: ToolMedian, base: ToolMedian): string {
  return ours.cpuMs === undefined || base.cpuMs === undefined ? `${sec(ours.ms - base.ms)} (wall)` : sec(ours.cpuMs - base.cpuMs);
}

const FILES = 10;

/** A loopback URL on which nothing listens (a port taken and released): connections are refused. */
async function unreachableUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/registration-client/`;
}

/** The start-up section. */
export async function benchStartup(ctx: BenchContext): Promise<SectionResult> {
  const dir = path.join(ctx.work, 'startup');
  const station = path.join(dir, 'station');
  const files = fileSpecs('lib', Array.from({ length: FILES }, () => 64 * 1024));
  await createStation(station, '1.0.0', files);
  await publishRelease({ unchecked: true, version: '1.0.0', libDir: path.join(station, 'lib'), outRoot: path.join(dir, 'server') });
  const server = await startBenchServer(ctx.benchDir, path.join(dir, 'server'));
  try {
    const node = { cmd: process.execPath, args: ['-e', '0'] };
    const version = cliCommand(ctx, ['--version']);
    const offline = cliCommand(ctx, ['start', '--offline', '--json', '--client-dir', station]);
    const online = cliCommand(ctx, ['start', '--json', '--client-dir', station, '--server-url', `${server.directUrl}registration-client/`]);
    const unreachable = cliCommand(ctx, ['start', '--json', '--client-dir', station, '--server-url', await unreachableUrl()]);
    // What the two heaviest libraries of a run cost just to load (resolved from the repository).
    const repo = path.resolve(ctx.benchDir, '../..');
    const load = (name: string): CommandLine => ({ cmd: process.execPath, args: ['--input-type=module', '-e', `await import("${name}")`], cwd: repo });
    ctx.log('startup: node -e 0, --version, start (server unreachable), start --offline, start, import typeorm, import got');
    const m = await sideBySide(ctx.runs, {
      node: () => timeCommand(node),
      version: () => timeCommand(version),
      unreachable: () => timeCommand(unreachable),
      offline: () => timeCommand(offline),
      online: () => timeCommand(online),
      typeorm: () => timeCommand(load('typeorm')),
      got: () => timeCommand(load('got')),
    });
    ctx.log(`startup: node ${wallCpu(m.node)}, --version ${wallCpu(m.version)}, unreachable ${wallCpu(m.unreachable)}, offline ${wallCpu(m.offline)}, online ${wallCpu(m.online)}`);
    const row = (measure: string, ours: { ms: number; cpuMs: number | undefined }, goal?: number): SectionResult['rows'][number] => ({
      measure,
      ours: `${wallCpu(ours)}, +${sec(ours.ms - m.node.ms)}`,
      baseline: `${wallCpu(m.node)} node -e 0`,
      ratio: times(ours.ms / m.node.ms),
      goal: goal === undefined ? '' : `≤ ${goal}×`,
      met: goal === undefined ? undefined : ours.ms / m.node.ms <= goal,
    });
    return {
      title: 'Start-up overhead',
      method:
        `A verified station of ${FILES} files of 64 KiB, already at the newest version: \`start\` has nothing to do but start, lock, open its state ` +
        'database, verify, persist each transition and either find the server unreachable (connection refused: what the launcher meets on a ' +
        'station without network), skip it (`--offline`), or ask it three questions. The overhead is ours minus `node -e 0`.',
      rows: [
        row('`--version` (loading the CLI only)', m.version),
        row(`no-op \`start\` on a verified ${FILES}-file station, server unreachable`, m.unreachable, 4),
        row('no-op `start --offline` on the same station', m.offline),
        row('no-op `start` online (probe, MANIFEST.MF, maven-metadata.xml)', m.online),
        row('for reference: loading `typeorm` alone (create/migrate/read of the state database, client DB steps)', m.typeorm),
        row('for reference: loading `got` alone (HTTP client)', m.got),
      ],
      notes: [
        'CPU time is the steadier figure on a shared machine: wall time includes waiting for a core.',
        `A no-op \`start\` with the server unreachable costs ${cpuAbove(m.unreachable, m.node)} of CPU above \`node -e 0\`; loading typeorm alone would cost ${cpuAbove(m.typeorm, m.node)} and got ${cpuAbove(m.got, m.node)}. ` +
          'Neither is loaded on that path: a current state database is opened directly through better-sqlite3 (TypeORM runs only to create or migrate it, ' +
          'and for status/history), the probe finds a refused connection with a bare TCP connect before any HTTP client is made, the client ' +
          'database adapter and the services that only an upgrade or a patch needs are imported on first use, and small files are hashed on the ' +
          'main thread (the hashing threads start with the first file over 1 MiB).',
      ],
      commands: [
        { label: 'baseline', command: show(ctx, node) },
        { label: 'library load', command: show(ctx, load('typeorm')) },
        { label: 'ours', command: show(ctx, version) },
        { label: 'ours', command: `${show(ctx, unreachable)}  # a loopback port nothing listens on` },
        { label: 'ours', command: show(ctx, offline) },
        { label: 'ours', command: show(ctx, online) },
      ],
    };
  } finally {
    await server.close();
    await remove(dir);
  }
}
