// Network faults as knobs of the test server, each with the exit codes the CLI may end with: it must
// finish (0 / 10) when the link is bad but usable, and fail cleanly (20 / 21 / 65) when it is not.
import path from 'node:path';
import { filesUnder } from '../../helpers/serve-root.js';
import type { RouteKnobs, TestServer } from '../../helpers/test-server.js';

/** Where a fault is applied: every file of the release's lib/, or one of the two documents. */
export type FaultTarget = 'lib' | 'manifest' | 'metadata';

/** One fault and what the CLI must do under it. */
export interface Fault {
  name: string;
  knobs: RouteKnobs;
  target: FaultTarget;
  /** Exit code of `start` patching a damaged station; of `upgrade` staging the new release. */
  start: number;
  upgrade: number;
}

const KB = 1024;

/** The fault matrix (run with --read-timeout 1000 --retries 3). */
export const FAULTS: Fault[] = [
  { name: 'connection closed (FIN) after 20 KB, once', target: 'lib', knobs: { resetAfterBytes: 20 * KB }, start: 0, upgrade: 10 },
  { name: 'connection reset (RST) after 20 KB, 3 times', target: 'lib', knobs: { resetAfterBytes: 20 * KB, resetTimes: 3, resetMode: 'rst' }, start: 0, upgrade: 10 },
  { name: 'body cut short of its Content-Length, socket left open', target: 'lib', knobs: { resetAfterBytes: 30 * KB, resetMode: 'hang' }, start: 0, upgrade: 10 },
  { name: 'stall of 3 s (read timeout 1 s) after 10 KB', target: 'lib', knobs: { stallMs: 3000, stallAfterBytes: 10 * KB }, start: 0, upgrade: 10 },
  { name: 'burst of two 503s', target: 'lib', knobs: { failFirst: 2, failStatus: 503 }, start: 0, upgrade: 10 },
  { name: 'ignores Range (200 with the whole body) after a reset', target: 'lib', knobs: { ignoreRange: true, resetAfterBytes: 40 * KB, resetTimes: 2 }, start: 0, upgrade: 10 },
  { name: 'no Content-Length (chunked), reset after 20 KB', target: 'lib', knobs: { chunked: true, resetAfterBytes: 20 * KB }, start: 0, upgrade: 10 },
  { name: 'weak ETag only, reset after 20 KB', target: 'lib', knobs: { etag: 'weak', lastModified: false, resetAfterBytes: 20 * KB }, start: 0, upgrade: 10 },
  { name: 'slow trickle (8 KB every 20 ms)', target: 'lib', knobs: { trickle: { bytes: 8 * KB, everyMs: 20 } }, start: 0, upgrade: 10 },
  { name: '500 on every request', target: 'lib', knobs: { status: 500 }, start: 21, upgrade: 21 },
  { name: '404: the file is not on the server', target: 'lib', knobs: { status: 404 }, start: 21, upgrade: 21 },
  { name: 'wrong bytes (same length, same validators)', target: 'lib', knobs: { corrupt: true }, start: 65, upgrade: 65 },
  { name: 'MANIFEST.MF cut after 100 bytes, once', target: 'manifest', knobs: { resetAfterBytes: 100 }, start: 0, upgrade: 10 },
  { name: 'MANIFEST.MF answers 500', target: 'manifest', knobs: { status: 500 }, start: 20, upgrade: 21 },
  { name: 'MANIFEST.MF with wrong bytes', target: 'manifest', knobs: { corrupt: true }, start: 65, upgrade: 65 },
  { name: 'maven-metadata.xml: headers, then the body stalls past every timeout', target: 'metadata', knobs: { stallMs: 8000, stallAfterBytes: 60, stallTimes: 100 }, start: 0, upgrade: 64 },
];

/** URL paths of every file of a release's lib/ on the server root. */
export async function libPaths(root: string, version: string): Promise<string[]> {
  const prefix = `/registration-client/${version}/lib/`;
  return Object.keys(await filesUnder(root)).filter((p) => p.startsWith(prefix));
}

/** Applies a fault to its target paths of `version` (the metadata is shared by all versions). */
export async function applyFault(server: TestServer, root: string, version: string, fault: Fault): Promise<void> {
  const targets =
    fault.target === 'lib'
      ? await libPaths(root, version)
      : fault.target === 'manifest'
        ? [`/registration-client/${version}/MANIFEST.MF`]
        : ['/registration-client/maven-metadata.xml'];
  for (const target of targets) server.setKnobs(target, fault.knobs);
}

/** Removes every knob again. */
export async function clearFaults(server: TestServer, root: string): Promise<void> {
  for (const target of Object.keys(await filesUnder(root))) server.setKnobs(target, {});
  server.setKnobs('*', {});
}

/** The station's path for a URL path of the server root (`/registration-client/1.0.0/lib/a.jar` → `a.jar`). */
export function libName(urlPath: string): string {
  return urlPath.split('/').slice(4).join(path.posix.sep);
}
