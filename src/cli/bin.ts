#!/usr/bin/env node
// The executable: runs the CLI and exits with its code (DESIGN §7).
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));
