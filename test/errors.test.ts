// One table answers "which exit code does this failure give": ERROR_CODES, held here to README's
// exit-code table (DESIGN §7), with the rule a failed step records its error by.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifyError,
  ERROR_CODES,
  errorMessage,
  EXIT,
  exitCodeOf,
  FormatError,
  NetworkError,
  UpgradeError,
  type ErrorCode,
} from '../src/errors.js';
import { buildProgram, runCli } from '../src/cli/main.js';
import { repoRoot } from './helpers/station.js';

/** README's "Exit codes" table: exit code → the error codes it lists. */
function readmeExitTable(): Map<number, string[]> {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('\n## ', readme.indexOf('## Exit codes') + 1));
  const table = new Map<number, string[]>();
  for (const row of section.split('\n').filter((line) => /^\| \d+ \|/.test(line))) {
    const cells = row.split('|').map((cell) => cell.trim());
    table.set(Number(cells[1]), [...(cells[3] ?? '').matchAll(/`([A-Z_]+)`/g)].map((match) => match[1] ?? ''));
  }
  return table;
}

function sourceText(dir: string): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

describe('exit codes: one table', () => {
  it("README's exit-code table is ERROR_CODES, row for row", () => {
    const documented = new Map<string, number>();
    for (const [exit, codes] of readmeExitTable()) for (const code of codes) documented.set(code, exit);
    expect(Object.fromEntries(documented)).toEqual({ ...ERROR_CODES });
    expect([...readmeExitTable().keys()].sort((a, b) => a - b)).toEqual([...new Set(Object.values(EXIT))].sort((a, b) => a - b));
  });

  it('every code in the table is raised somewhere in src/', () => {
    const src = sourceText(path.join(repoRoot, 'src')).replace(/export const ERROR_CODES = \{[^}]*\}/s, '');
    const unused = Object.keys(ERROR_CODES).filter((code) => !src.includes(`'${code}'`) && !src.includes(`ERROR_CODES.${code}`));
    expect(unused).toEqual([]);
  });

  it.each<[string, unknown, number]>([
    ['a product error', new UpgradeError('LOCKED', 'held'), 40],
    ['bad data', new FormatError('MANIFEST_MALFORMED', 'x'), 65],
    ['a network error', new NetworkError('DOWNLOAD_FAILED', 'x'), 21],
    ['a plain Error', new Error('EACCES'), 21],
    ['a thrown string', 'boom', 21],
    ['undefined', undefined, 21],
  ])('exitCodeOf(%s) is %i', (_name, error, exit) => {
    expect(exitCodeOf(error)).toBe(exit);
  });

  it('every command answers a flag it does not know with 64 (commander alone would exit 1)', async () => {
    const names = buildProgram().commands.map((command) => command.name());
    const codes = await Promise.all(names.map(async (name) => [name, await runCli([name, '--no-such-flag'])] as const));
    expect(Object.fromEntries(codes)).toEqual(Object.fromEntries(names.map((name) => [name, ERROR_CODES.USAGE])));
    expect(await runCli(['--no-such-flag'])).toBe(ERROR_CODES.USAGE);
  });
});

describe('classifyError: how a failed step records its error', () => {
  it.each<[string, unknown, ErrorCode, ErrorCode]>([
    // the step decides: a network or I/O failure says where the run failed
    ['network error while fetching the manifest', new NetworkError('DOWNLOAD_FAILED', 'x'), 'BUILD_STATUS_CHECK_FAILED', 'BUILD_STATUS_CHECK_FAILED'],
    ['local write failure while patching', new UpgradeError('IO_FAILED', 'x'), 'PATCH_DOWNLOAD_FAILED', 'IO_FAILED'],
    ['anything unexpected while patching', new TypeError('x'), 'PATCH_DOWNLOAD_FAILED', 'PATCH_DOWNLOAD_FAILED'],
    ['anything unexpected in the DB upgrade', new Error('x'), 'DB_UPGRADE_FAILED', 'DB_UPGRADE_FAILED'],
    ['a network error while staging', new NetworkError('DOWNLOAD_FAILED', 'x'), 'UPGRADE_FAILED', 'UPGRADE_FAILED'],
    // the error's own kind stays
    ['bad data', new FormatError('HASH_MISMATCH', 'x'), 'PATCH_DOWNLOAD_FAILED', 'HASH_MISMATCH'],
    ['usage', new UpgradeError('NO_BACKUP', 'x'), 'ROLLBACK_FAILED', 'NO_BACKUP'],
    ['the lock', new UpgradeError('CLIENT_DB_IN_USE', 'x'), 'DB_UPGRADE_FAILED', 'CLIENT_DB_IN_USE'],
    ['a full disk while staging', new UpgradeError('DISK_FULL', 'x'), 'UPGRADE_FAILED', 'DISK_FULL'],
    ['a failed backup', new UpgradeError('BACKUP_FAILED', 'x'), 'UPGRADE_FAILED', 'BACKUP_FAILED'],
    ['a failed rollback', new UpgradeError('ROLLBACK_FAILED', 'x'), 'DB_UPGRADE_FAILED', 'ROLLBACK_FAILED'],
    ['the crash-loop guard', new UpgradeError('CRASH_LOOP', 'x'), 'UPGRADE_FAILED', 'CRASH_LOOP'],
  ])('%s → %s step records %s', (_name, error, step, recorded) => {
    expect(classifyError(error, step).code).toBe(recorded);
  });

  it('keeps the message and the details', () => {
    const error = new NetworkError('DOWNLOAD_FAILED', 'GET https://h/x: 503', { details: { url: 'https://h/x' } });
    expect(classifyError(error, 'BUILD_STATUS_CHECK_FAILED')).toEqual({
      code: 'BUILD_STATUS_CHECK_FAILED',
      message: 'GET https://h/x: 503',
      details: { url: 'https://h/x' },
    });
  });
});

describe('errorMessage', () => {
  it.each<[unknown, string]>([
    [new Error('disk full'), 'disk full'],
    ['plain text', 'plain text'],
    [42, '42'],
    [null, 'null'],
    [{ toString: () => 'custom' }, 'custom'],
  ])('%s → %s', (error, message) => {
    expect(errorMessage(error)).toBe(message);
  });
});
