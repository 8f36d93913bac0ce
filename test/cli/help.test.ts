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
