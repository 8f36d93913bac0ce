/* global process, console */
// `npm run build`, Java part: compiles the Derby bridge (java/src) with `javac --release 11` into
// dist/java, so the stations' own Java 11+ runs it. No JDK on this machine: says so and skips
// (the Derby adapter then reports the bridge missing; SQLite stations need none of it).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = path.join(repo, 'java', 'src', 'regclientupgrader');
const outDir = path.join(repo, 'dist', 'java');
const javacHome = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'javac') : undefined;
const javac = [javacHome, 'javac'].find((candidate) => candidate !== undefined && spawnSync(candidate, ['-version']).status === 0);

if (javac === undefined) {
  console.log('build-java: no javac (JDK) found: the Derby bridge is not built; Derby stations need it (install a JDK 11+ and rebuild)');
  process.exit(0);
}
const sources = readdirSync(sourceDir)
  .filter((name) => name.endsWith('.java'))
  .map((name) => path.join(sourceDir, name));
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const result = spawnSync(javac, ['--release', '11', '-encoding', 'UTF-8', '-d', outDir, ...sources], {
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`build-java: Derby bridge compiled into ${path.relative(repo, outDir)}`);
