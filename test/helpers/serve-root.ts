// Serves a published release root through the controllable test server, so a test can make any
// path fail (500, corrupt bytes, stalls) while the rest is served exactly as published.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startTestServer, type RouteKnobs, type TestServer } from './test-server.js';

/** Every file under root, keyed by URL path ('/registration-client/…'). */
export async function filesUnder(root: string): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const urlPath = `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), urlPath);
      else out[urlPath] = await fs.readFile(path.join(dir, entry.name));
    }
  };
  await walk(root, '');
  return out;
}

/** Starts a test server holding a copy of root's files. */
export async function serveRoot(root: string, knobs: Record<string, RouteKnobs> = {}): Promise<TestServer> {
  return startTestServer(await filesUnder(root), knobs);
}
