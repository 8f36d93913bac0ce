// Start-up overhead: a no-op `start` on a verified station (offline, and online against a server
// with nothing to do) against `node -e 0`, the floor of any Node program.
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

/** The start-up section. */
export async function benchStartup(ctx: BenchContext): Promise<SectionResult> {
  const dir = path.join(ctx.work, 'startup');
  const station = path.join(dir, 'station');
  const files = fileSpecs('lib', Array.from({ length: 20 }, () => 64 * 1024));
  await createStation(station, '1.0.0', files);
  await publishRelease({ unchecked: true, version: '1.0.0', libDir: path.join(station, 'lib'), outRoot: path.join(dir, 'server') });
  const server = await startBenchServer(ctx.benchDir, path.join(dir, 'server'));
  try {
    const node = { cmd: process.execPath, args: ['-e', '0'] };
    const version = cliCommand(ctx, ['--version']);
    const offline = cliCommand(ctx, ['start', '--offline', '--json', '--client-dir', station]);
    const online = cliCommand(ctx, ['start', '--json', '--client-dir', station, '--server-url', `${server.directUrl}registration-client/`]);
    // What the two heaviest libraries of a run cost just to load (resolved from the repository).
    const repo = path.resolve(ctx.benchDir, '../..');
    const load = (name: string): CommandLine => ({ cmd: process.execPath, args: ['--input-type=module', '-e', `await import("${name}")`], cwd: repo });
    ctx.log('startup: node -e 0, --version, start --offline, start, import typeorm, import got');
    const m = await sideBySide(ctx.runs, {
      node: () => timeCommand(node),
      version: () => timeCommand(version),
      offline: () => timeCommand(offline),
      online: () => timeCommand(online),
      typeorm: () => timeCommand(load('typeorm')),
      got: () => timeCommand(load('got')),
    });
    ctx.log(`startup: node ${wallCpu(m.node)}, --version ${wallCpu(m.version)}, offline ${wallCpu(m.offline)}, online ${wallCpu(m.online)}`);
    const row = (measure: string, ours: { ms: number; cpuMs: number | undefined }): SectionResult['rows'][number] => ({
      measure,
      ours: `${wallCpu(ours)}, +${sec(ours.ms - m.node.ms)}`,
      baseline: `${wallCpu(m.node)} node -e 0`,
      ratio: times(ours.ms / m.node.ms),
      goal: '',
      met: undefined,
    });
    return {
      title: 'Start-up overhead',
      method:
        'A verified station of 20 small files (1.3 MiB), already at the newest version: `start` has nothing to do but start, lock, open its state ' +
        'database, verify, persist each transition and (online) ask the server three questions. The overhead is ours minus `node -e 0`.',
      rows: [
        row('`--version` (loading the CLI only)', m.version),
        row('no-op `start --offline` on a verified station', m.offline),
        row('no-op `start` online (probe, MANIFEST.MF, maven-metadata.xml)', m.online),
        row('of which: loading `typeorm` (state database layer)', m.typeorm),
        row('of which: loading `got` (HTTP client)', m.got),
      ],
      notes: [
        'CPU time is the steadier figure on a shared machine: wall time includes waiting for a core.',
        `A no-op \`start --offline\` costs ${cpuAbove(m.offline, m.node)} of CPU above \`node -e 0\`; loading typeorm alone costs ${cpuAbove(m.typeorm, m.node)} and got ${cpuAbove(m.got, m.node)}. ` +
          'Both are loaded by every station command (the state database is opened through TypeORM, the HTTP client is built even offline); ' +
          '`--version`, `--help` and the commands that need neither load only what they use.',
      ],
      commands: [
        { label: 'baseline', command: show(ctx, node) },
        { label: 'library load', command: show(ctx, load('typeorm')) },
        { label: 'ours', command: show(ctx, version) },
        { label: 'ours', command: show(ctx, offline) },
        { label: 'ours', command: show(ctx, online) },
      ],
    };
  } finally {
    await server.close();
    await remove(dir);
  }
}
