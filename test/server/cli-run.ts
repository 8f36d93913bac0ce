// Runs the built CLI (dist/, made by `npm test`'s build step) as a child process.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Path of the built executable. */
export const BIN = fileURLToPath(new URL('../../dist/src/cli/bin.js', import.meta.url));

/** Runs `reg-client-upgrader <args>` and resolves with its exit code and output (never rejects on exit codes). */
export function runBuiltCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}
