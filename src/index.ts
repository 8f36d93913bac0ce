// The library: what a launcher written in Node, or a release pipeline, calls directly.
import type { RunResult } from './machines/run-result.js';
import { runStationCommand, type StationCommandOptions } from './runner/run-station-command.js';

export type { RunResult } from './machines/run-result.js';
export type { StationCommandOptions } from './runner/run-station-command.js';
export { EXIT, ERROR_CODES, UpgradeError } from './errors.js';
export type { ErrorCode, ErrorInfo } from './errors.js';
export { readStationStatus, readStationHistory } from './runner/read-station-state.js';
export { parseManifest, serializeManifest, createManifest } from './formats/manifest.js';
export { parseMavenMetadata } from './formats/maven-metadata.js';
export { compareVersions } from './formats/version.js';

/**
 * Runs the startup cycle for a station (what `reg-client-upgrader start` does) and resolves to the
 * same object `start --json` prints; `exitCode` is the launcher's contract (DESIGN §7). Never throws.
 */
export function runStartup(options: StationCommandOptions): Promise<RunResult> {
  return runStationCommand('start', options);
}
