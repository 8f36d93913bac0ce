// Runs the built CLI in a real pseudo-terminal (util-linux `script`), typing `input` into it: what
// an operator at a station sees and answers. Output is the terminal's bytes (prompts included).
import { spawn } from 'node:child_process';
import { cliPath } from './station.js';

/** Result of a run in a pseudo-terminal. */
export interface PtyRun {
  code: number | null;
  output: string;
}

/** True when `script` (util-linux) is there to give the CLI a terminal. */
export const ptyAvailable = (() => {
  try {
    return spawn('script', ['--version']).pid !== undefined;
  } catch {
    return false;
  }
})();

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Runs `reg-client-upgrader <args>` with a terminal on stdin, stdout and stderr; types `input` once the prompt `waitFor` shows. */
export function runInPty(args: string[], input: string, options: { waitFor?: RegExp; env?: Record<string, string>; columns?: number } = {}): Promise<PtyRun> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, cliPath, ...args].map(shellQuote).join(' ');
    const child = spawn('script', ['-qefc', `stty cols ${options.columns ?? 100} 2>/dev/null; exec ${command}`, '/dev/null'], {
      env: { ...process.env, TERM: 'xterm', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let typed = false;
    const type = (): void => {
      if (typed) return;
      typed = true;
      child.stdin.write(input);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (options.waitFor === undefined || options.waitFor.test(output)) type();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    if (options.waitFor === undefined) type();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
