// How results and errors reach the person or the launcher: text on a terminal, one JSON object with --json.
import { toErrorInfo, UpgradeError } from '../errors.js';

/** Version of the `--json` shapes (schema/cli-output.schema.json); bumped when a field is removed or changes meaning. */
export const JSON_SCHEMA_VERSION = 1;

/** Prints an error: a JSON object with --json, else one clear line on stderr. */
export function printError(error: unknown, json: boolean, command: string | null = null): void {
  const info = toErrorInfo(error, 'IO_FAILED');
  if (json) {
    // A refused release lists each problem (check, where, message) for tools.
    const problems = error instanceof UpgradeError && 'problems' in error ? { problems: error.problems } : {};
    process.stdout.write(`${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, command, error: { ...info, ...problems } })}\n`);
    return;
  }
  const prefix = error instanceof UpgradeError ? `error ${info.code}` : 'error';
  process.stderr.write(`${prefix}: ${info.message}\n`);
}

/** Prints a command's result as one JSON line, stamped with the schema version. */
export function printJson(value: object): void {
  process.stdout.write(`${JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...value })}\n`);
}

/** True when colour and progress bars may be shown (a TTY, no --json, no NO_COLOR). */
export function isInteractive(json: boolean | undefined): boolean {
  return Boolean(process.stderr.isTTY) && !json && process.env.NO_COLOR === undefined;
}
