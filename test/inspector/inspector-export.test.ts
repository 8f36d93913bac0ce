// `inspect --export FILE.html` in real headless Chromium: the file opens from file:// with no
// server, shows the same chart and timeline as the served replay, makes no request at all, keeps
// its header on screen when scrolled, draws labels legibly at 1400×1000, and carries no secret.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../src/inspector/scrub-secrets.js';
import { STATION_STATES } from '../../src/machines/station-machine.js';
import { readStationHistory } from '../../src/runner/read-station-state.js';
import { serveRoot } from '../helpers/serve-root.js';
import { runCli, tempDir } from '../helpers/station.js';
import { chartState, chromiumAvailable, DAMAGED, damagedStation, launchChromium, screenshot, watchPage } from './inspector-fixtures.js';

const SECRET = 's3cr3t-Passw0rd';

let browser: Browser;
beforeAll(async () => {
  if (chromiumAvailable) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('scrubSecrets', () => {
  it('removes URL credentials anywhere in a string and values under secret-named keys', () => {
    const scrubbed = scrubSecrets({
      detail: { error: { message: `cannot reach https://ops:${SECRET}@mirror.example.org/registration-client/ (ECONNREFUSED)` } },
      list: [`http://u:${SECRET}@h/`],
      password: SECRET,
      fleetToken: SECRET,
      patched: ['lib/passport-reader.jar'],
    });
    expect(JSON.stringify(scrubbed)).not.toContain(SECRET);
    expect(scrubbed.detail.error.message).toBe('cannot reach https://mirror.example.org/registration-client/ (ECONNREFUSED)');
    expect(scrubbed.password).toBe('[redacted]');
    expect(scrubbed.patched).toEqual(['lib/passport-reader.jar']);
  });
});

describe.skipIf(!chromiumAvailable)('inspect --export in headless Chromium', () => {
  it('writes one file that replays the station from file:// with no request', async () => {
    const { root, client } = await damagedStation();
    const server = await serveRoot(root);
    try {
      const withCredentials = `${server.url.replace('http://', `http://support:${SECRET}@`)}registration-client/`;
      for (let i = 0; i < 2; i += 1) {
        const run = await runCli(['start', '--client-dir', client, '--server-url', withCredentials, '--json']);
        expect(run.code, run.stdout + run.stderr).toBe(0);
      }
    } finally {
      await server.close();
    }
    const history = (await readStationHistory(client, 1000)).reverse();
    const file = path.join(await tempDir('rcu-insp-export-'), 'station 42.html');
    const run = await runCli(['inspect', '--client-dir', client, '--export', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`wrote ${file} (${history.length} transitions`);
    const html = await fs.readFile(file, 'utf8');
    expect(html).not.toContain(SECRET);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/(?!www\.w3\.org)/);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      const seen = watchPage(page);
      const url = pathToFileURL(file).href;
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      const { active, drawn } = await chartState(page);
      expect([...drawn].sort()).toEqual([...STATION_STATES].sort());
      expect(active).toEqual(['ready']);
      expect(await page.locator('#mode').textContent()).toBe('replay');
      expect(await page.locator('#position').textContent()).toBe(`${history.length} / ${history.length}`);
      const timeline = await page.locator('#timeline').innerText();
      expect(timeline).toContain('patch → checkingUpgrade');
      for (const name of DAMAGED) expect(timeline).toContain(name);
      await page.click('#step-first');
      expect((await chartState(page)).active).toEqual([history[0]?.to]);
      await page.click('#step-last');

      // Legible at 1400×1000: no chart label under 10 px at the default zoom.
      const heights = await page.evaluate<number[]>(`[...document.querySelectorAll('#chart svg text')].map((t) => t.getBoundingClientRect().height)`);
      expect(heights.length).toBeGreaterThan(STATION_STATES.length);
      expect(Math.min(...heights)).toBeGreaterThanOrEqual(10);
      // The header stays on screen when the page scrolls.
      await page.evaluate(`document.body.style.minHeight = '3000px'; window.scrollTo(0, 800)`);
      expect(await page.evaluate<number>('window.scrollY')).toBeGreaterThan(0);
      expect(await page.evaluate<number>(`document.querySelector('header').getBoundingClientRect().top`)).toBe(0);
      await page.evaluate(`window.scrollTo(0, 0); document.body.style.minHeight = ''`);
      await screenshot(page, 'inspector-export.png');

      // Nothing but the file itself (and the inline data: favicon) was requested.
      expect(seen.requests.length).toBeGreaterThan(0);
      for (const request of seen.requests) expect(request === url || request.startsWith('data:'), request).toBe(true);
      expect(seen.errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a bad --export path is a usage error naming the file, and writes nothing', async () => {
    const { client } = await damagedStation();
    const file = path.join(await tempDir('rcu-insp-export-'), 'no-such-folder', 'x.html');
    const run = await runCli(['inspect', '--client-dir', client, '--export', file, '--json']);
    expect(run.code).toBe(64);
    expect(String((run.json?.error as { message: string }).message)).toContain(file);
    await expect(fs.stat(path.dirname(file))).rejects.toThrow();
  });

  it('--export with --port or --host is a usage error naming them, and writes nothing', async () => {
    const { client } = await damagedStation();
    const file = path.join(await tempDir('rcu-insp-export-'), 'x.html');
    const run = await runCli(['inspect', '--client-dir', client, '--export', file, '--port', '8080', '--host', '0.0.0.0', '--json']);
    expect(run.code).toBe(64);
    expect(run.json?.error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(String((run.json?.error as { message: string }).message)).toContain('--port and --host only apply when serving');
    await expect(fs.stat(file)).rejects.toThrow();
    const fine = await runCli(['inspect', '--client-dir', client, '--export', file, '--json']);
    expect(fine.code).toBe(0);
    await expect(fs.stat(file)).resolves.toBeTruthy();
  });
});
