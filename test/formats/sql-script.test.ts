import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { splitSqlScript, splitSqlStatements } from '../../src/formats/sql-script.js';

function formatErrorOf(run: () => unknown): FormatError {
  try {
    run();
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected a FormatError');
}

describe('splitSqlStatements', () => {
  it.each<[string, string, string[]]>([
    ['simple statements', 'CREATE TABLE a (x INT); INSERT INTO a VALUES (1);', ['CREATE TABLE a (x INT)', 'INSERT INTO a VALUES (1)']],
    ['a trailing statement without ;', 'SELECT 1;\nSELECT 2', ['SELECT 1', 'SELECT 2']],
    ['; inside a string', "INSERT INTO t VALUES ('a;b'); SELECT 1", ["INSERT INTO t VALUES ('a;b')", 'SELECT 1']],
    ["'' escapes in a string", "INSERT INTO t VALUES ('it''s; fine'); SELECT 2;", ["INSERT INTO t VALUES ('it''s; fine')", 'SELECT 2']],
    ["a string that is only ''", "SELECT ''; SELECT ''''", ["SELECT ''", "SELECT ''''"]],
    ['; inside a "quoted" identifier', 'SELECT "a;b" FROM "t""; x"; SELECT 3', ['SELECT "a;b" FROM "t""; x"', 'SELECT 3']],
    ['; inside a `backtick` identifier', 'SELECT `a;b`; SELECT 4', ['SELECT `a;b`', 'SELECT 4']],
    ['; inside a -- comment', 'SELECT 1 -- not; the end\n, 2;', ['SELECT 1 -- not; the end\n, 2']],
    ['; inside a /* */ comment', 'SELECT /* ; */ 1; SELECT 2', ['SELECT /* ; */ 1', 'SELECT 2']],
    ['a multi-line /* */ comment', '/* header;\n * more; */\nALTER TABLE t ADD c INT;', ['/* header;\n * more; */\nALTER TABLE t ADD c INT']],
    ['quotes inside comments', "-- don't\nSELECT 1; /* \"; ' */ SELECT 2;", ["-- don't\nSELECT 1", '/* "; \' */ SELECT 2']],
    ['comment markers inside strings', "SELECT '--;', '/*;'; SELECT 5", ["SELECT '--;', '/*;'", 'SELECT 5']],
    ['empty statements', ';; SELECT 1;;\n;', ['SELECT 1']],
    ['comment-only statements', '-- only a comment;\n/* and another */;\nSELECT 1;\n-- trailing comment', ['SELECT 1']],
    ['an empty script', '', []],
    ['a whitespace-only script', ' \n\t\r\n', []],
    ['CRLF and CR line ends', 'SELECT 1;\r\nSELECT 2;\rSELECT 3', ['SELECT 1', 'SELECT 2', 'SELECT 3']],
    ['non-ASCII text', "INSERT INTO t VALUES ('café; 中文 😀'); SELECT 1", ["INSERT INTO t VALUES ('café; 中文 😀')", 'SELECT 1']],
    [
      'a SQLite trigger body',
      'CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE c SET n = n + 1;\n  DELETE FROM d;\nEND;\nSELECT 1;',
      ['CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE c SET n = n + 1;\n  DELETE FROM d;\nEND', 'SELECT 1'],
    ],
    [
      'a temporary trigger with END before ; after a comment',
      'create temp trigger x before delete on t begin select raise(abort, \'no; way\'); end /* c */ ; select 2',
      ["create temp trigger x before delete on t begin select raise(abort, 'no; way'); end /* c */", 'select 2'],
    ],
    ['BEGIN that is not a trigger', 'BEGIN TRANSACTION; SELECT 1; COMMIT;', ['BEGIN TRANSACTION', 'SELECT 1', 'COMMIT']],
  ])('handles %s', (_, sql, expected) => {
    expect(splitSqlStatements(sql)).toEqual(expected);
  });

  it.each<[string, string, number]>([
    ['an unterminated string', "SELECT 1;\nINSERT INTO t VALUES ('oops);\nSELECT 2;", 2],
    ['an unterminated quoted identifier', 'SELECT "a\n\nFROM t', 1],
    ['an unterminated backtick identifier', 'SELECT 1;\r\n\r\nSELECT `a', 3],
    ['an unterminated /* comment', "SELECT 'a\nb';\n/* never\nclosed", 3],
    ['a string closed only by a doubled quote', "SELECT 'it''", 1],
  ])('refuses %s with SQL_MALFORMED at the line it opens', (_, sql, line) => {
    const error = formatErrorOf(() => splitSqlStatements(sql, 'lib/sql/1.2.0/initial_db_scripts.sql'));
    expect(error.code).toBe('SQL_MALFORMED');
    expect(error.details).toEqual({ line, source: 'lib/sql/1.2.0/initial_db_scripts.sql' });
    expect(error.message).toContain(`line ${line}`);
  });
});

describe('splitSqlScript', () => {
  it('gives the line each statement starts on', () => {
    const sql = "SELECT 1;\n\n-- about 2\nSELECT\n2; SELECT 'a\nb';\r\nSELECT /* x\n */ 4;\rSELECT 5";
    expect(splitSqlScript(sql).map((s) => s.line)).toEqual([1, 3, 5, 7, 9]);
  });
});

/** Statements the splitter must give back: words, strings with ; and '' escapes, identifiers, comments. */
const statement = fc
  .array(
    fc.oneof(
      fc.constantFrom('SELECT', 'INSERT', 'INTO', 'x', '1', '(', ')', ',', '=', '*', '-', '/', 'END', 'BEGIN', 'é中'),
      fc.string({ unit: fc.constantFrom('a', ';', "''", ' ', '"', '-', '*', '/', '\n', 'é') }).map((s) => `'${s}'`),
      fc.string({ unit: fc.constantFrom('a', ';', '""', ' ', "'", '-', '\n') }).map((s) => `"${s}"`),
      fc.string({ unit: fc.constantFrom('a', ';', ' ', "'", '"', '*') }).map((s) => `/*${s.replace(/\*$/, '')}*/`),
      fc.string({ unit: fc.constantFrom('a', ';', ' ', "'", '"', '/*') }).map((s) => `--${s}\n`),
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((tokens) => ['SELECT', ...tokens, 'x'].join(' '));

describe('splitSqlStatements (properties)', () => {
  it('gives back statements joined with ;', () => {
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 8 }), fc.constantFrom(';', ';\n', ';\r\n', ' ; '), (statements, separator) => {
        expect(splitSqlStatements(statements.join(separator))).toEqual(statements);
      }),
      { numRuns: 300 },
    );
  });
});

describe("MOSIP's Derby scripts (test/fixtures/mosip/derby/sql)", () => {
  const mosip = (relative: string): string => readFileSync(new URL(`../fixtures/mosip/derby/sql/${relative}`, import.meta.url), 'utf8');
  // A statement's text without the -- comment lines before it (Derby ignores them either way).
  const code = (sql: string): string => sql.replace(/^(?:\s*--[^\n]*\n)+/, '').trim();

  it.each([
    ['1.1.5/initial_db_scripts.sql', 9],
    ['1.1.5/rollback_scripts.sql', 2],
    ['1.1.5.5/initial_db_scripts.sql', 9],
    ['1.1.5.5/rollback_scripts.sql', 0],
    ['1.2.0.1/initial_db_scripts.sql', 82],
    ['1.2.0.1/rollback_scripts.sql', 82],
  ])('%s splits into %i statements, as MOSIP splits it on ;', (relative, count) => {
    const text = mosip(relative);
    const statements = splitSqlScript(text);
    expect(statements).toHaveLength(count);
    // None of these scripts has a ; inside a string or comment: MOSIP's naive split is the truth here.
    const naive = text.split(';').map(code).filter((part) => part !== '');
    expect(statements.map((statement) => code(statement.sql))).toEqual(naive);
  });

  it('keeps Derby syntax whole: RENAME, MERGE … USING "SYSIBM"."SYSDUMMY1", current timestamp', () => {
    const statements = splitSqlScript(mosip('1.2.0.1/initial_db_scripts.sql')).map((statement) => ({ ...statement, sql: code(statement.sql) }));
    expect(statements.find((statement) => statement.sql.startsWith('RENAME TABLE'))).toEqual({ sql: 'RENAME TABLE "REG"."BLACKLISTED_WORDS" TO "BLOCKLISTED_WORDS"', line: 41 });
    expect(statements.filter((statement) => /^MERGE INTO "REG"\."GLOBAL_PARAM" gp1 USING "SYSIBM"\."SYSDUMMY1" .* current timestamp\)$/s.test(statement.sql))).toHaveLength(7);
  });
});
