// Keeps the README true to the contract: every command, exit code, error code, setting and state
// the code has is documented, and the two commands a newcomer needs come first.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { SETTINGS } from '../../src/config/settings.js';
import { ERROR_CODES, EXIT } from '../../src/errors.js';
import { STATION_STATES } from '../../src/machines/station-machine.js';
import { repoRoot } from '../helpers/station.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

describe('README', () => {
  it('starts with the demo and the test command', () => {
    const top = readme.split('\n').slice(0, 15).join('\n');
    expect(top).toContain('npm run demo');
    expect(top).toContain('npm test');
  });

  it('documents every command', () => {
    for (const command of buildProgram().commands.map((c) => c.name())) {
      expect(readme, command).toContain(`reg-client-upgrader ${command}`);
    }
  });

  it('documents every exit code and every error code', () => {
    for (const code of Object.values(EXIT)) expect(readme, `exit ${code}`).toMatch(new RegExp(`\\|\\s*${code}\\s*\\|`));
    for (const code of Object.keys(ERROR_CODES)) expect(readme, code).toContain(code);
  });

  it('documents every setting: property key, environment variable and flag', () => {
    for (const spec of Object.values(SETTINGS)) {
      expect(readme, spec.property).toContain(spec.property);
      expect(readme, spec.env).toContain(spec.env);
      expect(readme, spec.flag).toContain(`--${spec.flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    }
  });

  it('names every state of the machine', () => {
    for (const state of STATION_STATES) expect(readme, state).toContain(`\`${state}\``);
  });
});
