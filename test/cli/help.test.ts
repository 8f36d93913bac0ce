import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';

describe('command line', () => {
  it('lists every command of DESIGN §8 in --help', () => {
    const names = buildProgram().commands.map((c) => c.name());
    expect(names).toEqual(
      expect.arrayContaining(['start', 'upgrade', 'rollback', 'status', 'history', 'publish', 'serve', 'inspect', 'demo']),
    );
  });
});

describe('every command’s --help', () => {
  it('lists its options and ends with one example (subcommands too)', async () => {
    const { runCli } = await import('../helpers/station.js');
    const names = buildProgram().commands.flatMap((c) => [c.name(), ...c.commands.map((sub) => `${c.name()} ${sub.name()}`)]);
    for (const name of names) {
      const help = await runCli([...name.split(' '), '--help']);
      expect(help.code, name).toBe(0);
      expect(help.stdout, name).toMatch(/Options:/);
      expect(help.stdout, name).toMatch(new RegExp(`Example:\\n {2}reg-client-upgrader ${name} `));
    }
  });
});
