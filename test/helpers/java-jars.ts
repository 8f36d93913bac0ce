// Realistic jars for the differential-download tests and benchmark: a module of Java classes
// compiled by javac and packed by `jar` (Java 17), so entries are deflated exactly as in a build.
// `jar --date` fixes every entry's timestamp, as a reproducible build does; leave it out to get a
// rebuild whose every local header differs.
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { mulberry32 } from './random.js';

/** True when javac and jar are on PATH. */
export const javaToolsAvailable = spawnSync('javac', ['-version']).status === 0 && spawnSync('jar', ['--version']).status === 0;

const PACKAGE = 'io/mosip/demo';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ';

/** Source of class `C<index>`: methods and string constants from a seed (`variant` changes it). */
export function classSource(index: number, variant: number, constantBytes: number): string {
  const random = mulberry32(index * 7919 + variant * 104_729 + 1);
  const text = (length: number): string => Array.from({ length }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
  const name = `C${String(index).padStart(3, '0')}`;
  const constants: string[] = [];
  for (let left = constantBytes, i = 0; left > 0; left -= 30_000, i += 1) constants.push(`  static final String D${i} = "${text(Math.min(left, 30_000))}";`);
  const methods = Array.from({ length: 12 }, (_, m) => `  public int m${m}(int x) { return x * ${Math.floor(random() * 1000)} + ${m} - D0.length(); }`);
  return `package ${PACKAGE.replaceAll('/', '.')};\n\npublic class ${name} {\n${constants.join('\n')}\n${methods.join('\n')}\n}\n`;
}

/** A module on disk: sources under `dir/src`, classes under `dir/classes`, resources beside them. */
export interface JavaModule {
  dir: string;
  classes: string;
}

/** Writes and compiles `count` classes (each with about `constantBytes` of string constants) and a resource. */
export async function compileModule(dir: string, count: number, constantBytes: number): Promise<JavaModule> {
  const sources = path.join(dir, 'src', PACKAGE);
  const classes = path.join(dir, 'classes');
  await fs.mkdir(sources, { recursive: true });
  await fs.mkdir(path.join(classes, 'config'), { recursive: true });
  const files: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const file = path.join(sources, `C${String(index).padStart(3, '0')}.java`);
    await fs.writeFile(file, classSource(index, 0, constantBytes));
    files.push(file);
  }
  await fs.writeFile(path.join(dir, 'sources.txt'), files.join('\n'));
  execFileSync('javac', ['-nowarn', '-d', classes, `@${path.join(dir, 'sources.txt')}`], { stdio: 'pipe' });
  await fs.writeFile(path.join(classes, 'config', 'application.properties'), resourceText(0));
  return { dir, classes };
}

/** The module's resource file, `version` changing a few of its lines. */
export function resourceText(version: number): string {
  return Array.from({ length: 400 }, (_, i) => `mosip.demo.key.${i}=${i % 97 === 0 ? `value-${i}-v${version}` : `value-${i}`}`).join('\n') + '\n';
}

/** A copy of the module (its classes) in `dir`. */
export async function copyModule(module: JavaModule, dir: string): Promise<JavaModule> {
  await fs.cp(module.dir, dir, { recursive: true });
  return { dir, classes: path.join(dir, 'classes') };
}

/** Recompiles class `index` of the module with another variant (a hotfix to one class), or adds it. */
export async function writeClass(module: JavaModule, index: number, variant: number, constantBytes: number): Promise<void> {
  const file = path.join(module.dir, 'src', PACKAGE, `C${String(index).padStart(3, '0')}.java`);
  await fs.writeFile(file, classSource(index, variant, constantBytes));
  execFileSync('javac', ['-nowarn', '-cp', module.classes, '-d', module.classes, file], { stdio: 'pipe' });
}

/** Entry names of the module in jar order (sorted, resources last). */
export async function moduleEntries(module: JavaModule): Promise<string[]> {
  const classes = (await fs.readdir(path.join(module.classes, PACKAGE))).sort().map((file) => `${PACKAGE}/${file}`);
  return [...classes, 'config/application.properties'];
}

/** Packs the module with `jar`; `entries` sets the order, `date` (default fixed) every timestamp. */
export async function packJar(module: JavaModule, jarPath: string, options: { entries?: string[]; date?: string | null } = {}): Promise<Buffer> {
  const entries = options.entries ?? (await moduleEntries(module));
  const date = options.date === undefined ? ['--date=2024-01-01T00:00:00Z'] : options.date === null ? [] : [`--date=${options.date}`];
  await fs.rm(jarPath, { force: true });
  execFileSync('jar', ['--create', ...date, '--file', jarPath, ...entries.flatMap((entry) => ['-C', module.classes, entry])], { stdio: 'pipe' });
  return fs.readFile(jarPath);
}
