// The Windows launcher template. Its logic runs for real in Wine's cmd.exe (Debian's wine64):
// exit codes from a scripted stand-in upgrader, the retry loops, the offline check, and the client
// started with javaw from a folder with a space in its path. Static rules guard what Wine cannot
// show (CRLF endings, delayed expansion inside blocks, no `timeout` under Task Scheduler).
//
// Not covered here: Wine 8's cmd loses the exit code of a batch file run with `call` (it always
// reads 1 afterwards), so the copy run in Wine reads the upgrader through `cmd /c` instead of
// `call`; the template's own `call` line is checked only statically. A real Windows, a real
// javaw.exe and Task Scheduler are not available on this machine.
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/station.js';

const run = promisify(execFile);
const WINE = '/usr/lib/wine/wine64';
const wineAvailable = existsSync(WINE);
const template = path.join(repoRoot, 'deploy/run.bat');
const prefix = path.join(os.tmpdir(), 'rcu-wineprefix');
const wineEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' };

const CALL_LINE = 'call "%UPGRADER%" start --client-dir "%CLIENT_DIR%"';

// A stand-in upgrader: call N answers the exit code in file codeN (0 when absent) and is recorded.
const FAKE_UPGRADER = [
  '@echo off',
  'setlocal EnableDelayedExpansion',
  'set "DIR=%~dp0"',
  'set /a N=0',
  'if exist "%DIR%count" set /p N=<"%DIR%count"',
  'set /a N+=1',
  'echo !N!>"%DIR%count"',
  'set CODE=0',
  'if exist "%DIR%code!N!" set /p CODE=<"%DIR%code!N!"',
  'echo call !N!: %*>>"%DIR%calls.txt"',
  'exit /b !CODE!',
].join('\r\n');
const FAKE_JAVAW = ['@echo off', 'echo javaw %*>>"%~dp0javaw.txt"'].join('\r\n');

const winPath = (unixPath: string): string => `Z:${unixPath.replaceAll('/', '\\')}`;

interface Scenario {
  codes: number[];
  env?: Record<string, string>;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  calls: string[];
  javaw: string | undefined;
  client: string;
}

async function launch({ codes, env = {} }: Scenario): Promise<Result> {
  const tools = await tempDir('rcu-runbat-');
  const client = path.join(tools, 'station dir');
  await fs.mkdir(path.join(client, 'bin'), { recursive: true });
  await fs.mkdir(path.join(client, 'lib'), { recursive: true });
  const text = await fs.readFile(template, 'utf8');
  await fs.writeFile(path.join(client, 'bin', 'run.bat'), text.replaceAll(CALL_LINE, 'cmd /c %UPGRADER% start --client-dir "%CLIENT_DIR%"'));
  await fs.writeFile(path.join(tools, 'up.bat'), FAKE_UPGRADER);
  await fs.writeFile(path.join(tools, 'javaw.bat'), FAKE_JAVAW);
  await Promise.all(codes.map((code, index) => fs.writeFile(path.join(tools, `code${index + 1}`), `${code}\r\n`)));
  const vars = { UPGRADER: winPath(path.join(tools, 'up.bat')), JAVAW: winPath(path.join(tools, 'javaw.bat')), ...env };
  const outcome = await run(WINE, ['cmd', '/c', winPath(path.join(client, 'bin', 'run.bat'))], { env: { ...wineEnv, ...vars }, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  // `start` returns before the started program ends: wait for its record.
  const javawFile = path.join(tools, 'javaw.txt');
  for (let waited = 0; waited < 5000 && outcome.code === 0 && env.CLIENT_CMD === undefined && !existsSync(javawFile); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const calls = existsSync(path.join(tools, 'calls.txt')) ? (await fs.readFile(path.join(tools, 'calls.txt'), 'utf8')).trim().split(/\r?\n/) : [];
  const javaw = existsSync(javawFile) ? (await fs.readFile(javawFile, 'utf8')).trim() : undefined;
  return { ...outcome, calls, javaw, client };
}

describe('deploy/run.bat launcher template: static rules', () => {
  it('has CRLF line endings, reads the upgrader with call, and never uses timeout', async () => {
    const text = await fs.readFile(template, 'utf8');
    expect(text.split('\n').every((line, index, lines) => index === lines.length - 1 || line.endsWith('\r'))).toBe(true);
    expect(text.split(CALL_LINE).length - 1).toBe(2);
    expect(text).not.toMatch(/^\s*timeout\b/im);
    expect(text).toContain('EnableDelayedExpansion');
  });

  it('reads variables set inside a block only with delayed expansion', async () => {
    const lines = (await fs.readFile(template, 'utf8')).split(/\r?\n/).filter((line) => !/^\s*rem\b/i.test(line));
    let depth = 0;
    let block: string[] = [];
    const offenders: string[] = [];
    for (const line of lines) {
      const code = line.replace(/\^[()]/g, '');
      if (depth > 0) block.push(line);
      depth += (code.match(/\(/g) ?? []).length - (code.match(/\)/g) ?? []).length;
      if (depth === 0 && block.length > 0) {
        const assigned = block.flatMap((blockLine) => [...blockLine.matchAll(/set\s+(?:\/a\s+)?"?(\w+)/gi)].map((match) => (match[1] as string).toUpperCase()));
        for (const blockLine of block) {
          for (const match of blockLine.matchAll(/%(\w+)%/g)) if ([...assigned, 'ERRORLEVEL'].includes((match[1] as string).toUpperCase())) offenders.push(blockLine.trim());
        }
        block = [];
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe.runIf(wineAvailable)("deploy/run.bat launcher template in Wine's cmd.exe", () => {
  beforeAll(async () => {
    await run(WINE, ['cmd', '/c', 'exit 0'], { env: wineEnv, timeout: 170_000 }).catch(() => undefined);
  }, 180_000);

  it('applies a staged upgrade, waits out a busy station, checks local files after bad server data, then starts javaw', async () => {
    const result = await launch({ codes: [10, 40, 65, 0] });
    expect(result.code).toBe(0);
    const clientDir = winPath(result.client);
    expect(result.calls).toEqual([
      `call 1: start --client-dir "${clientDir}"`,
      `call 2: start --client-dir "${clientDir}"`,
      `call 3: start --client-dir "${clientDir}"`,
      `call 4: start --client-dir "${clientDir}" --offline`,
    ]);
    expect(result.stderr + result.stdout).toContain('failed their checks');
    expect(result.javaw).toBe(`javaw -Xmx2048m -Xms2048m -Dfile.encoding=UTF-8 -cp "${clientDir}\\lib\\*" io.mosip.registration.controller.Initialization`);
  }, 150_000);

  it('gives up after three staged relaunches that do not apply (10)', async () => {
    const result = await launch({ codes: [10, 10, 10, 10] });
    expect(result.code).toBe(10);
    expect(result.calls).toHaveLength(4);
    expect(result.stderr + result.stdout).toContain('could not be applied after 4 attempts');
    expect(result.javaw).toBeUndefined();
  }, 150_000);

  it('does not start the client when files are damaged and cannot be downloaded (21)', async () => {
    const result = await launch({ codes: [21] });
    expect(result.code).toBe(21);
    expect(result.calls).toHaveLength(1);
    expect(result.stderr + result.stdout).toContain('missing or damaged');
    expect(result.javaw).toBeUndefined();
  }, 150_000);

  it('starts the previous version after a rolled-back upgrade only when its files check out (30)', async () => {
    const bad = await launch({ codes: [30, 21] });
    expect(bad.code).toBe(21);
    expect(bad.calls[1]).toContain('--offline');
    expect(bad.javaw).toBeUndefined();
    const good = await launch({ codes: [30, 0], env: { CLIENT_CMD: 'echo custom-client-started' } });
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('custom-client-started');
  }, 150_000);
});
