// Zip segmentation: table cases on zips written here byte by byte (so every offset is known), then
// jars packed by Java's `jar`, their offsets read independently by Python's zipfile.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexBlocks } from '../../src/formats/block-index.js';
import { chunkSegments } from '../../src/formats/fastcdc.js';
import { zipCutPoints } from '../../src/formats/zip-segments.js';
import { localChunkMap, planDelta } from '../../src/services/delta/plan-delta.js';
import { compileModule, javaToolsAvailable, moduleEntries, packJar, type JavaModule } from '../helpers/java-jars.js';
import { tempDir } from '../helpers/station.js';

interface Entry {
  name: string;
  data: Buffer;
  localExtra?: Buffer;
  centralExtra?: Buffer;
}

interface Built {
  zip: Buffer;
  locals: number[];
  bodies: number[];
  centrals: number[];
  directory: number;
  eocd: number;
}

// A stored-entries zip with the given entries and archive comment, and where each record starts.
function buildZip(entries: Entry[], comment = ''): Built {
  const parts: Buffer[] = [];
  const locals: number[] = [];
  const bodies: number[] = [];
  let at = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const extra = entry.localExtra ?? Buffer.alloc(0);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt32LE(entry.data.length, 18);
    header.writeUInt32LE(entry.data.length, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(extra.length, 28);
    locals.push(at);
    parts.push(header, name, extra, entry.data);
    bodies.push(at + 30 + name.length + extra.length);
    at += 30 + name.length + extra.length + entry.data.length;
  }
  const directory = at;
  const centrals: number[] = [];
  entries.forEach((entry, index) => {
    const name = Buffer.from(entry.name);
    const extra = entry.centralExtra ?? Buffer.alloc(0);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt32LE(entry.data.length, 20);
    header.writeUInt32LE(entry.data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(locals[index] as number, 42);
    centrals.push(at);
    parts.push(header, name, extra);
    at += 46 + name.length + extra.length;
  });
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(at - directory, 12);
  end.writeUInt32LE(directory, 16);
  end.writeUInt16LE(Buffer.byteLength(comment), 20);
  parts.push(end, Buffer.from(comment));
  return { zip: Buffer.concat(parts), locals, bodies, centrals, directory, eocd: at };
}

const entries: Entry[] = [
  { name: 'a.txt', data: Buffer.alloc(100, 1) },
  { name: 'dir/b.class', data: Buffer.alloc(300, 2), localExtra: Buffer.alloc(9, 9), centralExtra: Buffer.alloc(4, 4) },
  { name: 'c', data: Buffer.alloc(0) },
];
const sorted = (values: number[]): number[] => [...new Set(values)].filter((value) => value > 0).sort((a, b) => a - b);
const all = (b: Built): number[] => sorted([...b.locals, ...b.bodies, ...b.centrals, b.directory, b.eocd]);
const edit = (b: Built, change: (zip: Buffer) => void): Buffer => {
  const zip = Buffer.from(b.zip);
  change(zip);
  return zip;
};
const plain = buildZip(entries);

describe('zipCutPoints', () => {
  it.each<{ name: string; zip: () => Buffer; cuts: () => number[] | undefined }>([
    { name: 'every record of a zip: local headers, bodies (after the local extra field), directory records, end record', zip: () => plain.zip, cuts: () => all(plain) },
    { name: 'an archive comment after the end record', zip: () => buildZip(entries, 'built by hand').zip, cuts: () => all(buildZip(entries, 'built by hand')) },
    { name: 'an empty zip', zip: () => buildZip([]).zip, cuts: () => [] },
    {
      name: 'a damaged local header: that entry loses its body cut only',
      zip: () => edit(plain, (zip) => zip.writeUInt32LE(0, plain.locals[1])),
      cuts: () => all(plain).filter((cut) => cut !== plain.bodies[1]),
    },
    {
      name: 'a local name length reaching into the directory: no body cut for it',
      zip: () => edit(plain, (zip) => zip.writeUInt16LE(0xffff, (plain.locals[1] as number) + 26)),
      cuts: () => all(plain).filter((cut) => cut !== plain.bodies[1]),
    },
    { name: 'no end record (truncated)', zip: () => plain.zip.subarray(0, plain.zip.length - 5), cuts: () => undefined },
    { name: 'bytes after the end record', zip: () => Buffer.concat([plain.zip, Buffer.from('tail')]), cuts: () => undefined },
    { name: 'Zip64 markers in the end record', zip: () => edit(plain, (zip) => zip.writeUInt32LE(0xffffffff, plain.eocd + 16)), cuts: () => undefined },
    { name: 'a directory past the end record', zip: () => edit(plain, (zip) => zip.writeUInt32LE(plain.eocd, plain.eocd + 16)), cuts: () => undefined },
    { name: 'more entries counted than the directory holds', zip: () => edit(plain, (zip) => zip.writeUInt16LE(4, plain.eocd + 10)), cuts: () => undefined },
    { name: 'a damaged directory record', zip: () => edit(plain, (zip) => zip.writeUInt32LE(0, plain.centrals[1])), cuts: () => undefined },
    { name: 'a local header offset inside the directory', zip: () => edit(plain, (zip) => zip.writeUInt32LE(plain.directory + 2, (plain.centrals[0] as number) + 42)), cuts: () => undefined },
    { name: 'not a zip', zip: () => Buffer.from('PK but not a zip at all, just text'), cuts: () => undefined },
    { name: 'empty input', zip: () => Buffer.alloc(0), cuts: () => undefined },
  ])('$name', ({ zip, cuts }) => {
    expect(zipCutPoints(zip())).toEqual(cuts());
  });

  it('indexes a zip by its records and anything else plainly', () => {
    const big = buildZip([{ name: 'big.bin', data: Buffer.alloc(100_000, 7) }, { name: 'small', data: Buffer.alloc(10, 1) }]);
    const index = indexBlocks(big.zip);
    expect(index.segmentation).toBe('zip');
    const starts = new Set(index.chunks.map((chunk) => chunk.offset));
    for (const cut of all(big)) expect(starts.has(cut), `a chunk starts at ${cut}`).toBe(true);
    expect(indexBlocks(big.zip, { segmentation: 'plain' }).segmentation).toBe('plain');
    expect(indexBlocks(Buffer.alloc(100_000, 3)).segmentation).toBe('plain');
  });

  it('chunkSegments never crosses a cut, and chunks each segment as if it stood alone', () => {
    const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251));
    const cuts = [1000, 1050, 90_000, 150_000];
    const spans = chunkSegments(data, cuts);
    expect(spans.reduce((sum, span) => sum + span.length, 0)).toBe(data.length);
    for (const cut of cuts) expect(spans.some((span) => span.offset === cut)).toBe(true);
    const alone = chunkSegments(data.subarray(90_000, 150_000), []);
    expect(spans.filter((span) => span.offset >= 90_000 && span.offset < 150_000).map((span) => ({ ...span, offset: span.offset - 90_000 }))).toEqual(alone);
  });
});

describe.skipIf(!javaToolsAvailable)('zipCutPoints on jars packed by Java\'s jar', () => {
  let work: string;
  let module: JavaModule;

  beforeAll(async () => {
    work = await tempDir('rcu-zipcuts-');
    module = await compileModule(path.join(work, 'module'), 30, 6000);
  }, 180_000);
  afterAll(async () => fs.rm(work, { recursive: true, force: true }));

  // Offsets of every local header, body start and the directory, read by Python's zipfile.
  function pythonOffsets(jar: string): { locals: number[]; bodies: number[]; directory: number; headerBytes: number } {
    const script = [
      'import json, struct, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1]); raw = open(sys.argv[1], "rb").read()',
      'infos = z.infolist(); locals = [i.header_offset for i in infos]',
      'bodies = [o + 30 + struct.unpack("<HH", raw[o + 26:o + 30])[0] + struct.unpack("<HH", raw[o + 26:o + 30])[1] for o in locals]',
      'print(json.dumps({"locals": locals, "bodies": bodies, "directory": z.start_dir}))',
    ].join('\n');
    const found = JSON.parse(execFileSync('python3', ['-c', script, jar], { encoding: 'utf8' })) as { locals: number[]; bodies: number[]; directory: number };
    return { ...found, headerBytes: found.bodies.reduce((sum, body, i) => sum + body - (found.locals[i] as number), 0) };
  }

  it('cuts at every local header, body and the central directory that zipfile sees', async () => {
    const jar = path.join(work, 'module.jar');
    const bytes = await packJar(module, jar);
    const offsets = pythonOffsets(jar);
    const cuts = new Set(zipCutPoints(bytes));
    for (const offset of [...offsets.locals.filter((o) => o > 0), ...offsets.bodies, offsets.directory]) expect(cuts.has(offset), `cut at ${offset}`).toBe(true);
  });

  it.each([
    { name: 'another entry order', file: 'reversed.jar', reverse: true },
    { name: 'new timestamps in every entry', file: 'restamped.jar', date: '2025-06-01T12:34:56Z' },
  ])('a rebuild with $name leaves only headers and the directory to fetch', async ({ file, reverse, date }) => {
    const old = await packJar(module, path.join(work, 'old.jar'));
    const names = await moduleEntries(module);
    const jar = path.join(work, file);
    const next = await packJar(module, jar, { entries: reverse === true ? names.reverse() : names, ...(date !== undefined && { date }) });
    const index = indexBlocks(next);
    const plan = planDelta(index, localChunkMap([indexBlocks(old).chunks]), { rangesPerRequest: 16, maxRequests: 64, wholeAbove: 0.8 });
    const { headerBytes, directory } = pythonOffsets(jar);
    expect(plan.kind).toBe('delta');
    expect(plan.kind === 'delta' && plan.fetchBytes).toBeLessThanOrEqual(headerBytes + next.length - directory);
    // Without zip segmentation the same rebuild leaves most of the jar to fetch.
    const plainPlan = planDelta(indexBlocks(next, { segmentation: 'plain' }), localChunkMap([indexBlocks(old, { segmentation: 'plain' }).chunks]));
    expect(plainPlan.kind === 'whole' || plainPlan.fetchBytes > 10 * (headerBytes + next.length - directory)).toBe(true);
  }, 60_000);
});
