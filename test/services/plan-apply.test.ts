import { describe, expect, it } from 'vitest';
import { createManifest } from '../../src/formats/manifest.js';
import { filesToStage, planApply } from '../../src/services/plan-apply.js';

const H = (c: string) => c.repeat(64);

describe('planApply: what a staged release changes in lib/', () => {
  const cases: Array<{ name: string; before: Record<string, string>; after: Record<string, string>; expected: string[] }> = [
    { name: 'same release: only the commit', before: { 'a.jar': H('A') }, after: { 'a.jar': H('A') }, expected: ['commit'] },
    {
      name: 'changed, added and removed files; deletes after every write; commit last',
      before: { 'a.jar': H('A'), 'b.jar': H('B'), 'registration-client-1.0.0.jar': H('C') },
      after: { 'a.jar': H('1'), 'c.jar': H('2'), 'registration-client-1.1.0.jar': H('3') },
      expected: ['replace a.jar', 'add c.jar', 'add registration-client-1.1.0.jar', 'delete b.jar', 'delete registration-client-1.0.0.jar', 'commit'],
    },
    {
      name: 'hash comparison ignores case',
      before: { 'a.jar': H('a') },
      after: { 'a.jar': H('A') },
      expected: ['commit'],
    },
    {
      name: 'nested paths (DB scripts)',
      before: { 'sql/1.0.0/initial_db_scripts.sql': H('1') },
      after: { 'sql/1.0.0/initial_db_scripts.sql': H('1'), 'sql/1.1.0/initial_db_scripts.sql': H('2') },
      expected: ['add sql/1.1.0/initial_db_scripts.sql', 'commit'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const toFiles = (m: Record<string, string>) => Object.entries(m).map(([name, hash]) => ({ name, hash }));
      const plan = planApply(createManifest('1.0.0', toFiles(c.before)), createManifest('1.1.0', toFiles(c.after)));
      expect(plan.map((s) => (s.op === 'commit' ? 'commit' : `${s.op} ${s.name}`))).toEqual(c.expected);
      expect(filesToStage(plan).map((f) => f.name)).toEqual(
        c.expected.filter((e) => e.startsWith('replace') || e.startsWith('add')).map((e) => e.split(' ')[1]),
      );
    });
  }
});
