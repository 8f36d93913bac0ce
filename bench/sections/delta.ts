// Differential downloads against zsync (Debian's 0.6.2): the same old and new jars (javac + jar,
// Java 17), the bytes each tool makes the server send — its index/control file included — counted
// by the same front proxy; one case again through Debian's nginx on deploy/nginx.conf.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_HASH_BYTES, indexBlocks, serializeBlockIndex, type IndexOptions } from '../../src/formats/block-index.js';
import { DEFAULT_CHUNK_PARAMS } from '../../src/formats/fastcdc.js';
import { downloadDelta } from '../../src/services/delta/download-delta.js';
import { createHttpClient } from '../../src/services/http-client.js';
import { compileModule, copyModule, moduleEntries, packJar, resourceText, writeClass, type JavaModule } from '../../test/helpers/java-jars.js';
import { nginxAvailable, startNginx } from '../../test/helpers/nginx.js';
import { startBenchServer } from '../bench-server.js';
import { mib, type BenchContext, type ResultRow, type SectionResult } from '../context.js';

const CLASSES = 200;
const zchunkAvailable = spawnSync('zck', ['--version']).status === 0;
const casyncAvailable = spawnSync('casync', ['--version']).status === 0;
const CONSTANT_BYTES = 33_000; // 200 classes → a jar of about 5 MB
const retry = { retries: 2, baseDelayMs: 10, maxDelayMs: 100 };
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex').toUpperCase();
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const share = (part: number, whole: number): string => `${((part / whole) * 100).toFixed(1)} %`;

interface Case {
  name: string;
  /** The station's copy (an old version, or a damaged copy of the new one). */
  old: Buffer;
  next: Buffer;
  goal?: number;
}

/** The differential-download section. */
export async function benchDelta(ctx: BenchContext): Promise<SectionResult> {
  const dir = path.join(ctx.work, 'delta');
  const root = path.join(dir, 'server');
  await fs.mkdir(root, { recursive: true });
  ctx.log('delta: compiling 200 classes and packing jars with javac and jar');
  const base = await compileModule(path.join(dir, 'module'), CLASSES, CONSTANT_BYTES);
  const oldJar = await packJar(base, path.join(dir, 'old.jar'));
  const variant = async (name: string, change: (m: JavaModule) => Promise<void>): Promise<Buffer> => {
    const module = await copyModule(base, path.join(dir, name));
    await change(module);
    return packJar(module, path.join(dir, `${name}.jar`));
  };
  const damaged = Buffer.from(oldJar);
  damaged.fill(0, Math.floor(oldJar.length / 2), Math.floor(oldJar.length / 2) + 64 * 1024);
  const cases: Case[] = [
    { name: 'one class changed (hotfix)', old: oldJar, next: await variant('one-class', (m) => writeClass(m, 117, 1, CONSTANT_BYTES)), goal: 0.05 },
    { name: 'one class added', old: oldJar, next: await variant('added', (m) => writeClass(m, CLASSES, 0, CONSTANT_BYTES)) },
    { name: 'a resource changed', old: oldJar, next: await variant('resource', (m) => fs.writeFile(path.join(m.classes, 'config', 'application.properties'), resourceText(1))) },
    { name: 'three classes changed, one added, a resource changed (next version)', old: oldJar, next: await variant('release', async (m) => {
      for (const index of [5, 90, 170]) await writeClass(m, index, 2, CONSTANT_BYTES);
      await writeClass(m, CLASSES, 0, CONSTANT_BYTES);
      await fs.writeFile(path.join(m.classes, 'config', 'application.properties'), resourceText(2));
    }) },
    { name: 'damaged local copy (64 KiB zeroed)', old: damaged, next: oldJar },
    { name: 'same classes, entry order reversed', old: oldJar, next: await packJar(base, path.join(dir, 'reversed.jar'), { entries: (await moduleEntries(base)).reverse() }) },
    { name: 'same classes, rebuilt without a fixed date (every timestamp differs)', old: oldJar, next: await packJar(base, path.join(dir, 'restamped.jar'), { date: '2025-06-01T12:34:56Z' }) },
  ];
  const server = await startBenchServer(ctx.benchDir, root);
  const rows: ResultRow[] = [];
  const extra = ['| case | jar | ours: sent by the server | ours: reused | zsync: sent by the server | ours ÷ zsync | zchunk: sent by the server | casync: sent by the server |', '|---|---:|---:|---:|---:|---:|---:|---:|'];
  let totals = { ours: 0, zsync: 0, size: 0 };
  let worst = { ratio: 0, name: '' };
  let nginxNote = 'nginx not installed: no row through nginx';
  try {
    for (const [index, entry] of cases.entries()) {
      ctx.log(`delta: ${entry.name}`);
      const folder = `case-${index}`;
      await publishCase(root, folder, entry.next, {});
      await server.reset();
      const ours = await runOurs(path.join(dir, `ours-${index}`), server.url, folder, entry);
      const oursSent = (await server.stats()).bytesSent;
      await server.reset();
      await runZsync(path.join(dir, `zsync-${index}`), server.url, folder, entry);
      const zsyncSent = (await server.stats()).bytesSent;
      let zchunk = 'not installed';
      if (zchunkAvailable) {
        await server.reset();
        await runZchunk(path.join(dir, `zchunk-${index}`), server.url, folder, entry);
        const sent = (await server.stats()).bytesSent;
        zchunk = `${kib(sent)} (${share(sent, entry.next.length)})`;
      }
      let casync = 'not installed';
      if (casyncAvailable) {
        await server.reset();
        await runCasync(path.join(dir, `casync-${index}`), server.url, folder, entry);
        const sent = (await server.stats()).bytesSent;
        casync = `${kib(sent)} (${share(sent, entry.next.length)})`;
      }
      const size = entry.next.length;
      if (oursSent / zsyncSent > worst.ratio) worst = { ratio: oursSent / zsyncSent, name: entry.name };
      if (index < 4) totals = { ours: totals.ours + oursSent, zsync: totals.zsync + zsyncSent, size: totals.size + size };
      extra.push(`| ${entry.name} | ${mib(size)} | ${kib(oursSent)} (${share(oursSent, size)}) | ${share(ours.reused, size)} | ${kib(zsyncSent)} (${share(zsyncSent, size)}) | ${(oursSent / zsyncSent).toFixed(2)}× | ${zchunk} | ${casync} |`);
      if (entry.goal !== undefined) {
        rows.push({
          measure: `${entry.name} in a ${mib(size)} jar: bytes sent`,
          ours: `${kib(oursSent)} (${share(oursSent, size)})`,
          baseline: `zsync ${kib(zsyncSent)} (${share(zsyncSent, size)})`,
          ratio: `${(oursSent / zsyncSent).toFixed(2)}×`,
          goal: `≤ ${entry.goal * 100} % of the jar`,
          met: oursSent <= entry.goal * size,
        });
      }
    }
    rows.push({
      measure: 'the four changed-code cases together (a release-to-release upgrade of four jars)',
      ours: `${kib(totals.ours)} (${share(totals.ours, totals.size)})`,
      baseline: `zsync ${kib(totals.zsync)} (${share(totals.zsync, totals.size)})`,
      ratio: `${(totals.ours / totals.zsync).toFixed(2)}×`,
      goal: '≤ 30 % of the changed files and ≤ zsync',
      met: totals.ours <= 0.3 * totals.size && totals.ours <= totals.zsync,
    });
    rows.push({
      measure: `every case of the table (worst: ${worst.name})`,
      ours: `${worst.ratio.toFixed(2)}× zsync`,
      baseline: 'zsync',
      ratio: `${worst.ratio.toFixed(2)}×`,
      goal: 'never more than zsync on the same files',
      met: worst.ratio <= 1,
    });
    if (nginxAvailable) nginxNote = await throughNginx(dir, root, cases[0] as Case, rows);
    extra.push('', ...(await chunkSizes(dir, root, server, [cases[0] as Case, cases[4] as Case])));
  } finally {
    await server.close();
  }
  return {
    title: 'Differential downloads (vs zsync)',
    method:
      `A module of ${CLASSES} classes compiled by javac and packed by \`jar --date\` (a reproducible build), about 5 MB; each case's new jar is published with its block index as \`publish\` writes it (version 2: cut at every zip record, then FastCDC with ${DEFAULT_CHUNK_PARAMS.avg / 1024} KiB average chunks inside each record, ${DEFAULT_HASH_BYTES} bytes of SHA-256 per chunk) with a \`.zsync\` control file (\`zsyncmake\`, its default 2 KiB blocks) and, where Debian's zchunk is installed, as a \`.zck\` (\`zck\` defaults; the station makes a \`.zck\` of its old jar locally, and the jar travels zstd-compressed) and casync (\`casync make\` defaults: 64 KiB average chunks, compressed, one request each; the old jar is the seed) on the product's static server behind a counting proxy. ` +
      'Ours (`downloadDelta`, what `start`/`upgrade` run) and `zsync -i old.jar` each rebuild the new jar from the old one; the row counts every byte the server sent, index or control file included; both results are checked against the new jar\'s SHA-256.',
    rows,
    extra,
    notes: [
      nginxNote,
      'A jar rebuilt without a fixed date changes the timestamp in every entry\'s local header, and one with another entry order moves every entry: zsync\'s 2 KiB blocks rarely avoid a header; our index cuts at every local header, entry body and central-directory record, so only the headers (54 bytes each here) and the central directory are fetched.',
      'Above 80 % of the file the plan fetches it whole (the index is then the only extra cost; the part of an interrupted whole download is resumed by Range).',
      'Index settings: 16 and 32 KiB chunks do as well as 8 KiB here because an entry body of this jar (about 25 KiB) is then a chunk or two; 8 KiB stays the default for larger entries and for files that are not zips. 4 hash bytes would save 1 KiB more; 5 keep a false match (which costs a whole download, never a wrong file) near 10^-6 per file.',
    ],
    commands: [
      { label: 'zsync control file', command: 'zsyncmake -u new.jar -o new.jar.zsync new.jar' },
      { label: 'zsync', command: 'zsync -q -i old.jar -o out.jar http://127.0.0.1:$PORT/case-N/new.jar.zsync' },
      { label: 'zchunk', command: 'zck -o new.jar.zck new.jar (server); zck -o old.jar.zck old.jar && zckdl -q -s old.jar.zck http://127.0.0.1:$PORT/case-N/new.jar.zck && unzck new.jar.zck (station)' },
      { label: 'casync', command: 'casync make --store=store.castr new.caibx new.jar (server); casync extract --store=http://127.0.0.1:$PORT/case-N/store.castr --seed=old.jar http://127.0.0.1:$PORT/case-N/new.caibx new.jar (station)' },
      { label: 'ours', command: 'downloadDelta(job, {indexUrl, indexSha256, localFiles: [old.jar]}) (bench/sections/delta.ts)' },
    ],
  };
}

// new.jar, its block index and its .zsync under root/<folder>/; returns the index's SHA-256.
async function publishCase(root: string, folder: string, jar: Buffer, options: IndexOptions): Promise<string> {
  const dir = path.join(root, folder);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'new.jar'), jar);
  const index = serializeBlockIndex(indexBlocks(jar, options));
  await fs.writeFile(path.join(dir, 'new.jar.blockmap'), index);
  execFileSync('zsyncmake', ['-u', 'new.jar', '-o', 'new.jar.zsync', 'new.jar'], { cwd: dir, stdio: 'pipe' });
  return sha256(index);
}

async function runOurs(dir: string, baseUrl: string, folder: string, entry: Case): Promise<{ fetched: number; reused: number }> {
  await fs.mkdir(dir, { recursive: true });
  const oldPath = path.join(dir, 'old.jar');
  await fs.writeFile(oldPath, entry.old);
  const finalPath = path.join(dir, 'new.jar');
  const index = await fs.readFile(path.join(path.dirname(dir), 'server', folder, 'new.jar.blockmap'));
  const result = await downloadDelta(
    createHttpClient({ connectTimeoutMs: 10_000, readTimeoutMs: 30_000, retry }),
    { url: `${baseUrl}${folder}/new.jar`, partPath: `${finalPath}.part`, finalPath, expectedSha256: sha256(entry.next), expectedSize: entry.next.length, label: 'new.jar' },
    { indexUrl: `${baseUrl}${folder}/new.jar.blockmap`, indexSha256: sha256(index), localFiles: [oldPath] },
    { retry },
  );
  if (sha256(await fs.readFile(finalPath)) !== sha256(entry.next)) throw new Error(`delta bench: ours built a wrong ${folder}/new.jar`);
  return { fetched: result.bytesFetched, reused: result.bytesReused ?? 0 };
}

async function runZsync(dir: string, baseUrl: string, folder: string, entry: Case): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'old.jar'), entry.old);
  execFileSync('zsync', ['-q', '-i', 'old.jar', '-o', 'out.jar', `${baseUrl}${folder}/new.jar.zsync`], { cwd: dir, stdio: 'pipe' });
  if (sha256(await fs.readFile(path.join(dir, 'out.jar'))) !== sha256(entry.next)) throw new Error(`delta bench: zsync built a wrong ${folder}/new.jar`);
}

// zchunk (Debian's 1.2.3): the station turns its old jar into a .zck (locally), zckdl fetches the new .zck's missing chunks, unzck gives the jar.
async function runZchunk(dir: string, baseUrl: string, folder: string, entry: Case): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'old.jar'), entry.old);
  const served = path.join(path.dirname(dir), 'server', folder);
  if (!(await fs.stat(path.join(served, 'new.jar.zck')).catch(() => undefined))) execFileSync('zck', ['-o', 'new.jar.zck', 'new.jar'], { cwd: served, stdio: 'pipe' });
  execFileSync('zck', ['-o', 'old.jar.zck', 'old.jar'], { cwd: dir, stdio: 'pipe' });
  execFileSync('zckdl', ['-q', '-s', 'old.jar.zck', `${baseUrl}${folder}/new.jar.zck`], { cwd: dir, stdio: 'pipe' });
  execFileSync('unzck', ['new.jar.zck'], { cwd: dir, stdio: 'pipe' });
  if (sha256(await fs.readFile(path.join(dir, 'new.jar'))) !== sha256(entry.next)) throw new Error(`delta bench: zchunk built a wrong ${folder}/new.jar`);
}

// casync (Debian's 2+20201210): the new jar as a .caibx index and a chunk store (64 KiB average, compressed chunks, one GET each); the old jar is the seed.
async function runCasync(dir: string, baseUrl: string, folder: string, entry: Case): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'old.jar'), entry.old);
  const served = path.join(path.dirname(dir), 'server', folder);
  execFileSync('casync', ['make', '--store=store.castr', 'new.caibx', 'new.jar'], { cwd: served, stdio: 'pipe' });
  execFileSync('casync', ['extract', `--store=${baseUrl}${folder}/store.castr`, '--seed=old.jar', `${baseUrl}${folder}/new.caibx`, 'new.jar'], { cwd: dir, stdio: 'pipe', timeout: 300_000 });
  if (sha256(await fs.readFile(path.join(dir, 'new.jar'))) !== sha256(entry.next)) throw new Error(`delta bench: casync built a wrong ${folder}/new.jar`);
}

// The hotfix case through nginx: bytes from its access log ($body_bytes_sent), for both tools.
async function throughNginx(dir: string, root: string, entry: Case, rows: ResultRow[]): Promise<string> {
  const nginx = await startNginx({ root });
  const sent = async (): Promise<number> =>
    (await fs.readFile(path.join(nginx.prefix, 'access.log'), 'utf8'))
      .split('\n')
      .map((line) => Number(/" \d{3} (\d+) /.exec(line)?.[1] ?? 0))
      .reduce((sum, bytes) => sum + bytes, 0);
  try {
    await runOurs(path.join(dir, 'nginx-ours'), nginx.url, 'case-0', entry);
    const ours = await sent();
    await runZsync(path.join(dir, 'nginx-zsync'), nginx.url, 'case-0', entry);
    const zsync = (await sent()) - ours;
    const size = entry.next.length;
    rows.push({
      measure: `${entry.name} through nginx (deploy/nginx.conf): bytes sent`,
      ours: `${kib(ours)} (${share(ours, size)})`,
      baseline: `zsync ${kib(zsync)} (${share(zsync, size)})`,
      ratio: `${(ours / zsync).toFixed(2)}×`,
      goal: '≤ 5 % of the jar',
      met: ours <= 0.05 * size,
    });
    return 'nginx: Debian\'s nginx on deploy/nginx.conf (max_ranges 16), bytes summed from its access log.';
  } finally {
    await nginx.stop();
  }
}

// Other index settings (average chunk, hash bytes kept, segmentation) on the hotfix and the damaged copy: why publish uses its defaults.
async function chunkSizes(dir: string, root: string, server: { url: string; reset(): Promise<void>; stats(): Promise<{ bytesSent: number }> }, entries: Case[]): Promise<string[]> {
  const lines = [
    'Index settings (bytes the server sent, index included; ✱ = what publish writes):',
    '',
    `| segmentation | average chunk | hash bytes | index | ${entries.map((entry) => entry.name).join(' | ')} |`,
    `|---|---:|---:|---:|${entries.map(() => '---:|').join('')}`,
  ];
  const settings: Array<Required<Pick<IndexOptions, 'segmentation' | 'hashBytes'>> & { avg: number }> = [
    { segmentation: 'plain', avg: 8192, hashBytes: 32 }, // version 1, as published before
    ...[4096, 8192, 16384, 32768].map((avg) => ({ segmentation: 'zip' as const, avg, hashBytes: DEFAULT_HASH_BYTES })),
    ...[4, 8, 32].map((hashBytes) => ({ segmentation: 'zip' as const, avg: DEFAULT_CHUNK_PARAMS.avg, hashBytes })),
  ];
  for (const [number, setting] of settings.entries()) {
    const folder = `settings-${number}`;
    const { avg, ...options } = setting;
    const cells: string[] = [];
    for (const [index, entry] of entries.entries()) {
      await publishCase(root, `${folder}-${index}`, entry.next, { ...options, params: { min: avg / 4, avg, max: avg * 4 } });
      await server.reset();
      await runOurs(path.join(dir, `${folder}-${index}`), server.url, `${folder}-${index}`, entry);
      const sent = (await server.stats()).bytesSent;
      cells.push(`${kib(sent)} (${share(sent, entry.next.length)})`);
    }
    const index = (await fs.stat(path.join(root, `${folder}-0`, 'new.jar.blockmap'))).size;
    const chosen = setting.segmentation === 'zip' && avg === DEFAULT_CHUNK_PARAMS.avg && setting.hashBytes === DEFAULT_HASH_BYTES ? ' ✱' : '';
    lines.push(`| ${setting.segmentation}${chosen} | ${avg / 1024} KiB | ${setting.hashBytes} | ${(index / 1024).toFixed(1)} KiB | ${cells.join(' | ')} |`);
  }
  return lines;
}
