// The inspector page in real headless Chromium (Debian's package): the live page follows a run
// over a throttled server, the replay page steps through a patched station's history, every state
// of the machine is drawn with exactly one active, and the page reaches nothing but 127.0.0.1.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATION_STATES } from '../../src/machines/station-machine.js';
import { readStationHistory } from '../../src/runner/read-station-state.js';
import { serveRoot } from '../helpers/serve-root.js';
import { runCli } from '../helpers/station.js';
import { chartState, chromiumAvailable, DAMAGED, damagedStation, launchChromium, outputDir, screenshot, spawnCli, watchPage } from './inspector-fixtures.js';

let browser: Browser;

beforeAll(async () => {
  if (chromiumAvailable) browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** Every URL stays on the inspector's own origin (or is an inline data: URL). */
function expectOnlyLocal(requests: string[], url: string): void {
  expect(requests.length).toBeGreaterThan(0);
  for (const request of requests) expect(request.startsWith(url) || request.startsWith('data:'), request).toBe(true);
}

/** The contract of DESIGN §11: each state drawn once with data-state, exactly one data-active. */
async function expectContract(page: Page, active: string): Promise<void> {
  const { active: actives, drawn } = await chartState(page);
  expect([...drawn].sort()).toEqual([...STATION_STATES].sort());
  expect(actives).toEqual([active]);
}

describe.skipIf(!chromiumAvailable)('inspector page in headless Chromium', () => {
  it('live: follows `start --inspect 0` from probing to ready over a throttled server', async () => {
    const { root, client } = await damagedStation();
    const server = await serveRoot(root, { '*': { latencyMs: 250, trickle: { bytes: 16 * 1024, everyMs: 40 } } });
    const cli = spawnCli([
      'start', '--client-dir', client, '--server-url', `${server.url}registration-client/`, '--json', '--inspect', '0', '--inspect-wait',
    ]);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      const url = await cli.inspectorUrl;
      const seen = watchPage(page);
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      // Sample the active state while the run goes on, until the run has ended on the page.
      const actives: string[] = [];
      const deadline = Date.now() + 45_000;
      for (;;) {
        const { active } = await chartState(page);
        const name = active.join(',');
        if (name !== '' && actives.at(-1) !== name) actives.push(name);
        const ended = await page.locator('#status').textContent();
        if (ended?.startsWith('run ended') === true || Date.now() > deadline) break;
        await page.waitForTimeout(20);
      }
      expect(actives.at(-1)).toBe('ready');
      expect(actives.length, `active states seen: ${actives.join(' → ')}`).toBeGreaterThanOrEqual(3);
      for (const state of actives) expect(STATION_STATES).toContain(state);
      expect(actives).toContain('patch');
      await expectContract(page, 'ready');
      const timeline = await page.locator('#timeline').innerText();
      expect(timeline).toContain('probing → manifest');
      expect(timeline).toContain('patch → checkingUpgrade');
      for (const name of DAMAGED) expect(timeline).toContain(name);
      expect(await page.locator('#status').textContent()).toContain('ready · exit 0');
      await screenshot(page, 'inspector-live.png');
      expectOnlyLocal(seen.requests, url);
      expect(seen.errors).toEqual([]);
    } finally {
      await page.close();
      cli.child.kill('SIGINT');
      await server.close();
    }
    const exit = await cli.exited;
    expect(exit.code, cli.stderr()).toBe(0);
    expect(JSON.parse(cli.stdout())).toMatchObject({ state: 'ready', patched: [...DAMAGED].sort(), removed: ['stray.jar'] });
  });

  it('replay: `inspect --port 0` shows the patched files and steps through every transition', async () => {
    const { root, client } = await damagedStation();
    const server = await serveRoot(root);
    try {
      const args = ['start', '--client-dir', client, '--server-url', `${server.url}registration-client/`, '--json'];
      for (let i = 0; i < 2; i += 1) {
        const run = await runCli(args);
        expect(run.code, run.stdout + run.stderr).toBe(0);
      }
    } finally {
      await server.close();
    }
    const history = (await readStationHistory(client, 1000)).reverse();
    expect(history.length).toBeGreaterThan(6);
    const cli = spawnCli(['inspect', '--port', '0', '--client-dir', client]);
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    try {
      const url = await cli.inspectorUrl;
      const seen = watchPage(page);
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      await expectContract(page, 'ready');
      expect(await page.locator('#mode').textContent()).toBe('replay');
      expect(await page.locator('#position').textContent()).toBe(`${history.length} / ${history.length}`);
      const text = await page.locator('body').innerText();
      for (const name of DAMAGED) expect(text).toContain(name);
      expect(text).toContain('2 runs');

      await page.click('#step-first');
      const stepped: string[] = [];
      for (let i = 0; i < history.length; i += 1) {
        if (i > 0) await page.click('#step-next');
        const { active } = await chartState(page);
        expect(active).toHaveLength(1);
        stepped.push(active[0] ?? '');
        expect(await page.locator('#position').textContent()).toBe(`${i + 1} / ${history.length}`);
      }
      expect(stepped).toEqual(history.map((record) => record.to));
      expect(await page.locator('#step-next').isDisabled()).toBe(true);

      // The step where the files were patched lists them in its context.
      const patchIndex = history.findIndex((record) => record.from === 'patch');
      await page.locator('#cursor').fill(String(patchIndex));
      expect((await chartState(page)).active).toEqual(['checkingUpgrade']);
      const context = await page.locator('#context').innerText();
      for (const name of DAMAGED) expect(context).toContain(name);
      expect(context).toContain('stray.jar');
      await page.keyboard.press('ArrowLeft');
      expect((await chartState(page)).active).toEqual([history[patchIndex - 1]?.to]);
      await page.keyboard.press('ArrowRight');
      await page.locator('#cursor').blur();
      await screenshot(page, 'inspector-replay.png');
      await fs.copyFile(path.join(outputDir, 'inspector-replay.png'), path.join(outputDir, 'inspector.png'));
      expectOnlyLocal(seen.requests, url);
      expect(seen.errors).toEqual([]);
    } finally {
      await page.close();
      cli.child.kill('SIGTERM');
    }
    const exit = await cli.exited;
    expect(exit.code, cli.stderr()).toBe(0);
  });

  it('replay of a station that never ran: every state drawn, none active, and it says so', async () => {
    const { client } = await damagedStation();
    const cli = spawnCli(['inspect', '--port', '0', '--client-dir', client]);
    const page = await browser.newPage();
    try {
      const url = await cli.inspectorUrl;
      const seen = watchPage(page);
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      const { active, drawn } = await chartState(page);
      expect([...drawn].sort()).toEqual([...STATION_STATES].sort());
      expect(active).toEqual([]);
      expect(await page.locator('#empty').innerText()).toContain('has not run on this station');
      expectOnlyLocal(seen.requests, url);
      expect(seen.errors).toEqual([]);
    } finally {
      await page.close();
      cli.child.kill('SIGINT');
    }
    expect((await cli.exited).code).toBe(0);
  });
});
