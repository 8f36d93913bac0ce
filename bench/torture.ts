// `npm run torture [-- --seed N --iterations N --server node|nginx|both --workers N --hang-budget S --json]`:
// hundreds of SIGKILLs of `start`, `upgrade` and `rollback` at random instants and right after
// transitions, with the station's invariants checked after every run (test/reliability/torture).
// Exit 0 when no invariant was violated, 1 otherwise.
import { parseArgs } from 'node:util';
import { runTorture, type TortureReport } from '../test/reliability/torture/engine.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '20261127' },
    iterations: { type: 'string', default: '320' },
    server: { type: 'string', default: 'both' },
    workers: { type: 'string', default: '2' },
    size: { type: 'string', default: String(192 * 1024) },
    'hang-budget': { type: 'string', default: '120' },
    json: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

function whole(name: string, text: string | undefined, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`--${name}: expected a whole number ≥ ${min}, got ${String(text)}\n`);
    process.exit(64);
  }
  return value;
}

const seed = whole('seed', values.seed, 0);
const iterations = whole('iterations', values.iterations, 1);
const workers = whole('workers', values.workers, 1);
const size = whole('size', values.size, 1024);
const hangBudgetMs = whole('hang-budget', values['hang-budget'], 1) * 1000;
const servers = values.server === 'both' ? (['node', 'nginx'] as const) : values.server === 'nginx' ? (['nginx'] as const) : (['node'] as const);
if (!['node', 'nginx', 'both'].includes(values.server)) {
  process.stderr.write(`--server: expected node, nginx or both, got ${values.server}\n`);
  process.exit(64);
}

const started = Date.now();
const log = (line: string): void => {
  if (!values.quiet) process.stderr.write(`[torture ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
};

function table(title: string, counts: Record<string, number>): string {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return `${title}\n${rows.map(([k, v]) => `  ${String(v).padStart(5)}  ${k}`).join('\n')}`;
}

function summary(report: TortureReport): string {
  return [
    `server ${report.server}, seed ${report.seed}: ${report.kills} kills in ${report.runs} runs, ${report.violations.length} invariant violations, ${(report.durationMs / 1000).toFixed(0)} s`,
    table('cycles completed', report.cycles),
    table('kills by command', report.killsByCommand),
    table('kills by plan', report.killsByPlan),
    table('kills by state (last transition before the kill)', report.killsByState),
    table('exit codes of runs not killed', report.exitCodes),
    ...report.violations.slice(0, 50).map((v) => `VIOLATION ${v}`),
  ].join('\n');
}

const reports: TortureReport[] = [];
for (const server of servers) {
  const share = Math.ceil(iterations / servers.length);
  log(`${server}: ${share} kills, seed ${seed}, ${workers} worker(s)`);
  reports.push(await runTorture({ seed, kills: share, server, workers, size, hangBudgetMs, log }));
}
if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
else process.stdout.write(`${reports.map(summary).join('\n\n')}\n`);
process.exit(reports.some((r) => r.violations.length > 0) ? 1 : 0);
