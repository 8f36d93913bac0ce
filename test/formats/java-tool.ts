// Drives test/fixtures/java/FormatTool.java: Java's own Manifest and Properties as the reference.
// Each call starts one JVM (about a second), so callers batch all their cases into one call.
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/formats/java-tool.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Committed test data. */
export const fixturesDir = path.join(repoRoot, 'test/fixtures');

const toolPath = path.join(fixturesDir, 'java/FormatTool.java');

/** True when a `java` that can run single-file programs is on PATH. */
export const javaAvailable: boolean = (() => {
  const result = spawnSync('java', ['-version'], { stdio: 'ignore' });
  return result.status === 0;
})();

/** What Java read from one manifest file. */
export interface JavaManifest {
  main: Array<[string, string]>;
  /** Section name to its attributes (Java's Attributes, so without Name). */
  entries: Map<string, Array<[string, string]>>;
}

/** A manifest for Java to write. */
export interface JavaManifestCase {
  file: string;
  version: string;
  files: ReadonlyArray<{ name: string; hash: string }>;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string | undefined): string => Buffer.from(text ?? '', 'base64').toString('utf8');

function runJava(args: string[], input = ''): string {
  return execFileSync('java', [toolPath, ...args], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Java writes each manifest with Manifest.write into dir/<case.file>. */
export function javaWriteManifests(dir: string, cases: readonly JavaManifestCase[]): void {
  const lines = cases.flatMap((c) => [
    `MANIFEST ${c.file} ${b64(c.version)}`,
    ...c.files.map((f) => `ENTRY ${b64(f.name)} ${f.hash}`),
  ]);
  runJava(['write-manifests', dir], lines.join('\n') + '\n');
}

/** Java reads each file with new Manifest(InputStream); an Error string where Java refused it. */
export function javaReadManifests(files: readonly string[]): Map<string, JavaManifest | Error> {
  const result = new Map<string, JavaManifest | Error>();
  let current: JavaManifest | undefined;
  let section: Array<[string, string]> = [];
  for (const line of runJava(['read-manifests', ...files]).split('\n')) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'FILE') {
      current = { main: [], entries: new Map() };
      result.set(unb64(a), current);
    } else if (kind === 'ERROR') {
      const file = [...result.keys()].at(-1) ?? '';
      result.set(file, new Error(unb64(a)));
    } else if (kind === 'MAIN') {
      current?.main.push([unb64(a), unb64(b)]);
    } else if (kind === 'ENTRY') {
      section = [];
      current?.entries.set(unb64(a), section);
    } else if (kind === 'ATTR') {
      section.push([unb64(a), unb64(b)]);
    }
  }
  return result;
}

/** Java stores the pairs with Properties.store: latin1 = store(OutputStream), utf8 = store(Writer). */
export function javaStoreProperties(file: string, pairs: ReadonlyMap<string, string>, encoding: 'latin1' | 'utf8'): void {
  const lines = [...pairs].map(([key, value]) => `${b64(key)} ${b64(value)}`);
  runJava(['store-properties', file, encoding], lines.join('\n') + '\n');
}

/** Java loads each file with Properties.load(Reader) in UTF-8; an Error where Java refused it. */
export function javaReadProperties(files: readonly string[]): Map<string, Map<string, string> | Error> {
  const result = new Map<string, Map<string, string> | Error>();
  let current = new Map<string, string>();
  let file = '';
  for (const line of runJava(['read-properties', ...files]).split('\n')) {
    const [first, second] = line.split(' ');
    if (first === 'FILE') {
      file = unb64(second);
      current = new Map();
      result.set(file, current);
    } else if (first === 'ERROR') {
      result.set(file, new Error(unb64(second)));
    } else if (line !== '') {
      current.set(unb64(first), unb64(second));
    }
  }
  return result;
}
