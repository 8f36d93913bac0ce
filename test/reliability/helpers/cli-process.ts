// Runs the built CLI as a launcher would, and SIGKILLs it on cue: after a delay, or right after the
// Nth new line of registration.log that matches a pattern (every persisted transition logs
// `state X → Y` just before its snapshot is saved; every file step logs a line too).
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { builtCli } from './repo.js';

/** When to kill the run. */
export type KillPlan =
  | { kind: 'none' }
  | { kind: 'time'; ms: number }
  /** After the nth new log line matching `pattern` (default: any line), plus `delayMs`. */
  | { kind: 'log'; n: number; pattern?: RegExp; delayMs?: number };

/** What one run did. */
export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when this harness killed it on plan (SIGKILL). */
  killed: boolean;
  /** True when it ran past `timeoutMs` and was killed for hanging (a failure, not a planned kill). */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | undefined;
  /** New log lines seen while it ran (all of them, for kill-point statistics). */
  logLines: string[];
  durationMs: number;
}

/** A line that records a transition: `state probing → manifest on …`. */
export const TRANSITION_LINE = /"msg":"state [^"]*→/;

/** The state a run was in at its last logged transition, or undefined. */
export function lastState(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const match = /"msg":"state \S+ → (\S+)/.exec(lines[i] ?? '');
    if (match !== null) return match[1];
  }
  return undefined;
}

async function sizeOf(file: string): Promise<number> {
  return fs.stat(file).then(
    (info) => info.size,
    () => 0,
  );
}

/** Runs `node dist/src/cli/bin.js …args`, killing it per plan; `logFile` is the station's registration.log. */
export async function runCliProcess(
  args: string[],
  options: { logFile: string; plan?: KillPlan; env?: Record<string, string>; cliPath?: string; timeoutMs?: number },
): Promise<CliOutcome> {
  const plan = options.plan ?? { kind: 'none' };
  let offset = await sizeOf(options.logFile);
  const started = Date.now();
  const child = spawn(process.execPath, [options.cliPath ?? builtCli, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let killed = false;
  let timedOut = false;
  let exited = false;
  const logLines: string[] = [];
  let partial = '';
  let matched = 0;
  const kill = (): void => {
    if (exited || killed) return;
    killed = child.kill('SIGKILL');
  };
  const readLog = async (): Promise<void> => {
    const size = await sizeOf(options.logFile);
    if (size < offset) offset = 0; // replaced (never expected; be safe)
    if (size === offset) return;
    const handle = await fs.open(options.logFile, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(size - offset), 0, size - offset, offset);
      offset += bytesRead;
      const text = partial + buffer.subarray(0, bytesRead).toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        logLines.push(line);
        if (plan.kind === 'log' && !killed && (plan.pattern ?? /./).test(line)) {
          matched += 1;
          if (matched === plan.n) {
            if ((plan.delayMs ?? 0) > 0) setTimeout(kill, plan.delayMs);
            else kill();
          }
        }
      }
    } finally {
      await handle.close();
    }
  };
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = plan.kind === 'time' ? setTimeout(kill, plan.ms) : undefined;
  const guard = setTimeout(() => {
    if (exited || killed) return;
    timedOut = child.kill('SIGKILL');
  }, options.timeoutMs ?? 120_000);
  let polling = plan.kind === 'log';
  const poll = async (): Promise<void> => {
    while (polling) {
      await readLog().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const pollDone = poll();
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  });
  exited = true;
  polling = false;
  await pollDone;
  clearTimeout(timer);
  clearTimeout(guard);
  await readLog().catch(() => undefined);
  if (partial !== '') logLines.push(partial);
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { code, signal, killed: killed && signal === 'SIGKILL', timedOut, stdout, stderr, json, logLines, durationMs: Date.now() - started };
}
