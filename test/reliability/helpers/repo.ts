// Where the repository and the built CLI are, found by walking up from this file, so the same code
// works from test/ (vitest) and from dist/test/ (the compiled `npm run torture`).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'reg-client-upgrader') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root (package.json of reg-client-upgrader) not found above this file');
    dir = parent;
  }
}

/** The repository root. */
export const repoRoot = findRepoRoot();
/** The built CLI (`npm run build` first). */
export const builtCli = path.join(repoRoot, 'dist/src/cli/bin.js');
