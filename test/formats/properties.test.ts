// .properties as java.util.Properties reads it. What Java read and wrote is committed under
// test/fixtures/properties; with `java` on PATH the live checks also run. Regenerate with:
//   UPDATE_FIXTURES=1 npx vitest run test/formats/properties.test.ts
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { parseProperties } from '../../src/formats/properties.js';
import { fixturesDir, javaAvailable, javaReadProperties, javaStoreProperties } from './java-tool.js';

const dir = path.join(fixturesDir, 'properties');
const tricky = readFileSync(path.join(dir, 'tricky.properties'), 'utf8');
const trickyExpected = new Map(Object.entries(JSON.parse(readFileSync(path.join(dir, 'tricky.expected.json'), 'utf8')) as Record<string, string>));

/** What Java is asked to store: every character class Properties.store escapes. */
const stored = new Map<string, string>([
  ['mosip.reg.client.url', 'https://upgrade.example.org/registration-client/'],
  ['mosip.registration.verion.upgrade.version-mappings', '{"1.1.4":{"dbVersion":"1.1.4","releaseOrder":1},"1.1.5.5":{"dbVersion":"1.1.5.5","releaseOrder":3}}'],
  ['key with spaces', 'value with spaces'],
  ['key=with:separators#and!comment', 'value=with:separators#and!comment'],
  [' leading space key', '  leading spaces value'],
  ['trailing space value', 'x  '],
  ['#starts.like.a.comment', '!value'],
  ['control', 'tab\tnewline\nreturn\rformfeed\f'],
  ['backslash', 'C:\\Program Files\\MOSIP\\'],
  ['unicode.é.中文', 'café 中文 😀 \u0001 \u007f \u00a0'],
  ['empty', ''],
  ['', 'empty key'],
]);

const storedFiles = { latin1: 'stored-latin1.properties', utf8: 'stored-utf8.properties' } as const;

function propertiesErrorOf(run: () => unknown): FormatError {
  try {
    run();
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected a FormatError');
}

describe('parseProperties', () => {
  it('reads the tricky file exactly as Java did (separators, escapes, continuations, comments)', () => {
    expect(parseProperties(tricky)).toEqual(trickyExpected);
  });

  it.each([
    ['CRLF', tricky.replace(/\n/g, '\r\n')],
    ['CR', tricky.replace(/\n/g, '\r')],
  ])('reads the tricky file the same with %s line ends', (_, text) => {
    expect(parseProperties(text)).toEqual(trickyExpected);
  });

  it.each(Object.entries(storedFiles))('reads what Properties.store wrote (%s)', (encoding, file) => {
    const text = readFileSync(path.join(dir, file), encoding === 'latin1' ? 'latin1' : 'utf8');
    expect(parseProperties(text)).toEqual(stored);
  });

  it.each([
    ['a short \\u escape', 'bad = \\u12\n', 1],
    ['a \\u escape with non-hex digits', 'ok = 1\nbad = \\uZZZZ\n', 2],
    ['a bad \\u escape in a key', '# fine \\uZZZZ in a comment\nke\\u00G1y = x\n', 2],
    ['a \\u escape cut by the end of the file', 'a = b\\u00', 1],
  ])('refuses %s with PROPERTIES_MALFORMED and the line', (_, text, line) => {
    const error = propertiesErrorOf(() => parseProperties(text, 'lib/spring.properties'));
    expect(error.code).toBe('PROPERTIES_MALFORMED');
    expect(error.details).toEqual({ line, source: 'lib/spring.properties' });
  });

  it('accepts an escaped backslash before u', () => {
    expect(parseProperties('path = C:\\\\users\\\\u1\n')).toEqual(new Map([['path', 'C:\\users\\u1']]));
  });

  it('keeps keys like __proto__ as plain keys', () => {
    expect(parseProperties('__proto__ = x\nconstructor = y\n')).toEqual(new Map([['__proto__', 'x'], ['constructor', 'y']]));
  });
});

describe.skipIf(!javaAvailable)('live java.util.Properties', () => {
  let tmp = '';
  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'properties-java-'));
    for (const [encoding, file] of Object.entries(storedFiles)) {
      javaStoreProperties(path.join(tmp, file), stored, encoding as keyof typeof storedFiles);
    }
  });
  afterAll(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  it('stores files we read back as Java was given them', () => {
    for (const [encoding, file] of Object.entries(storedFiles)) {
      const text = readFileSync(path.join(tmp, file), encoding === 'latin1' ? 'latin1' : 'utf8');
      expect(parseProperties(text), file).toEqual(stored);
      if (process.env.UPDATE_FIXTURES === '1') copyFileSync(path.join(tmp, file), path.join(dir, file));
    }
  });

  it('reads the tricky file, in every line-end style, as we do; and refuses bad \\u as we do', () => {
    const variants = {
      'lf.properties': tricky,
      'crlf.properties': tricky.replace(/\n/g, '\r\n'),
      'cr.properties': tricky.replace(/\n/g, '\r'),
      'bad-short.properties': 'bad = \\u12\n',
      'bad-hex.properties': 'bad = \\uZZZZ\n',
    };
    for (const [file, text] of Object.entries(variants)) writeFileSync(path.join(tmp, file), text);
    const read = javaReadProperties(Object.keys(variants).map((file) => path.join(tmp, file)));
    const lf = read.get(path.join(tmp, 'lf.properties'));
    if (process.env.UPDATE_FIXTURES === '1' && lf instanceof Map) {
      writeFileSync(path.join(dir, 'tricky.expected.json'), `${JSON.stringify(Object.fromEntries(lf), null, 2)}\n`);
    }
    expect(lf).toEqual(trickyExpected);
    expect(read.get(path.join(tmp, 'crlf.properties'))).toEqual(trickyExpected);
    expect(read.get(path.join(tmp, 'cr.properties'))).toEqual(trickyExpected);
    expect(read.get(path.join(tmp, 'bad-short.properties'))).toBeInstanceOf(Error);
    expect(read.get(path.join(tmp, 'bad-hex.properties'))).toBeInstanceOf(Error);
  });
});
