import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import {
  VERSION_MAPPINGS_KEY,
  compareVersions,
  isPlainVersion,
  parseVersionMappings,
  type VersionMappings,
} from '../../src/formats/version.js';

// DESIGN §3's example, with fullSyncEntities as MOSIP allows.
const MOSIP_MAPPINGS =
  '{"1.1.4":{"dbVersion":"1.1.4","releaseOrder":1},"1.1.5.5":{"dbVersion":"1.1.5.5","releaseOrder":3,"fullSyncEntities":"MachineType,RegistrationCenterType"}}';

describe('isPlainVersion', () => {
  it.each(['1', '1.2', '1.1.5.5', '1.2.0.1', '1.2.0.2-SNAPSHOT', '1.2.0-rc.1', '0.1v', '10.20.30_B2', '1'.repeat(54)])('accepts %j', (v) => {
    expect(isPlainVersion(v)).toBe(true);
  });

  it.each(['', ' ', '1.2 ', ' 1.2', '1 .2', '1.2/3', '..', '../x', '1..2', '.1', '1.', '1.2-', '-1', 'v1.2', '1.2\\3', '1.2%2F3', '1.2\n', '1.2-SNAPSHOT/..', '1'.repeat(55), `1${'a'.repeat(40)}/`])(
    'refuses %j',
    (v) => {
      expect(isPlainVersion(v)).toBe(false);
    },
  );
});

describe('compareVersions', () => {
  it.each([
    ['1.1.5.5', '1.2.0.1', -1],
    ['1.2.0.1', '1.2.0.2-SNAPSHOT', -1],
    ['1.2.0.2-SNAPSHOT', '1.2.0.2', -1],
    ['1.2.0.2', '1.2.0.2', 0],
    ['1.10', '1.9', 1],
    ['1.2', '1.2.0', 0],
    ['1.2.1', '1.2', 1],
    ['01.2', '1.2', 0],
    ['1.2.0-rc2', '1.2.0-rc10', -1],
    ['1.2.0-alpha', '1.2.0-beta', -1],
    ['99999999999999999999.1', '99999999999999999998.9', 1],
    ['0.1v', '0.1', -1],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });

  const mappings: VersionMappings = {
    '1.2.0.1': { dbVersion: '1.2.0.1', releaseOrder: 1 },
    '1.1.5.5': { dbVersion: '1.1.5.5', releaseOrder: 2 },
  };

  it('follows releaseOrder when both versions are mapped, even against the numbers', () => {
    expect(compareVersions('1.2.0.1', '1.1.5.5', mappings)).toBe(-1);
    expect(compareVersions('1.1.5.5', '1.2.0.1', mappings)).toBe(1);
  });

  it('falls back to the numbers when either version is unmapped', () => {
    expect(compareVersions('1.2.0.1', '1.3', mappings)).toBe(-1);
    expect(compareVersions('1.0', '1.1.5.5', mappings)).toBe(-1);
  });

  it('sorts a list the way an operator expects', () => {
    const versions = ['1.2.0.2', '1.10.0', '1.1.5.5', '1.2.0.2-SNAPSHOT', '1.2.0.1', '1.9.9'];
    expect([...versions].sort((a, b) => compareVersions(a, b))).toEqual(['1.1.5.5', '1.2.0.1', '1.2.0.2-SNAPSHOT', '1.2.0.2', '1.9.9', '1.10.0']);
  });
});

describe('parseVersionMappings', () => {
  it('reads MOSIP’s example', () => {
    expect(parseVersionMappings(MOSIP_MAPPINGS)).toEqual({
      '1.1.4': { dbVersion: '1.1.4', releaseOrder: 1 },
      '1.1.5.5': { dbVersion: '1.1.5.5', releaseOrder: 3, fullSyncEntities: 'MachineType,RegistrationCenterType' },
    });
  });

  it('reads an empty object as no mappings', () => {
    expect(parseVersionMappings('{}')).toEqual({});
  });

  it.each([
    ['not JSON', '{"1.1.4":', ''],
    ['an empty value', '', ''],
    ['an array', '[1, 2]', '[1,2]'],
    ['null', 'null', 'null'],
    ['a string entry', '{"1.1.4":"1.1.4"}', '"1.1.4"'],
    ['a missing dbVersion', '{"1.1.4":{"releaseOrder":1}}', 'nothing'],
    ['a numeric dbVersion', '{"1.1.4":{"dbVersion":114,"releaseOrder":1}}', '114'],
    ['a dbVersion that escapes lib/sql', '{"1.1.4":{"dbVersion":"../../x","releaseOrder":1}}', '"../../x"'],
    ['a missing releaseOrder', '{"1.1.4":{"dbVersion":"1.1.4"}}', 'nothing'],
    ['a fractional releaseOrder', '{"1.1.4":{"dbVersion":"1.1.4","releaseOrder":1.5}}', '1.5'],
    ['a releaseOrder as a string', '{"1.1.4":{"dbVersion":"1.1.4","releaseOrder":"1"}}', '"1"'],
    ['a duplicate releaseOrder', '{"1.1.4":{"dbVersion":"1.1.4","releaseOrder":1},"1.2":{"dbVersion":"1.2","releaseOrder":1}}', '1'],
    ['a version key that is not plain', '{"1.1/4":{"dbVersion":"1.1.4","releaseOrder":1}}', '"1.1/4"'],
    ['a non-string fullSyncEntities', '{"1.1.4":{"dbVersion":"1.1.4","releaseOrder":1,"fullSyncEntities":["a"]}}', '["a"]'],
  ])('refuses %s (MAPPINGS_INVALID naming the key and value)', (_, json, shown) => {
    let error: unknown;
    try {
      parseVersionMappings(json, 'my.key');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FormatError);
    const formatError = error as FormatError;
    expect(formatError.code).toBe('MAPPINGS_INVALID');
    expect(formatError.details.key).toBe('my.key');
    expect(formatError.message).toContain('my.key');
    if (shown !== '') expect(formatError.details.value).toBe(shown);
  });

  it('names MOSIP’s key by default', () => {
    expect(() => parseVersionMappings('[]')).toThrow(VERSION_MAPPINGS_KEY);
  });
});
