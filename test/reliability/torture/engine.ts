// The torture runner: drives one station through patch, upgrade and rollback cycles, SIGKILLing the
// CLI at random instants and right after random log lines (every persisted transition and every
// file step logs one), and checks the invariants after every run. Replayable from its seed.
import path from 'node:path';
import { nginxAvailable, startNginx } from '../../helpers/nginx.js';
import { serveRoot } from '../../helpers/serve-root.js';
import { runCliProcess, lastState, TRANSITION_LINE, type KillPlan } from '../helpers/cli-process.js';
import { checkInstalled, checkStation } from '../helpers/invariants.js';
import { seeded, type Random } from '../helpers/prng.js';
import { buildWorld, freshStation, OLD, stationArgs, type World } from '../helpers/world.js';
import { cyclesFrom, prepareCycle, type Cycle, type CycleStep } from './cycles.js';

/** Options of a torture run. */
export interface TortureOptions {
  seed: number;
  /** Kills to make in all; the run ends at the first cycle end after that many. */
  kills: number;
  /** Serve the releases with the fault-capable test server, or with the real nginx (limit_rate). */
  server: 'node' | 'nginx';
  /** Independent stations run side by side (seeds seed, seed+1, …). */
  workers?: number;
  /** Size of each jar (bytes): bigger means longer downloads to be killed in. */
  size?: number;
  /** At most this many kills per command before it is let finish (default 4). */
  maxKillsPerStep?: number;
  /** "No launch hangs": every run must end within this (default 120 s), else it is killed and counted a violation. */
  hangBudgetMs?: number;
  log?: (line: string) => void;
}

/** What a torture run did and found. */
export interface TortureReport {
  seed: number;
  server: string;
  kills: number;
  runs: number;
  cycles: Record<string, number>;
  killsByPlan: Record<string, number>;
  killsByCommand: Record<string, number>;
  /** The state each kill landed in (its last logged transition). */
  killsByState: Record<string, number>;
  /** Exit codes of the runs that were not killed, as `command:code`. */
  exitCodes: Record<string, number>;
  violations: string[];
  durationMs: number;
}

const bump = (counts: Record<string, number>, key: string): void => void (counts[key] = (counts[key] ?? 0) + 1);

function emptyReport(seed: number, server: string): TortureReport {
  return { seed, server, kills: 0, runs: 0, cycles: {}, killsByPlan: {}, killsByCommand: {}, killsByState: {}, exitCodes: {}, violations: [], durationMs: 0 };
}

/** Learns how long and how chatty each command is, so kills spread over its whole run. */
class Estimates {
  private readonly ms = new Map<string, number>();
  private readonly lines = new Map<string, number>();
  private readonly transitions = new Map<string, number>();
  learn(command: string, ms: number, lines: string[]): void {
    this.ms.set(command, Math.max(this.ms.get(command) ?? 0, ms));
    this.lines.set(command, Math.max(this.lines.get(command) ?? 0, lines.length));
    this.transitions.set(command, Math.max(this.transitions.get(command) ?? 0, lines.filter((l) => TRANSITION_LINE.test(l)).length));
  }
  plan(command: string, random: Random): KillPlan {
    const roll = random.next();
    if (roll < 0.3) return { kind: 'time', ms: random.int(50, Math.max(400, this.ms.get(command) ?? 2500)) };
    if (roll < 0.65) return { kind: 'log', n: random.int(1, Math.max(2, this.transitions.get(command) ?? 8)), pattern: TRANSITION_LINE, delayMs: random.pick([0, 0, 1, 5, 20]) };
    return { kind: 'log', n: random.int(1, Math.max(2, this.lines.get(command) ?? 25)), delayMs: random.pick([0, 0, 2, 10]) };
  }
}

interface WorkerContext {
  world: World;
  client: string;
  serverUrl: string;
  random: Random;
  report: TortureReport;
  estimates: Estimates;
  options: TortureOptions;
}

/** Runs one command of a cycle: killed 0…n times, then let finish; false when the cycle went wrong. */
async function runStep(ctx: WorkerContext, cycle: Cycle, step: CycleStep, label: string): Promise<boolean> {
  const { client, random, report } = ctx;
  const args = stationArgs(step.command, client, ctx.serverUrl, ['--keep-backups', '1', '--retries', '3', ...(step.args ?? [])]);
  const budget = ctx.options.hangBudgetMs ?? 120_000;
  const logFile = path.join(client, '.upgrade', 'registration.jsonl');
  const kills = random.int(0, ctx.options.maxKillsPerStep ?? 4);
  let transitions = 0;
  for (let attempt = 0; ; attempt += 1) {
    const plan = attempt < kills ? ctx.estimates.plan(step.command, random) : ({ kind: 'none' } as const);
    const run = await runCliProcess(args, { logFile, plan, timeoutMs: budget });
    report.runs += 1;
    const where = `${label} ${step.command} run ${attempt + 1} (${plan.kind === 'none' ? 'not killed' : JSON.stringify({ ...plan, pattern: undefined })})`;
    const check = await checkStation(client, cycle.allowed, cycle.versions);
    if (check.transitions < transitions) check.violations.push(`state.db lost transitions: ${check.transitions} < ${transitions}`);
    transitions = check.transitions;
    report.violations.push(...check.violations.map((v) => `${where}: ${v}`));
    if (run.timedOut) {
      report.violations.push(`${where}: no hang violated — still running after ${budget / 1000} s (killed)`);
      return false;
    }
    if (run.killed) {
      report.kills += 1;
      bump(report.killsByPlan, plan.kind === 'log' ? (plan.pattern === undefined ? 'after a log line' : 'after a transition') : 'at a random instant');
      bump(report.killsByCommand, step.command);
      bump(report.killsByState, lastState(run.logLines) ?? '(before the first transition)');
      continue;
    }
    bump(report.exitCodes, `${step.command}:${String(run.code)}`);
    if (run.code !== step.exit) {
      report.violations.push(`${where}: exit ${String(run.code)}, expected ${step.exit}: ${run.stdout.slice(0, 400)} ${run.stderr.slice(0, 400)}`);
      return false;
    }
    ctx.estimates.learn(step.command, run.durationMs, run.logLines);
    return true;
  }
}

async function runWorker(options: TortureOptions, seed: number, kills: number): Promise<TortureReport> {
  const report = emptyReport(seed, options.server);
  const started = Date.now();
  const world = await buildWorld({ size: options.size ?? 96 * 1024 });
  const client = await freshStation(world, path.join(world.dir, 'station'));
  const nginx = options.server === 'nginx' ? await startNginx({ root: world.root, limitRate: '512k' }) : undefined;
  const node = nginx === undefined ? await serveRoot(world.root, { '*': { trickle: { bytes: 8192, everyMs: 10 } } }) : undefined;
  const serverUrl = `${nginx?.url ?? node?.url ?? ''}registration-client/`;
  const ctx: WorkerContext = { world, client, serverUrl, random: seeded(seed), report, estimates: new Estimates(), options };
  let installed = OLD;
  try {
    for (let n = 1; report.kills < kills; n += 1) {
      const name = ctx.random.pick(cyclesFrom(installed));
      const cycle = await prepareCycle(name, client, installed, world, ctx.random);
      const label = `[seed ${seed}] cycle ${n} (${name}: ${cycle.note})`;
      let ok = true;
      for (const step of cycle.steps) if (ok) ok = await runStep(ctx, cycle, step, label);
      if (ok) {
        const left = await checkInstalled(client, world, cycle.finalVersion);
        report.violations.push(...left.map((v) => `${label}: ${v}`));
        installed = cycle.finalVersion;
        bump(report.cycles, name);
      } else {
        await freshStation(world, client); // start clean so one failure does not cascade
        installed = OLD;
      }
      options.log?.(`${label}: ${ok ? 'ok' : 'FAILED'} — ${report.kills} kills, ${report.violations.length} violations so far`);
    }
  } finally {
    await node?.close();
    await nginx?.stop();
  }
  report.durationMs = Date.now() - started;
  return report;
}

function merge(into: TortureReport, from: TortureReport): TortureReport {
  const add = (a: Record<string, number>, b: Record<string, number>) => {
    for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
  };
  into.kills += from.kills;
  into.runs += from.runs;
  for (const key of ['cycles', 'killsByPlan', 'killsByCommand', 'killsByState', 'exitCodes'] as const) add(into[key], from[key]);
  into.violations.push(...from.violations);
  return into;
}

/** Runs the torture with `workers` stations side by side and merges their reports. */
export async function runTorture(options: TortureOptions): Promise<TortureReport> {
  if (options.server === 'nginx' && !nginxAvailable) throw new Error('nginx is not installed (apt-get install nginx-light)');
  const workers = Math.max(1, options.workers ?? 1);
  const started = Date.now();
  const share = Math.ceil(options.kills / workers);
  const reports = await Promise.all(Array.from({ length: workers }, (_, i) => runWorker(options, options.seed + i, share)));
  const report = reports.reduce((all, one) => merge(all, one), emptyReport(options.seed, options.server));
  report.durationMs = Date.now() - started;
  return report;
}
