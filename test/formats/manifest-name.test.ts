import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { assertSafeManifestName, isSafeManifestName, manifestNameProblem } from '../../src/formats/manifest-name.js';

describe('assertSafeManifestName', () => {
  it.each([
    'registration-client-1.2.0.2.jar',
    'sql/1.2.0/initial_db_scripts.sql',
    'name with spaces.properties',
    'café/über/naïve.txt',
    '中文/文件名.jar',
    'emoji-😀.txt',
    '.hidden',
    'a..b/c...d',
    '...',
    `${'deep/'.repeat(60)}x`,
  ])('accepts %j', (name) => {
    expect(() => assertSafeManifestName(name)).not.toThrow();
    expect(isSafeManifestName(name)).toBe(true);
  });

  it.each([
    ['', 'is empty'],
    ['/etc/passwd', 'is an absolute path'],
    ['C:', 'drive letter'],
    ['C:/Windows/x.dll', 'drive letter'],
    ['c:evil', 'drive letter'],
    ['lib.jar:stream', 'stream'],
    ['a\\b', 'backslash'],
    ['\\\\server\\share', 'backslash'],
    ['a\0b', 'control character'],
    ['a\nb', 'control character'],
    ['a\u007fb', 'control character'],
    ['a\u0085b', 'control character'],
    ['..', "'..' path segment"],
    ['../x', "'..' path segment"],
    ['a/../../b', "'..' path segment"],
    ['a/..', "'..' path segment"],
    ['.', "'.' path segment"],
    ['./a', "'.' path segment"],
    ['a/./b', "'.' path segment"],
    ['a//b', 'empty path segment'],
    ['a/', 'ends with /'],
    ['a\ud800b', 'not valid Unicode'],
  ])('refuses %j (%s)', (name, problem) => {
    expect(manifestNameProblem(name)).toContain(problem);
    let error: unknown;
    try {
      assertSafeManifestName(name, 'https://u:p@host/1.2/MANIFEST.MF', 7);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FormatError);
    expect(error).toMatchObject({ code: 'MANIFEST_NAME_UNSAFE', details: { name, source: 'https://host/1.2/MANIFEST.MF', line: 7 } });
  });
});
