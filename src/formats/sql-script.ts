// Splits a DB upgrade or rollback script into statements with a real tokenizer: a `;` ends a
// statement only outside strings, quoted identifiers and comments, and outside a trigger body.
import { FormatError, redactUrl } from '../errors.js';

/** One statement of a script and the line it starts on (for error messages). */
export interface SqlStatement {
  sql: string;
  line: number;
}

/** Quote characters and what ends them: '…' strings, "…" and `…` identifiers; doubling escapes. */
const QUOTES: ReadonlyMap<string, string> = new Map([
  ["'", 'string'],
  ['"', 'quoted identifier'],
  ['`', 'quoted identifier'],
]);

/** Splits a script into statements, without their `;`; drops empty and comment-only ones. */
export function splitSqlStatements(sql: string, source?: string): string[] {
  return splitSqlScript(sql, source).map((statement) => statement.sql);
}

/** Like splitSqlStatements, with the line each statement starts on; throws SQL_MALFORMED with a line. */
export function splitSqlScript(sql: string, source?: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = 0; // where the current statement's text begins
  let firstLine: number | undefined; // line of its first non-blank character
  let words: string[] = []; // its words outside quotes and comments, upper case
  let hasCode = false; // false while it holds only comments
  let line = 1;
  let index = 0;
  while (index < sql.length) {
    const char = sql[index] ?? '';
    const next = sql[index + 1];
    if (isLineBreak(sql, index) || /\s/.test(char)) {
      if (isLineBreak(sql, index)) line += 1;
      index += 1;
      continue;
    }
    firstLine ??= line;
    if (char === '-' && next === '-') {
      index = endOfLineComment(sql, index);
    } else if (char === '/' && next === '*') {
      const end = sql.indexOf('*/', index + 2);
      if (end < 0) throw malformed('comment /* is never closed', line, source);
      line += countLines(sql.slice(index, end));
      index = end + 2;
    } else if (QUOTES.has(char)) {
      const end = endOfQuoted(sql, index);
      if (end < 0) throw malformed(`${QUOTES.get(char) ?? 'string'} opened with ${char} is never closed`, line, source);
      line += countLines(sql.slice(index, end));
      words.push(char);
      hasCode = true;
      index = end;
    } else if (char === ';' && !inTriggerBody(words)) {
      if (hasCode) statements.push({ sql: sql.slice(start, index).trim(), line: firstLine });
      start = index + 1;
      firstLine = undefined;
      words = [];
      hasCode = false;
      index += 1;
    } else {
      const word = /^[\p{L}\p{N}_$]+/u.exec(sql.slice(index, index + 256))?.[0] ?? char;
      words.push(word.toUpperCase());
      hasCode = true;
      index += word.length;
    }
  }
  if (hasCode) statements.push({ sql: sql.slice(start).trim(), line: firstLine ?? line });
  return statements;
}

/**
 * SQLite triggers hold `;`-separated statements between BEGIN and END: inside
 * CREATE [TEMP] TRIGGER … BEGIN, a `;` ends the statement only right after END (as sqlite3_complete).
 */
function inTriggerBody(words: string[]): boolean {
  const [first, second, third] = words;
  const isTrigger = first === 'CREATE' && (second === 'TRIGGER' || ((second === 'TEMP' || second === 'TEMPORARY') && third === 'TRIGGER'));
  if (!isTrigger || !words.includes('BEGIN')) return false;
  return words[words.length - 1] !== 'END';
}

/** Index just past the closing quote (doubled quotes stay inside), or -1 when it never closes. */
function endOfQuoted(sql: string, open: number): number {
  const quote = sql[open] ?? '';
  let index = open + 1;
  for (;;) {
    const close = sql.indexOf(quote, index);
    if (close < 0) return -1;
    if (sql[close + 1] !== quote) return close + 1;
    index = close + 2;
  }
}

/** Index of the line break ending a -- comment (the break itself is counted by the caller). */
function endOfLineComment(sql: string, open: number): number {
  let index = open + 2;
  while (index < sql.length && sql[index] !== '\n' && sql[index] !== '\r') index += 1;
  return index;
}

/** A line break is LF, CR LF (counted at the LF) or a lone CR. */
function isLineBreak(sql: string, index: number): boolean {
  const char = sql[index];
  return char === '\n' || (char === '\r' && sql[index + 1] !== '\n');
}

function countLines(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

function malformed(what: string, line: number, source: string | undefined): FormatError {
  const shownSource = source === undefined ? null : redactUrl(source);
  const where = shownSource === null ? '' : ` ${shownSource}`;
  return new FormatError('SQL_MALFORMED', `Malformed SQL script${where}, line ${line}: ${what}`, {
    details: { line, source: shownSource },
  });
}
