import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuiltCli, BIN } from './cli-run.js';

describe('reg-client-upgrader serve (built CLI)', () => {
  let root: string;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-serve-'));
    await fs.mkdir(path.join(root, 'registration-client'));
    await fs.writeFile(path.join(root, 'registration-client', 'maven-metadata.xml'), '<metadata/>');
  });

  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('prints its URL, serves the root and stops cleanly on SIGINT and SIGTERM', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const child = spawn(process.execPath, [BIN, 'serve', root, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const printed = JSON.parse(line.toString()) as { url: string; clientUrl: string; port: number };
      expect(printed.url).toBe(`http://127.0.0.1:${printed.port}/`);
      const res = await fetch(new URL('maven-metadata.xml', printed.clientUrl));
      expect(await res.text()).toBe('<metadata/>');
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    }
  });

  it('refuses a missing root and a bad port with exit 64', async () => {
    expect((await runBuiltCli(['serve', path.join(root, 'absent')])).code).toBe(64);
    expect((await runBuiltCli(['serve', root, '--port', 'http'])).code).toBe(64);
    const json = await runBuiltCli(['serve', path.join(root, 'absent'), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
  });
});
