// Runs a Node script in this process and reports its peak RSS on stderr as `RSS_KB=<n>` at exit:
// the fallback of measure.ts's peakRss when GNU time is not installed.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [script, ...args] = process.argv.slice(2);
if (script === undefined) throw new Error('usage: rss-child.js <script> [args…]');
process.argv = [process.argv[0] ?? 'node', path.resolve(script), ...args];
process.on('exit', () => process.stderr.write(`\nRSS_KB=${process.resourceUsage().maxRSS}\n`));
await import(pathToFileURL(path.resolve(script)).href);
