#!/usr/bin/env node
// The executable: runs the CLI and exits with its code (DESIGN §7).
import { EXIT } from '../errors.js';
import { runCli } from './main.js';
import { stopsCleanlyOn } from './until-signal.js';

// A reader that goes away (`… | head`, a launcher that closed its pipe) is no reason to crash or
// to abandon a run half-way: further output is dropped and the run finishes with its own exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

// Ctrl-C (SIGINT) or a service stop (SIGTERM) ends a station command at once with the shell's
// convention, 130 or 143: its state is saved after every step, so the next run resumes. serve,
// inspect and --inspect-wait listen for these signals themselves and stop cleanly with exit 0.
for (const [signal, code] of [['SIGINT', EXIT.interrupted], ['SIGTERM', EXIT.terminated]] as const) {
  process.on(signal, () => {
    if (stopsCleanlyOn(signal)) return;
    process.stderr.write(`\ninterrupted by ${signal} (exit ${code}): every finished step is saved; run the command again to resume\n`);
    process.exit(code);
  });
}

process.exitCode = await runCli(process.argv.slice(2));
