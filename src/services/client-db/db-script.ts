// A release's DB scripts (DESIGN §3): lib/sql/<dbVersion>/initial_db_scripts.sql to upgrade and
// rollback_scripts.sql to undo, read, hashed and split with the real tokenizer, then run statement by
// statement so a failure names the statement and its line.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { QueryRunner } from 'typeorm';
import { DatabaseError } from '../../errors.js';
import { splitSqlScript } from '../../formats/sql-script.js';
import type { SqlStatement } from '../../formats/sql-script.js';
import { isPlainVersion } from '../../formats/version.js';
import { sha256Bytes } from '../hash-file.js';
import { messageOf } from './client-data-source.js';

/** MOSIP's file names of the two scripts of a release. */
export const SCRIPT_FILES = { upgrade: 'initial_db_scripts.sql', rollback: 'rollback_scripts.sql' } as const;

/** Which of a release's two scripts. */
export type ScriptKind = keyof typeof SCRIPT_FILES;

/** A script read from lib/, ready to run. */
export interface DbScript {
  /** Path on disk. */
  file: string;
  /** Path relative to lib/, with `/` (what history rows and messages show). */
  relative: string;
  /** SHA-256 of the file's bytes, uppercase hex (of no bytes when the file is missing). */
  sha256: string;
  /** True when the file does not exist: it then runs as an empty script. */
  missing: boolean;
  statements: SqlStatement[];
}

/** A statement of a script failed (or ended the step's transaction): where, and SQLite's message. */
export class StatementFailure extends Error {
  override name = 'StatementFailure';

  constructor(
    readonly script: string,
    /** 1-based number of the statement in the script. */
    readonly statement: number,
    readonly line: number,
    readonly reason: string,
    /** The statement succeeded but ended the transaction: what ran before it may be committed. */
    readonly endedTransaction: boolean,
    options?: { cause?: unknown },
  ) {
    super(`${script}: statement ${statement} (line ${line}) failed: ${reason}`, options);
  }
}

/**
 * Reads lib/sql/<dbVersion>/<script>; a missing file is an empty script. Throws FormatError
 * SQL_MALFORMED for an unsplittable script, DatabaseError DB_UPGRADE_FAILED when it cannot be read.
 */
export async function loadDbScript(libDir: string, dbVersion: string, kind: ScriptKind): Promise<DbScript> {
  const relative = `sql/${dbVersion}/${SCRIPT_FILES[kind]}`;
  const file = path.join(libDir, 'sql', dbVersion, SCRIPT_FILES[kind]);
  if (!isPlainVersion(dbVersion)) {
    throw new DatabaseError('DB_UPGRADE_FAILED', `Refusing DB script folder ${JSON.stringify(dbVersion)}: not a plain version.`, {
      details: { dbVersion },
    });
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { file, relative, sha256: sha256Bytes(new Uint8Array()), missing: true, statements: [] };
    }
    throw new DatabaseError('DB_UPGRADE_FAILED', `Could not read the DB script ${file}: ${messageOf(error)}`, {
      cause: error,
      details: { path: file },
    });
  }
  // A byte-order mark from a Windows editor is not SQL.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  return { file, relative, sha256: sha256Bytes(bytes), missing: false, statements: splitSqlScript(text, relative) };
}

/**
 * Runs every statement of `script` on the runner's open transaction; throws StatementFailure at the
 * first that fails or that ends the transaction itself (COMMIT, END, ROLLBACK).
 */
export async function runScriptStatements(runner: QueryRunner, connection: Database.Database, script: DbScript): Promise<void> {
  for (const [index, statement] of script.statements.entries()) {
    try {
      await runner.query(statement.sql);
    } catch (error) {
      throw new StatementFailure(script.relative, index + 1, statement.line, sqliteMessage(error), false, {
        cause: error,
      });
    }
    if (!connection.inTransaction) {
      throw new StatementFailure(
        script.relative,
        index + 1,
        statement.line,
        'it ended the step transaction (COMMIT, END or ROLLBACK); a DB script runs inside one transaction and must not control it',
        true,
      );
    }
  }
}

/** SQLite's own message and result code, from a TypeORM QueryFailedError or a better-sqlite3 error. */
export function sqliteMessage(error: unknown): string {
  const driverError = (error as { driverError?: unknown }).driverError ?? error;
  const message = messageOf(driverError).replace(/^SqliteError:\s*/, '');
  const code = (driverError as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? `${message} (${code})` : message;
}
