import { describe, expect, it } from 'vitest';
import type { VersionMappings } from '../../../src/formats/version.js';
import { planDbUpgrade } from '../../../src/services/client-db/plan-db-upgrade.js';

const LINEAR: VersionMappings = {
  '1.0.0': { dbVersion: '1.0.0', releaseOrder: 1 },
  '1.1.0': { dbVersion: '1.1.0', releaseOrder: 2 },
  '1.2.0': { dbVersion: '1.2.0', releaseOrder: 3 },
  '1.3.0': { dbVersion: '1.3.0', releaseOrder: 4 },
};

// MOSIP's real shape: release versions whose script folder has a shorter name.
const MOSIP: VersionMappings = {
  '1.1.4': { dbVersion: '1.1.4', releaseOrder: 1 },
  '1.1.5': { dbVersion: '1.1.5', releaseOrder: 2 },
  '1.1.5.5': { dbVersion: '1.1.5.5', releaseOrder: 3 },
  '1.2.0.1': { dbVersion: '1.2.0.1', releaseOrder: 4 },
};

// Releases out of numeric order: releaseOrder decides, not the numbers.
const REORDERED: VersionMappings = {
  '2.0.0': { dbVersion: '2.0.0', releaseOrder: 3 },
  '1.9.0': { dbVersion: '1.9.0', releaseOrder: 1 },
  '1.10.0': { dbVersion: '1.10.0', releaseOrder: 2 },
};

// Two releases sharing one script folder.
const SHARED: VersionMappings = {
  '1.1.4': { dbVersion: '1.1.4', releaseOrder: 1 },
  '1.1.5.4': { dbVersion: '1.1.5', releaseOrder: 2 },
  '1.1.5.5': { dbVersion: '1.1.5', releaseOrder: 3 },
  '1.2.0': { dbVersion: '1.2.0', releaseOrder: 4 },
};

const step = (mappings: VersionMappings, version: string): { version: string; dbVersion: string; releaseOrder: number } => {
  const mapping = mappings[version];
  if (mapping === undefined) throw new Error(`no mapping for ${version}`);
  return { version, dbVersion: mapping.dbVersion, releaseOrder: mapping.releaseOrder };
};

describe('planDbUpgrade', () => {
  it.each<[string, VersionMappings, string, string, string[]]>([
    ['1.0.0 to 1.2.0, skipping 1.1.0 as an installed release', LINEAR, '1.0.0', '1.2.0', ['1.1.0', '1.2.0']],
    ['one release up', LINEAR, '1.2.0', '1.3.0', ['1.3.0']],
    ['all the way', LINEAR, '1.0.0', '1.3.0', ['1.1.0', '1.2.0', '1.3.0']],
    ['same version', LINEAR, '1.2.0', '1.2.0', []],
    ['database ahead of the installed version', LINEAR, '1.3.0', '1.1.0', []],
    ['dbVersion differs from the version key', { '1.1.4': MOSIP['1.1.4']!, '1.1.5.5': { dbVersion: '1.1.5', releaseOrder: 3 } }, '1.1.4', '1.1.5.5', ['1.1.5.5']],
    ['MOSIP 1.1.4 to 1.2.0.1', MOSIP, '1.1.4', '1.2.0.1', ['1.1.5', '1.1.5.5', '1.2.0.1']],
    ['MOSIP 1.1.5 to 1.1.5.5', MOSIP, '1.1.5', '1.1.5.5', ['1.1.5.5']],
    ['database version not mapped, between two mapped ones', MOSIP, '1.1.4.9', '1.2.0.1', ['1.1.5', '1.1.5.5', '1.2.0.1']],
    ['database version not mapped, below all', LINEAR, '0.9', '1.1.0', ['1.0.0', '1.1.0']],
    ['installed version not mapped: mapped versions up to it numerically', LINEAR, '1.0.0', '1.2.5', ['1.1.0', '1.2.0']],
    ['installed version not mapped, above all', LINEAR, '1.1.0', '9.0', ['1.2.0', '1.3.0']],
    ['neither mapped', LINEAR, '1.0.5', '1.2.0.1', ['1.1.0', '1.2.0']],
    ['installed a snapshot of a mapped release: that release is not reached', LINEAR, '1.1.0', '1.3.0-SNAPSHOT', ['1.2.0']],
    ['releaseOrder decides, not numbers', REORDERED, '1.9.0', '2.0.0', ['1.10.0', '2.0.0']],
    ['releases sharing a script folder run it once, as the highest', SHARED, '1.1.4', '1.2.0', ['1.1.5.5', '1.2.0']],
    ['a shared folder already reached is not run again', SHARED, '1.1.5.4', '1.2.0', ['1.2.0']],
    ['a shared folder already reached, stopping inside it', SHARED, '1.1.5.4', '1.1.5.5', []],
    ['no mappings at all', {}, '1.0.0', '1.2.0', []],
  ])('%s', (_name, mappings, dbVersion, installed, expected) => {
    const plan = planDbUpgrade(mappings, dbVersion, installed);
    expect(plan.map((entry) => entry.version)).toEqual(expected);
    expect(plan).toEqual(expected.map((version) => step(mappings, version)));
  });

  it('keeps the dbVersion of each step for its script folder', () => {
    expect(planDbUpgrade(SHARED, '1.1.4', '1.1.5.5')).toEqual([{ version: '1.1.5.5', dbVersion: '1.1.5', releaseOrder: 3 }]);
  });

  it('does not change the mappings it is given', () => {
    const copy = structuredClone(REORDERED);
    planDbUpgrade(REORDERED, '1.9.0', '2.0.0');
    expect(REORDERED).toEqual(copy);
  });
});
