// Talks to the Java bridge (java/src/regclientupgrader): one JVM per DB step, one JSON request per
// line on its stdin, one answer per line on its stdout. Secrets go only into stdin; the child's argv
// holds the classpath and the class name, its environment is the caller's.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** The bridge's main class. */
export const BRIDGE_CLASS = 'regclientupgrader.DerbyBridge';

/** How a request failed, as the bridge classified it. */
export type BridgeErrorKind =
  | 'credentials'
  | 'credentials-unreadable'
  | 'in-use'
  | 'not-found'
  | 'unreadable'
  | 'statement'
  | 'sql'
  | 'protocol'
  | 'bridge'
  /** The JVM died, timed out or never answered. */
  | 'exited';

/** A failed request: Derby's SQLSTATE and message (secrets already scrubbed by the bridge). */
export class BridgeRequestError extends Error {
  override name = 'BridgeRequestError';

  constructor(
    readonly kind: BridgeErrorKind,
    message: string,
    readonly sqlState: string | null,
    /** 0-based index of the failing statement of a `script` request. */
    readonly index: number | undefined,
  ) {
    super(message);
  }
}

/** One answer's payload (everything but id/ok). */
export type BridgeAnswer = Record<string, unknown>;

/** Options of `startBridge`. */
export interface StartBridgeOptions {
  java: string;
  /** The folder holding the compiled bridge (dist/java). */
  bridgeDir: string;
  /** Derby's jars (the station's lib/derby-*.jar). */
  derbyJars: string[];
  /** Working directory of the JVM (the client folder, as MOSIP runs). */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Longest wait for one answer; default 30 minutes (a big script on a slow disk). */
  timeoutMs?: number;
}

/** A running bridge. */
export interface DerbyBridge {
  request(op: string, fields?: Record<string, unknown>, timeoutMs?: number): Promise<BridgeAnswer>;
  /** Sends shutdown (clean Derby shutdown), waits for the JVM to exit; kills it when it does not. Idempotent. */
  close(): Promise<void>;
  /** Kills the JVM at once (Derby recovers from its log on the next boot). */
  kill(): void;
}

interface Pending {
  resolve: (answer: BridgeAnswer) => void;
  reject: (error: BridgeRequestError) => void;
  timer: NodeJS.Timeout;
}

const STDERR_KEEP = 4096;

/** Spawns the bridge JVM. Throws BridgeRequestError 'exited' when Java cannot be started. */
export function startBridge(options: StartBridgeOptions): DerbyBridge {
  const classpath = [options.bridgeDir, ...options.derbyJars].join(path.delimiter);
  const child: ChildProcessWithoutNullStreams = spawn(options.java, ['-cp', classpath, BRIDGE_CLASS], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  const defaultTimeout = options.timeoutMs ?? 30 * 60_000;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stderr = '';
  let exited: string | undefined;
  let closing: Promise<void> | undefined;

  const failAll = (why: string): void => {
    exited ??= why;
    for (const [id, entry] of pending) {
      clearTimeout(entry.timer);
      entry.reject(new BridgeRequestError('exited', why, null, undefined));
      pending.delete(id);
    }
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  child.on('error', (error) => failAll(`could not run ${options.java}: ${error.message}`));
  child.on('exit', (code, signal) => {
    const firstLine = stderr.trim().split('\n')[0] ?? '';
    failAll(`the Derby bridge (${options.java}) exited (${signal ?? `code ${code}`})${firstLine === '' ? '' : `: ${firstLine}`}`);
  });
  // A closed pipe after the JVM died is reported by 'exit'; do not crash on EPIPE.
  child.stdin.on('error', () => undefined);
  createInterface({ input: child.stdout }).on('line', (line) => {
    let answer: { id?: unknown; ok?: unknown; error?: { kind?: string; message?: string; sqlState?: string | null; index?: number } };
    try {
      answer = JSON.parse(line) as typeof answer;
    } catch {
      return; // not a protocol line (the JVM printed something); ignore
    }
    const id = typeof answer.id === 'number' ? answer.id : -1;
    const entry = pending.get(id);
    if (entry === undefined) return;
    pending.delete(id);
    clearTimeout(entry.timer);
    if (answer.ok === true) {
      entry.resolve(answer);
      return;
    }
    const error = answer.error ?? {};
    entry.reject(
      new BridgeRequestError((error.kind ?? 'bridge') as BridgeErrorKind, error.message ?? 'unknown error', error.sqlState ?? null, error.index),
    );
  });

  const request = (op: string, fields: Record<string, unknown> = {}, timeoutMs = defaultTimeout): Promise<BridgeAnswer> => {
    if (exited !== undefined) return Promise.reject(new BridgeRequestError('exited', exited, null, undefined));
    const id = nextId;
    nextId += 1;
    return new Promise<BridgeAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new BridgeRequestError('exited', `the Derby bridge did not answer ${op} within ${Math.round(timeoutMs / 1000)} s`, null, undefined));
        child.kill('SIGKILL');
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      child.stdin.write(`${JSON.stringify({ ...fields, id, op })}\n`);
    });
  };

  const waitExit = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve(true);
        return;
      }
      const timer = setTimeout(() => resolve(false), ms);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  return {
    request,
    close() {
      closing ??= (async () => {
        if (exited === undefined) {
          try {
            await request('shutdown', {}, 120_000);
          } catch {
            // The JVM is gone or stuck: the kill below ends it; Derby recovers on the next boot.
          }
          child.stdin.end();
        }
        if (!(await waitExit(30_000))) {
          child.kill('SIGKILL');
          await waitExit(10_000);
        }
      })();
      return closing;
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
