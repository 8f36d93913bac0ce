#!/usr/bin/env node
// The executable: runs the CLI and exits with its code (DESIGN §7).
import { runCli } from './main.js';

// A reader that goes away (`… | head`, a launcher that closed its pipe) is no reason to crash or
// to abandon a run half-way: further output is dropped and the run finishes with its own exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

process.exitCode = await runCli(process.argv.slice(2));
