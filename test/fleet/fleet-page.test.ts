// The fleet page in real headless Chromium (Debian's package), on a service holding 2 000
// stations: the summary by version, state and failure, filters that narrow the list, overdue
// stations, one station's history, hostile text shown as text, and nothing loaded from elsewhere.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleetServer, type FleetServer } from '../../src/fleet/fleet-server.js';
import type { FleetStore } from '../../src/fleet/fleet-store.js';
import { fleetDatabaseTarget, openFleetDatabase } from '../../src/fleet/open-fleet-database.js';
import { createTypeormFleetStore } from '../../src/fleet/typeorm-fleet-store.js';
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../inspector/inspector-fixtures.js';
import { fleetBatch, fleetEvent } from './fleet-fixtures.js';

const DAY = 86_400_000;
const STATIONS = 2000;
const HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1">';
let dir: string;
let store: FleetStore;
let server: FleetServer;
let browser: Browser;
let quiet: string;
let hostile: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rcu-fleet-page-'));
  store = createTypeormFleetStore(await openFleetDatabase(fleetDatabaseTarget(undefined, dir)));
  const now = Date.now();
  // 1 200 on 1.2.0.1 and ready; 800 on 1.1.5.5 (and the hostile one): 700 announced an upgrade, 100 failed the DB upgrade.
  for (let i = 0; i < STATIONS; i += 1) {
    const failed = i >= 1900;
    const old = i >= 1200;
    await store.ingest(
      fleetBatch(randomUUID(), [
        fleetEvent({
          hostName: `kiosk-${String(i).padStart(4, '0')}`,
          machineName: `m-${i}`,
          installedVersion: old ? '1.1.5.5' : '1.2.0.1',
          state: failed ? 'failed' : old ? 'upgradeAvailable' : 'ready',
          exitCode: failed ? 30 : 0,
          errorCode: failed ? 'DB_UPGRADE_FAILED' : null,
          phase: failed ? 'rollback' : null,
        }),
      ]),
      new Date(now - (i % 50 === 0 ? 5 * DAY : 60_000)),
    );
  }
  quiet = randomUUID();
  await store.ingest(fleetBatch(quiet, [fleetEvent({ hostName: 'far-away', machineName: 'm-quiet', installedVersion: '1.1.4', state: 'offline', exitCode: 21, errorCode: 'OFFLINE_FILES_BAD' })]), new Date(now - 9 * DAY));
  hostile = randomUUID();
  await store.ingest(
    fleetBatch(hostile, [1, 2, 3].map((seq) => fleetEvent({ seq, hostName: HOSTILE, machineName: 'm-hostile', state: seq === 3 ? 'ready' : 'staged', command: seq === 2 ? 'upgrade' : 'start' }))),
    new Date(now),
  );
  server = await startFleetServer({ store, token: 'page-test-token', port: 0, overdueAfterMs: 3 * DAY });
  if (chromiumAvailable) browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await store?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function ready(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready="true"]');
}

const rowCount = (page: Page) => page.locator('#station-rows tr').count();

describe.skipIf(!chromiumAvailable)('fleet page in headless Chromium', () => {
  it('shows the fleet by version, state and failure; filters narrow the list; a station shows its history', async () => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const seen = watchPage(page);
    try {
      await page.goto(`${server.url}fleet/`);
      await ready(page);
      expect(await page.textContent('#stations-count')).toBe(String(STATIONS + 2));
      // Every 50th station was last heard from 5 days ago, plus the quiet one 9 days ago.
      expect(await page.textContent('#overdue-count')).toBe(String(STATIONS / 50 + 1));
      expect(await page.textContent('#versions li[data-version="1.2.0.1"] .n')).toBe('1200');
      expect(await page.textContent('#versions li[data-version="1.1.5.5"] .n')).toBe('801');
      expect(await page.textContent('#states li[data-state="failed"] .n')).toBe('100');
      expect(await page.textContent('#failures li[data-error-code="DB_UPGRADE_FAILED"] .n')).toBe('100');
      expect(await rowCount(page)).toBe(500); // the first page of 2 002
      await screenshot(page, 'fleet-page.png');

      // Which ones failed, and why.
      await page.click('#states li[data-state="failed"]');
      await ready(page);
      expect(await rowCount(page)).toBe(100);
      expect(new Set(await page.locator('#station-rows tr td:nth-child(7)').allTextContents())).toEqual(new Set(['DB_UPGRADE_FAILED']));
      // Still on 1.1.5.5 and failed = the same 100; then only the overdue ones among them.
      await page.fill('#f-version', '1.1.5.5');
      await page.dispatchEvent('#f-version', 'change');
      await ready(page);
      expect(await rowCount(page)).toBe(100);
      await page.selectOption('#f-overdue', 'true');
      await ready(page);
      expect(await rowCount(page)).toBe(2); // stations 1900 and 1950
      expect(await page.locator('#station-rows tr[data-overdue="true"]').count()).toBe(2);

      // Who went quiet: clear, then overdue only.
      await page.click('#clear');
      await ready(page);
      await page.selectOption('#f-overdue', 'true');
      await ready(page);
      expect(await rowCount(page)).toBe(STATIONS / 50 + 1);
      expect(await page.locator(`#station-rows tr[data-station-id="${quiet}"]`).count()).toBe(1);

      // One station's history, with hostile text shown as text.
      await page.click('#clear');
      await ready(page);
      await page.fill('#f-q', 'm-hostile');
      await page.dispatchEvent('#f-q', 'change');
      await ready(page);
      await page.click(`#station-rows tr[data-station-id="${hostile}"]`);
      await page.waitForSelector(`body[data-history="${hostile}"]`);
      expect(await page.locator('#history-rows tr').count()).toBe(3);
      expect(await page.locator('#history-rows tr td:nth-child(3)').allTextContents()).toEqual(['start', 'upgrade', 'start']);
      expect(await page.textContent('#history-title')).toContain(HOSTILE);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.getAttribute('body', 'data-pwned')).toBeNull();

      expect(seen.errors).toEqual([]);
      for (const url of seen.requests) expect(url.startsWith(server.url), url).toBe(true);
    } finally {
      await page.close();
    }
  });
});
