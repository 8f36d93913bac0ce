import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { createManifest, manifestHashes, parseManifest, serializeManifest, type Manifest } from '../../src/formats/manifest.js';
import { fixturesDir, repoRoot } from './java-tool.js';

const H1 = '80C2BB94ADCDA80592DEC34C48EC1E0A142D0E333CEB5E6546769B054D277546';
const H2 = '7459B0EF9F722CCC102F8A5DFB3134B58418E1F6A70041923766A1F2D02FD5A7';

/** Joins lines with CRLF and ends the text with one. */
const crlf = (...lines: string[]): string => lines.map((line) => `${line}\r\n`).join('');

/** Content-Type with a hash, wrapped as Java wraps it (the line is 78 bytes). */
const ct = (hash: string, key = 'Content-Type'): string[] => [`${key}: ${hash.slice(0, 72 - key.length - 2)}`, ` ${hash.slice(72 - key.length - 2)}`];

function formatErrorOf(run: () => unknown): FormatError {
  try {
    run();
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected a FormatError');
}

describe('MOSIP manifests', () => {
  const mosipDirs = [path.join(fixturesDir, 'mosip'), path.resolve(repoRoot, '../shared/fixtures/mosip')].filter((dir) =>
    existsSync(dir),
  );
  const files = ['registration-services.MANIFEST.MF', 'test-resources.MANIFEST.MF'];

  it.each(mosipDirs.flatMap((dir) => files.map((file) => path.join(dir, file))))('parses %s', (file) => {
    const manifest = parseManifest(readFileSync(file), file);
    expect(manifest.version).toBe(file.includes('test-resources') ? '0.1v' : '1.2.0.1-SNAPSHOT');
    expect(manifestHashes(manifest)).toEqual(
      new Map([
        ['logback.xml', H1],
        ['mosip-application.properties', H2],
      ]),
    );
  });

  it('keeps a copy identical to ../shared/fixtures/mosip when that folder exists', () => {
    const shared = path.resolve(repoRoot, '../shared/fixtures/mosip');
    for (const file of existsSync(shared) ? files : []) {
      expect(readFileSync(path.join(fixturesDir, 'mosip', file))).toEqual(readFileSync(path.join(shared, file)));
    }
  });

  it('writes a MOSIP manifest back as the same lines, with CRLF', () => {
    const text = readFileSync(path.join(fixturesDir, 'mosip', files[0] ?? ''), 'utf8');
    expect(serializeManifest(parseManifest(text)).toString('utf8')).toBe(text.replace(/\n/g, '\r\n'));
  });
});

describe('parseManifest accepts', () => {
  const mosip = crlf('Manifest-Version: 1.2.0.1', '', 'Name: logback.xml', ...ct(H1), '', 'Name: a b/c.jar', ...ct(H2), '');
  const expected: Manifest = {
    version: '1.2.0.1',
    mainAttributes: [['Manifest-Version', '1.2.0.1']],
    entries: [
      { name: 'logback.xml', hash: H1, attributes: [['Name', 'logback.xml'], ['Content-Type', H1]] },
      { name: 'a b/c.jar', hash: H2, attributes: [['Name', 'a b/c.jar'], ['Content-Type', H2]] },
    ],
  };

  it.each([
    ['CRLF', mosip],
    ['LF', mosip.replace(/\r\n/g, '\n')],
    ['CR', mosip.replace(/\r\n/g, '\r')],
    ['mixed line ends', mosip.replace('\r\n', '\n').replace('\r\n', '\r')],
    ['no line break at the end', mosip.replace(/\r\n\r\n$/, '')],
    ['several blank lines between sections', mosip.replace(/\r\n\r\n/g, '\r\n\r\n\r\n\r\n')],
    ['bytes', Buffer.from(mosip)],
    ['attribute names in any case', mosip.replace('Manifest-Version', 'manifest-version').replace(/Name:/g, 'NAME:').replace(/Content-Type/g, 'content-type')],
  ])('%s', (_, input) => {
    const manifest = parseManifest(input);
    expect(manifest.version).toBe(expected.version);
    expect(manifestHashes(manifest)).toEqual(manifestHashes(expected));
  });

  it('gives every attribute in file order, unknown ones included', () => {
    const text = crlf(
      'Manifest-Version: 1.2.0.2',
      'Created-By: 17.0.15 (Debian)',
      'X-Build: nightly',
      '',
      'Name: lib.jar',
      'X-Before: 1',
      ...ct(H1.toLowerCase()),
      'X-After: ',
    );
    expect(parseManifest(text)).toEqual({
      version: '1.2.0.2',
      mainAttributes: [
        ['Manifest-Version', '1.2.0.2'],
        ['Created-By', '17.0.15 (Debian)'],
        ['X-Build', 'nightly'],
      ],
      entries: [{ name: 'lib.jar', hash: H1, attributes: [['Name', 'lib.jar'], ['X-Before', '1'], ['Content-Type', H1], ['X-After', '']] }],
    });
  });

  it('joins continuation lines as bytes, so a character split across lines reads back whole', () => {
    const name = `x${'é'.repeat(40)}`; // "Name: x" + 65 bytes: the 72-byte cut falls inside an é
    const bytes = Buffer.from(`Name: ${name}`);
    const wrapped = Buffer.concat([
      Buffer.from(crlf('Manifest-Version: 1', '')),
      bytes.subarray(0, 72),
      Buffer.from('\r\n '),
      bytes.subarray(72),
      Buffer.from(crlf('', ...ct(H1))),
    ]);
    expect(parseManifest(wrapped).entries[0]?.name).toBe(name);
  });

  it('takes a line of exactly 72 bytes', () => {
    const name = 'n'.repeat(66);
    expect(parseManifest(crlf('Manifest-Version: 1', '', `Name: ${name}`, ...ct(H1))).entries[0]?.name).toBe(name);
  });

  it.each(['sql/1.2.0/initial_db_scripts.sql', 'with space.jar', 'café/naïve.txt', '中文/文件.jar', 'emoji 😀.txt', '.hidden/x', 'a..b'])(
    'takes the name %s',
    (name) => {
      expect(parseManifest(crlf('Manifest-Version: 1', '', `Name: ${name}`, ...ct(H1))).entries[0]?.name).toBe(name);
    },
  );
});

describe('parseManifest refuses', () => {
  const head = ['Manifest-Version: 1.2.0.2', ''];
  const section = ['Name: a.jar', ...ct(H1)];

  it.each<[string, string | Buffer, number]>([
    ['an empty file', '', 1],
    ['no Manifest-Version', crlf('Created-By: me', '', ...section), 1],
    ['a blank first line (so no main attributes)', crlf('', 'Manifest-Version: 1', '', ...section), 1],
    ['an empty Manifest-Version', crlf('Manifest-Version: ', ''), 1],
    ['a section without Name', crlf(...head, ...ct(H1)), 3],
    ['Name in the main section', crlf('Manifest-Version: 1', ...section), 2],
    ['a continuation line first in the file', crlf(' 1.2', ...head), 1],
    ['a continuation line first in a section', crlf(...head, ' a.jar', ...section), 3],
    ['a line of 73 bytes', crlf(...head, `Name: ${'n'.repeat(67)}`, ...ct(H1)), 3],
    ['a long line after CR line ends', `Manifest-Version: 1\r\rName: ${'n'.repeat(80)}\r${ct(H1).join('\r')}\r`, 3],
    ['a duplicate Name', crlf(...head, ...section, '', 'Name: b.jar', ...ct(H2), '', ...section), 11],
    ['Name twice in one section', crlf(...head, ...section, 'Name: b.jar'), 6],
    ['an attribute twice in one section', crlf(...head, ...section, ...ct(H2, 'content-type')), 6],
    ['a section with no Content-Type', crlf(...head, 'Name: a.jar', 'X-Other: 1'), 3],
    ['a short hash', crlf(...head, 'Name: a.jar', ...ct(H1.slice(1))), 4],
    ['a hash of 65 digits', crlf(...head, 'Name: a.jar', ...ct(`${H1}0`)), 4],
    ['a hash that is not hex', crlf(...head, 'Name: a.jar', ...ct(`${H1.slice(1)}G`)), 4],
    ['a MIME type where the hash belongs', crlf(...head, 'Name: a.jar', 'Content-Type: application/java-archive'), 4],
    ['a header without ": "', crlf('Manifest-Version:1.2', ''), 1],
    ['a header without a colon', crlf(...head, 'Name a.jar'), 3],
    ['an invalid attribute name', crlf('Manifest-Version: 1', 'Bad Key: x', ''), 2],
    ['an attribute name over 70 characters', crlf('Manifest-Version: 1', `${'K'.repeat(71)}: x`, ''), 2],
    ['a NUL in a value', crlf('Manifest-Version: 1', 'X-Y: a\0b', ''), 2],
    ['a UTF-8 byte order mark', `\ufeff${crlf(...head)}`, 1],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from(`${crlf(...head)}Name: a`), Buffer.from([0xff, 0xfe]), Buffer.from(crlf('', ...ct(H1)))]), 3],
  ])('%s (MANIFEST_MALFORMED with its line)', (_, input, line) => {
    const error = formatErrorOf(() => parseManifest(input, 'https://user:secret@example.org/1.2.0.2/MANIFEST.MF'));
    expect(error.code).toBe('MANIFEST_MALFORMED');
    expect(error.details).toEqual({ line, source: 'https://example.org/1.2.0.2/MANIFEST.MF' });
    expect(error.message).toContain(`line ${line}`);
    expect(error.message).not.toContain('secret');
  });

  it.each(['/etc/passwd', '../evil.jar', 'lib/../../x', './a', 'a/./b', 'a//b', 'a/', 'C:\\Windows\\x.dll', 'C:x', 'a\\b', 'a\0b', 'a\tb', ''])(
    'the unsafe name %j (MANIFEST_NAME_UNSAFE)',
    (name) => {
      const error = formatErrorOf(() => parseManifest(crlf(...head, `Name: ${name}`, ...ct(H1)), 'MANIFEST.MF'));
      expect(error.code).toBe('MANIFEST_NAME_UNSAFE');
      expect(error.details).toMatchObject({ name, source: 'MANIFEST.MF', line: 3 });
    },
  );
});

describe('serializeManifest', () => {
  it('writes the main section first with Manifest-Version first, then each section and a blank line after each', () => {
    const manifest: Manifest = {
      version: '1.2.0.2',
      mainAttributes: [['Created-By', 'me'], ['Manifest-Version', 'ignored: version wins']],
      entries: [{ name: 'a.jar', hash: H1.toLowerCase(), attributes: [['X-Extra', 'é'], ['Name', 'stale'], ['Content-Type', 'stale']] }],
    };
    expect(serializeManifest(manifest).toString('utf8')).toBe(
      crlf('Manifest-Version: 1.2.0.2', 'Created-By: me', '', 'Name: a.jar', 'X-Extra: é', ...ct(H1), ''),
    );
  });

  it('adds Content-Type right after Name when the attributes lack it', () => {
    const manifest: Manifest = { version: '1', mainAttributes: [], entries: [{ name: 'a', hash: H1, attributes: [['X-A', '1']] }] };
    expect(serializeManifest(manifest).toString()).toBe(crlf('Manifest-Version: 1', '', 'Name: a', ...ct(H1), 'X-A: 1', ''));
  });

  it.each([
    ['66 bytes: one line of 72', 'n'.repeat(66), [`Name: ${'n'.repeat(66)}`]],
    ['67 bytes: 72 then 1', 'n'.repeat(67), [`Name: ${'n'.repeat(66)}`, ' n']],
    ['137 bytes: 72 then 71', 'n'.repeat(137), [`Name: ${'n'.repeat(66)}`, ` ${'n'.repeat(71)}`]],
    ['138 bytes: 72, 71 then 1', 'n'.repeat(138), [`Name: ${'n'.repeat(66)}`, ` ${'n'.repeat(71)}`, ' n']],
  ])('wraps a name of %s', (_, name, lines) => {
    const text = serializeManifest(createManifest('1', [{ name, hash: H1 }])).toString('utf8');
    expect(text).toBe(crlf('Manifest-Version: 1', '', ...lines, ...ct(H1), ''));
  });

  it('cuts at 72 bytes even inside a UTF-8 character, as Java 17 does', () => {
    const name = `x${'é'.repeat(40)}`;
    const bytes = serializeManifest(createManifest('1', [{ name, hash: H1 }]));
    const nameLine = Buffer.from(`Name: ${name}`);
    const expected = Buffer.concat([
      Buffer.from(crlf('Manifest-Version: 1', '')),
      nameLine.subarray(0, 72),
      Buffer.from('\r\n '),
      nameLine.subarray(72),
      Buffer.from(crlf('', ...ct(H1), '')),
    ]);
    expect(bytes).toEqual(expected);
  });

  it('writes Manifest-Version unwrapped, as Java does, and refuses one that cannot fit 72 bytes', () => {
    const version = `1.2.0.2-${'S'.repeat(46)}`;
    expect(serializeManifest({ version, mainAttributes: [], entries: [] }).toString()).toBe(crlf(`Manifest-Version: ${version}`, ''));
    const error = formatErrorOf(() => serializeManifest({ version: `${version}S`, mainAttributes: [], entries: [] }));
    expect(error.code).toBe('MANIFEST_MALFORMED');
  });

  it('wraps long unknown values', () => {
    const version = '1.2.0.2';
    const manifest: Manifest = { version, mainAttributes: [['X-Long', '中'.repeat(50)]], entries: [] };
    const bytes = serializeManifest(manifest);
    for (const line of bytes.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(72);
    expect(parseManifest(bytes)).toEqual({ ...manifest, mainAttributes: [['Manifest-Version', version], ...manifest.mainAttributes] });
  });

  const entry = (name: string, hash = H1): Manifest['entries'][number] => ({ name, hash, attributes: [] });
  it.each<[string, Manifest, string]>([
    ['an unsafe name', { version: '1', mainAttributes: [], entries: [entry('../x')] }, 'MANIFEST_NAME_UNSAFE'],
    ['a hash that is not a SHA-256', { version: '1', mainAttributes: [], entries: [entry('a', 'abc')] }, 'MANIFEST_MALFORMED'],
    ['a duplicate entry', { version: '1', mainAttributes: [], entries: [entry('a'), entry('a')] }, 'MANIFEST_MALFORMED'],
    ['an empty version', { version: '', mainAttributes: [], entries: [] }, 'MANIFEST_MALFORMED'],
    ['an invalid attribute name', { version: '1', mainAttributes: [['Bad Key', 'x']], entries: [] }, 'MANIFEST_MALFORMED'],
    ['an attribute twice', { version: '1', mainAttributes: [['X-A', '1'], ['x-a', '2']], entries: [] }, 'MANIFEST_MALFORMED'],
    ['a value with a line break', { version: '1', mainAttributes: [['X-A', 'a\nName: evil']], entries: [] }, 'MANIFEST_MALFORMED'],
    ['a value with CR', { version: '1\r', mainAttributes: [], entries: [] }, 'MANIFEST_MALFORMED'],
  ])('refuses %s', (_, manifest, code) => {
    expect(formatErrorOf(() => serializeManifest(manifest)).code).toBe(code);
  });
});

describe('createManifest', () => {
  it('sorts entries by the UTF-8 bytes of their names and uppercases hashes', () => {
    const names = ['b.jar', 'a.jar', 'B.jar', 'é.txt', 'z/y.sql', '😀.txt', '\uff21.txt', 'a b.jar'];
    const manifest = createManifest('1.2.0.2', names.map((name) => ({ name, hash: H1.toLowerCase() })));
    expect(manifest.entries.map((e) => e.name)).toEqual(['B.jar', 'a b.jar', 'a.jar', 'b.jar', 'z/y.sql', 'é.txt', '\uff21.txt', '😀.txt']);
    expect(manifest.mainAttributes).toEqual([['Manifest-Version', '1.2.0.2']]);
    expect(manifest.entries[0]).toEqual({ name: 'B.jar', hash: H1, attributes: [['Name', 'B.jar'], ['Content-Type', H1]] });
  });

  it('is deterministic whatever the input order', () => {
    const files = ['c', 'a', 'b'].map((name, index) => ({ name, hash: index === 0 ? H1 : H2 }));
    expect(serializeManifest(createManifest('1', files))).toEqual(serializeManifest(createManifest('1', [...files].reverse())));
  });

  it.each<[string, string, Array<{ name: string; hash: string }>, string]>([
    ['a version that is not plain', '../1', [], 'INVALID_VERSION'],
    ['an unsafe name', '1', [{ name: '/abs', hash: H1 }], 'MANIFEST_NAME_UNSAFE'],
    ['a bad hash', '1', [{ name: 'a', hash: 'xyz' }], 'MANIFEST_MALFORMED'],
    ['a name twice', '1', [{ name: 'a', hash: H1 }, { name: 'a', hash: H2 }], 'MANIFEST_MALFORMED'],
  ])('refuses %s', (_, version, files, code) => {
    expect(formatErrorOf(() => createManifest(version, files)).code).toBe(code);
  });
});

describe('manifestHashes', () => {
  it('maps every name to its uppercase hash', () => {
    const manifest = createManifest('1', [
      { name: 'a', hash: H1 },
      { name: 'b/c', hash: H2.toLowerCase() },
    ]);
    expect(manifestHashes(manifest)).toEqual(new Map([['a', H1], ['b/c', H2]]));
  });
});

describe('Content-Length: the size of each file (issue 17)', () => {
  it('createManifest writes it after Content-Type and parseManifest reads it back', () => {
    const bytes = serializeManifest(createManifest('1.2.0.2', [{ name: 'a.jar', hash: H1, size: 1234 }, { name: 'b.jar', hash: H2 }]));
    expect(bytes.toString('utf8')).toContain('Name: a.jar\r\nContent-Type: ');
    expect(bytes.toString('utf8')).toContain('Content-Length: 1234\r\n');
    const parsed = parseManifest(bytes);
    expect(parsed.entries.map((entry) => [entry.name, entry.size])).toEqual([['a.jar', 1234], ['b.jar', undefined]]);
    expect(serializeManifest(parsed)).toEqual(bytes);
  });

  it.each(['-1', '12a', '', '1.5', '9999999999999999'])('a Content-Length of %j is malformed (a size must be decimal digits)', (value) => {
    const text = crlf('Manifest-Version: 1', '', 'Name: a.jar', ...ct(H1), `Content-Length: ${value}`, '');
    expect(formatErrorOf(() => parseManifest(text)).code).toBe('MANIFEST_MALFORMED');
  });
});

describe('an HTML page where MANIFEST.MF should be (issue 17)', () => {
  it.each([
    '<!DOCTYPE html>\n<html><head><title>Login</title></head><body>Please sign in to the Wi-Fi network to continue browsing the internet</body></html>\n',
    '  <html><body><h1>502 Bad Gateway</h1></body></html>',
    '<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>proxy error</body></html>',
  ])('says it looks like an HTML page, not that a line is too long: %j', (page) => {
    const error = formatErrorOf(() => parseManifest(page, 'http://server/registration-client/1.0.0/MANIFEST.MF'));
    expect(error.code).toBe('MANIFEST_MALFORMED');
    expect(error.message).toMatch(/looks like an HTML page/);
  });
});
