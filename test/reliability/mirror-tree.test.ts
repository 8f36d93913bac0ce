// Found by the torture run: a rollback killed while it restored a file left `lib/<name>.restore-tmp`,
// a torn copy, inside lib/ — a file of neither release. Copies are now made in a scratch folder
// beside the tree and only renamed into it whole: at no instant does the tree hold a partial file.
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mirrorTree } from '../../src/services/copy-tree.js';
import { hashTree, tempDir } from '../helpers/station.js';

describe('mirrorTree (the restore of a rollback)', () => {
  it('never shows a partial copy inside the tree, and leaves no scratch behind', async () => {
    const base = await tempDir('rcu-mirror-');
    const [source, target] = [path.join(base, 'backup-lib'), path.join(base, 'lib')];
    await fs.mkdir(path.join(source, 'sub'), { recursive: true });
    await fs.mkdir(target);
    await fs.writeFile(path.join(source, 'big.jar'), Buffer.alloc(48 * 1024 * 1024, 7));
    await fs.writeFile(path.join(source, 'sub', 'small.jar'), 'small');
    await fs.writeFile(path.join(target, 'big.jar'), 'the new release');
    await fs.writeFile(path.join(target, 'only-new.jar'), 'added by the upgrade');
    const seen = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        for (const name of readdirSync(target, { recursive: true }) as string[]) seen.add(name);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await mirrorTree(source, target);
    watching = false;
    await watch;
    expect([...seen].filter((name) => !['big.jar', 'only-new.jar', 'sub', path.join('sub', 'small.jar')].includes(name))).toEqual([]);
    expect(await hashTree(target)).toEqual(await hashTree(source));
    expect(existsSync(`${target}.restore-tmp`)).toBe(false);
  });
});
