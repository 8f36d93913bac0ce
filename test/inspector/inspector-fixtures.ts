// Fixtures of the inspector tests: a station to look at, the CLI as a long-running child whose
// inspector URL is read from stderr, and headless Chromium from Debian's package.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { bytesFor, cliPath, installStation, publish, repoRoot, tempDir } from '../helpers/station.js';

/** Debian's Chromium: the browser tests are skipped only when it is absent. */
export const CHROMIUM = '/usr/bin/chromium';
/** True when the browser tests can run. */
export const chromiumAvailable = existsSync(CHROMIUM);
/** Where screenshots go (a CI artefact, gitignored). */
export const outputDir = path.join(repoRoot, 'test-output');

/** Starts headless Chromium with no network of its own (no updates, sync or QUIC). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Files of a small release; `damage` names are changed or removed on the station so `start` patches them. */
export const RELEASE: Record<string, Buffer | string> = {
  'registration-client-1.0.0.jar': bytesFor('inspector-client', 200_000),
  'registration-services-1.0.0.jar': bytesFor('inspector-services', 160_000),
  'lib with spaces/kernel-core (2).jar': bytesFor('inspector-kernel', 120_000),
  'données-éàü.jar': bytesFor('inspector-accent', 90_000),
  'mosip-application.properties': 'mosip.reg.client.url=http://unused.invalid/\n',
};

/** The file names `damageStation` breaks (the ones `start` must patch). */
export const DAMAGED = ['données-éàü.jar', 'lib with spaces/kernel-core (2).jar'];

/** Publishes RELEASE as 1.0.0 under a fresh root and installs a station from it, with DAMAGED broken and one stray file. */
export async function damagedStation(): Promise<{ root: string; client: string }> {
  const root = await tempDir('rcu-insp-root-');
  const client = path.join(await tempDir('rcu-insp-client-'), 'station');
  await publish(root, '1.0.0', RELEASE);
  await installStation(root, '1.0.0', client);
  await fs.rm(path.join(client, 'lib', ...(DAMAGED[1] ?? '').split('/')));
  await fs.writeFile(path.join(client, 'lib', DAMAGED[0] ?? ''), 'damaged');
  await fs.writeFile(path.join(client, 'lib', 'stray.jar'), 'not in the manifest');
  return { root, client };
}

/** The CLI running as a child, with what it printed so far. */
export interface CliChild {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the `inspector: <url>` the CLI printed on stderr. */
  inspectorUrl: Promise<string>;
  /** Resolves when the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the built CLI; `inspectorUrl` rejects if it exits before printing a URL. */
export function spawnCli(args: string[]): CliChild {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const inspectorUrl = new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      const match = /^inspector: (http:\/\/\S+\/)$/m.exec(err);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    void exited.then(({ code }) => reject(new Error(`CLI exited (${code}) before printing the inspector URL:\n${err}`)));
  });
  return { child, stdout: () => out, stderr: () => err, inspectorUrl, exited };
}

/** The `data-state` of the page's active state(s) and how many states are drawn. */
export async function chartState(page: Page): Promise<{ active: string[]; drawn: string[] }> {
  // Evaluated in the page as text: the project's TypeScript has no DOM types.
  return page.evaluate<{ active: string[]; drawn: string[] }>(`({
    active: [...document.querySelectorAll('[data-active="true"]')].map((node) => node.getAttribute('data-state') ?? ''),
    drawn: [...document.querySelectorAll('[data-state]')].map((node) => node.getAttribute('data-state') ?? ''),
  })`);
}

/** Records every URL the page requests, and every console error and page error. */
export function watchPage(page: Page): { requests: string[]; errors: string[] } {
  const seen = { requests: [] as string[], errors: [] as string[] };
  page.on('request', (request) => seen.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') seen.errors.push(message.text());
  });
  page.on('pageerror', (error) => seen.errors.push(String(error)));
  return seen;
}

/** Saves a screenshot under test-output/ (after the chart's colour transitions have settled). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await fs.mkdir(outputDir, { recursive: true });
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(outputDir, name) });
}
