// The version key MOSIP's client reads at start-up (SoftwareUpdateHandler 1.2.0.2): the value the
// upgrader writes must make that client run no script again.
import { describe, expect, it } from 'vitest';
import type { VersionMappings } from '../../../src/formats/version.js';
import { scriptsMosipWouldRun, versionKeyValue } from '../../../src/services/client-db/version-key-value.js';

// MOSIP 1.2.0.2's spring.properties, and a build with qualified keys.
const MOSIP_1_2_0_2: VersionMappings = {
  '1.1.4': { dbVersion: '1.1.4', releaseOrder: 1 },
  '1.1.5': { dbVersion: '1.1.5', releaseOrder: 2 },
  '1.1.5.5-P1': { dbVersion: '1.1.5.5', releaseOrder: 3 },
  '1.2.0.1-SNAPSHOT': { dbVersion: '1.2.0.1', releaseOrder: 4 },
};
const QUALIFIED: VersionMappings = {
  '1.1.5.5-P1': { dbVersion: '1.1.5.5', releaseOrder: 1 },
  '1.2.0.1-B1': { dbVersion: '1.2.0.1', releaseOrder: 2 },
};

describe('versionKeyValue', () => {
  it.each([
    ['a mapping key verbatim, qualifier kept', '1.2.0.1-B1', QUALIFIED, '1.2.0.1-B1'],
    ['a patch qualifier kept', '1.1.5.5-P1', QUALIFIED, '1.1.5.5-P1'],
    ['spelled as the mappings spell it', '1.2.0.1-b1', QUALIFIED, '1.2.0.1-B1'],
    ['no mappings: the step version', '1.2.0.1', undefined, '1.2.0.1'],
  ])('%s', (_name, step, mappings, expected) => {
    expect(versionKeyValue(step, mappings)).toBe(expected);
  });
});

describe('scriptsMosipWouldRun', () => {
  it.each([
    ['the key equals the MANIFEST version (any case): nothing', '1.2.0.1-b1', '1.2.0.1-B1', QUALIFIED, []],
    ["the last mapping key under a newer MANIFEST (1.2.0.2's own mappings): nothing", '1.2.0.1-SNAPSHOT', '1.2.0.2', MOSIP_1_2_0_2, []],
    ['an older mapping key: the later scripts', '1.1.5.5-P1', '1.2.0.2', MOSIP_1_2_0_2, ['1.2.0.1-SNAPSHOT']],
    ['a key with its qualifier dropped is no mapping key: every script again', '1.2.0.1', '1.2.0.2', QUALIFIED, ['1.1.5.5-P1', '1.2.0.1-B1']],
    ['"0" means unknown: MOSIP guesses from its backups', '0', '1.2.0.2', QUALIFIED, undefined],
    ['empty: unknown', ' ', '1.2.0.2', QUALIFIED, undefined],
  ])('%s', (_name, value, manifest, mappings, expected) => {
    expect(scriptsMosipWouldRun(value, manifest, mappings)).toEqual(expected);
  });

  it('never re-runs what versionKeyValue wrote for the last step', () => {
    for (const mappings of [MOSIP_1_2_0_2, QUALIFIED]) {
      const last = Object.entries(mappings).sort(([, a], [, b]) => b.releaseOrder - a.releaseOrder)[0]?.[0] ?? '';
      expect(scriptsMosipWouldRun(versionKeyValue(last, mappings), '9.9.9', mappings)).toEqual([]);
    }
  });
});
