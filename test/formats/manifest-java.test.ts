// Compatibility with java.util.jar.Manifest (Java 17). The manifests Java wrote are committed under
// test/fixtures/manifests/java so these checks run without Java; with `java` on PATH the live
// checks also run. Regenerate the fixtures with:
//   UPDATE_FIXTURES=1 npx vitest run test/formats/manifest-java.test.ts
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManifest, manifestHashes, parseManifest, serializeManifest, type Manifest } from '../../src/formats/manifest.js';
import { manifest as anyManifest } from './arbitraries.js';
import { fixturesDir, javaAvailable, javaReadManifests, javaWriteManifests, type JavaManifest, type JavaManifestCase } from './java-tool.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex').toUpperCase();
const files = (...names: string[]): Array<{ name: string; hash: string }> => names.map((name) => ({ name, hash: sha256(name) }));

const longNames = [
  'x'.repeat(66), // "Name: " + 66 bytes: exactly one 72-byte line
  'x'.repeat(67), // one byte on a continuation line
  'y'.repeat(137), // exactly 72 + 71 bytes
  `${'deep/'.repeat(29)}x.jar`, // 150 bytes: three lines
  `x${'é'.repeat(80)}`, // 161 bytes, cut inside a two-byte character
  '中'.repeat(60), // 180 bytes, cut inside three-byte characters
  `a${'😀'.repeat(40)}`, // 161 bytes, cut inside four-byte characters
];

/** Every case is written by Java once; names are what MOSIP stations hold and worse. */
const cases: JavaManifestCase[] = [
  { file: 'ascii.MF', version: '1.2.0.2', files: files('registration-client-1.2.0.2.jar') },
  { file: 'nested.MF', version: '1.2.0.1', files: files('sql/1.2.0/initial_db_scripts.sql') },
  { file: 'spaces.MF', version: '1.2.0.2', files: files('my file with spaces.properties') },
  { file: 'accents.MF', version: '1.2.0.2', files: files('café/über/naïve ü é.txt') },
  { file: 'cjk.MF', version: '1.2.0.2', files: files('中文/文件名.jar') },
  { file: 'emoji.MF', version: '1.2.0.2', files: files('emoji-😀-🎉.txt') },
  ...longNames.map((name, index) => ({ file: `long-${index + 1}.MF`, version: '1.2.0.2', files: files(name) })),
  { file: 'long-version.MF', version: `1.2.0.2-${'S'.repeat(46)}`, files: files('a.jar') }, // a 72-byte line
  { file: 'no-entries.MF', version: '1.1.5.5', files: [] },
  {
    file: 'release.MF',
    version: '1.2.0.2',
    files: files(
      ...longNames,
      'registration-client-1.2.0.2.jar',
      'registration-services-1.2.0.2.jar',
      'mosip-application.properties',
      'logback.xml',
      'sql/1.2.0/initial_db_scripts.sql',
      'sql/1.2.0/rollback_scripts.sql',
      'café/über.txt',
      '中文/文件名.jar',
      'emoji-😀.txt',
      ...Array.from({ length: 30 }, (_, index) => `lib-${index}.jar`),
    ),
  },
];

const committedDir = path.join(fixturesDir, 'manifests/java');
const committed = (c: JavaManifestCase): Buffer => readFileSync(path.join(committedDir, c.file));

/** The main section, then the other sections sorted: Java keeps entries in a HashMap, so their order is its own. */
function sections(bytes: Buffer): string[] {
  const [main = '', ...rest] = bytes.toString('latin1').split('\r\n\r\n');
  return [main, ...rest.sort()];
}

describe('manifests written by Java 17 (committed)', () => {
  it.each(cases)('$file parses to the names and hashes Java was given', (c) => {
    const manifest = parseManifest(committed(c), c.file);
    expect(manifest.version).toBe(c.version);
    expect(manifestHashes(manifest)).toEqual(new Map(c.files.map((f) => [f.name, f.hash])));
  });

  it.each(cases)('$file parses the same with LF and with CR line ends', (c) => {
    const crlf = parseManifest(committed(c));
    const text = committed(c).toString('latin1');
    expect(parseManifest(Buffer.from(text.replace(/\r\n/g, '\n'), 'latin1'))).toEqual(crlf);
    expect(parseManifest(Buffer.from(text.replace(/\r\n/g, '\r'), 'latin1'))).toEqual(crlf);
  });

  it.each(cases)('$file: our writer gives the same sections, byte for byte', (c) => {
    const ours = serializeManifest(createManifest(c.version, c.files));
    expect(sections(ours)).toEqual(sections(committed(c)));
    // With one entry there is no order to differ: the whole file is identical.
    if (c.files.length <= 1) expect(ours).toEqual(committed(c));
  });
});

/** What Java's Manifest should hold after reading what we wrote. */
function asJavaSees(manifest: Manifest): JavaManifest {
  return {
    main: manifest.mainAttributes,
    entries: new Map(manifest.entries.map((entry) => [entry.name, entry.attributes.filter(([key]) => key !== 'Name')])),
  };
}

describe.skipIf(!javaAvailable)('live java.util.jar.Manifest', () => {
  let dir = '';
  // Our serializations of the cases above, of hand-made manifests with unknown attributes, and of random ones.
  const ours = new Map<string, Manifest>();

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'manifest-java-'));
    mkdirSync(path.join(dir, 'java'));
    mkdirSync(path.join(dir, 'ours'));
    javaWriteManifests(path.join(dir, 'java'), cases);
    if (process.env.UPDATE_FIXTURES === '1') {
      mkdirSync(committedDir, { recursive: true });
      for (const c of cases) copyFileSync(path.join(dir, 'java', c.file), path.join(committedDir, c.file));
    }
    const extras: Manifest = {
      version: '1.2.0.2',
      mainAttributes: [['Manifest-Version', '1.2.0.2'], ['Created-By', 'reg-client-upgrader'], ['X-Notes', `${'ünïcödé '.repeat(20)}end`]],
      entries: [
        { name: 'a.jar', hash: sha256('a'), attributes: [['Name', 'a.jar'], ['X-First', 'before the hash'], ['Content-Type', sha256('a')], ['X-Empty', '']] },
        { name: longNames[4] ?? '', hash: sha256('b'), attributes: [['Name', longNames[4] ?? ''], ['Content-Type', sha256('b')], ['X-Long', '文'.repeat(70)]] },
      ],
    };
    const random = fc.sample(anyManifest, { numRuns: 60, seed: 20240612 });
    const all: Array<[string, Manifest]> = [
      ...cases.map((c): [string, Manifest] => [c.file, createManifest(c.version, c.files)]),
      ['extras.MF', extras],
      ...random.map((m, index): [string, Manifest] => [`random-${index}.MF`, m]),
    ];
    for (const [file, manifest] of all) {
      writeFileSync(path.join(dir, 'ours', file), serializeManifest(manifest));
      ours.set(file, manifest);
    }
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('writes today exactly the committed fixtures', () => {
    for (const c of cases) expect(readFileSync(path.join(dir, 'java', c.file)), c.file).toEqual(committed(c));
  });

  it('reads every manifest we write as we meant it, attribute order included', () => {
    const files = [...ours.keys()].map((file) => path.join(dir, 'ours', file));
    const read = javaReadManifests(files);
    for (const [file, manifest] of ours) {
      const java = read.get(path.join(dir, 'ours', file));
      expect(java, file).toEqual(asJavaSees(manifest));
    }
  });
});
