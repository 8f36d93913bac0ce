// The rollout on the fleet service: GET /fleet/v1/rollout and the page's rollout card in real
// headless Chromium, on a real rollout.json that the service pauses itself when its rule holds.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleetServer, type FleetServer } from '../../src/fleet/fleet-server.js';
import type { FleetStore } from '../../src/fleet/fleet-store.js';
import { fleetDatabaseTarget, openFleetDatabase } from '../../src/fleet/open-fleet-database.js';
import { createTypeormFleetStore } from '../../src/fleet/typeorm-fleet-store.js';
import type { FleetBatch } from '../../src/formats/fleet-report.js';
import { parsePauseRule } from '../../src/rollout/pause-rule.js';
import type { RolloutView } from '../../src/rollout/rollout-monitor-view.js';
import { readRolloutFile, updateRolloutFile } from '../../src/server/rollout-file.js';
import { createRolloutMonitor } from '../../src/server/rollout-monitor.js';
import { chromiumAvailable, launchChromium, screenshot, watchPage } from '../inspector/inspector-fixtures.js';
import { fleetBatch, fleetEvent } from './fleet-fixtures.js';

const TOKEN = 'rollout-page-token-77a1';
const HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1">';
let dir: string;
let root: string;
let store: FleetStore;
let server: FleetServer;
let browser: Browser;

async function post(batch: FleetBatch): Promise<number> {
  const response = await fetch(new URL('fleet/v1/reports', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(batch),
  });
  await response.arrayBuffer();
  return response.status;
}

const rollout = async (): Promise<RolloutView> => (await (await fetch(new URL('fleet/v1/rollout', server.url))).json()) as RolloutView;

/** One upgrade run of a fresh station towards 1.2.0.2: succeeded, or failed in the DB upgrade. */
const upgradeRun = (outcome: 'ok' | 'failed') =>
  fleetBatch(randomUUID(), [
    fleetEvent({
      command: 'start',
      announcedVersion: '1.2.0.2',
      installedVersion: outcome === 'ok' ? '1.2.0.2' : '1.2.0.1',
      state: outcome === 'ok' ? 'done' : 'failed',
      exitCode: outcome === 'ok' ? 0 : 30,
      errorCode: outcome === 'ok' ? null : 'DB_UPGRADE_FAILED',
      phase: outcome === 'ok' ? 'done' : 'rollback',
    }),
  ]);

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rcu-fleet-rollout-'));
  root = path.join(dir, 'root');
  await updateRolloutFile(root, () => ({ version: '1.2.0.2', percent: 10, paused: false, channels: { pilot: 100 } }));
  store = createTypeormFleetStore(await openFleetDatabase(fleetDatabaseTarget(undefined, dir)));
  // An earlier rollout, already in the database: counted at start.
  await store.ingest(fleetBatch(randomUUID(), [fleetEvent({ announcedVersion: '1.2.0.1', installedVersion: '1.2.0.1', state: 'done', phase: 'done', command: 'start' })]), new Date());
  server = await startFleetServer({ store, token: TOKEN, port: 0, overdueAfterMs: 3 * 86_400_000, rollout: createRolloutMonitor(root, parsePauseRule('failures>=3')) });
  if (chromiumAvailable) browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await store?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('the rollout on the fleet service', () => {
  it('GET /fleet/v1/rollout: the document, the tally of its version and of earlier ones, and the rule', async () => {
    for (let i = 0; i < 4; i += 1) expect(await post(upgradeRun('ok'))).toBe(200);
    expect(await post(upgradeRun('failed'))).toBe(200);
    // Runs without an upgrade phase are no attempt.
    expect(await post(fleetBatch(randomUUID(), [fleetEvent({ announcedVersion: '1.2.0.2' })]))).toBe(200);
    expect(await rollout()).toEqual({
      document: { version: '1.2.0.2', percent: 10, paused: false, channels: { pilot: 100 }, serial: 1 },
      signed: false,
      tally: { attempted: 5, succeeded: 4, failed: 1 },
      paused: false,
      reason: null,
      rule: 'failures>=3',
      versions: [
        { version: '1.2.0.2', attempted: 5, succeeded: 4, failed: 1 },
        { version: '1.2.0.1', attempted: 1, succeeded: 1, failed: 0 },
      ],
      problem: null,
    });
  });

  it.skipIf(!chromiumAvailable)('the page shows the rollout, then that it paused itself and why (hostile text stays text)', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const seen = watchPage(page);
    try {
      await page.goto(`${server.url}fleet/`);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.isVisible('#rollout')).toBe(true);
      expect(await page.textContent('#rollout-version')).toBe('1.2.0.2');
      expect(await page.textContent('#rollout-percent')).toBe('10');
      expect(await page.textContent('#rollout-status')).toBe('rolling out');
      expect(await page.textContent('#rollout-rule')).toBe('failures>=3');
      expect(await page.isVisible('#rollout-reason')).toBe(false);
      expect(await page.textContent('#rollout-rows tr[data-version="1.2.0.2"] .attempted')).toBe('5');
      expect(await page.getAttribute('#rollout-rows tr[data-version="1.2.0.2"]', 'data-current')).toBe('true');
      expect(await page.textContent('#rollout-rows tr[data-version="1.2.0.1"] .succeeded')).toBe('1');

      // Two more failures: the service pauses the rollout on disk, and the page says so.
      expect(await post(upgradeRun('failed'))).toBe(200);
      expect(await post(upgradeRun('failed'))).toBe(200);
      const onDisk = await readRolloutFile(root);
      expect(onDisk?.document).toMatchObject({ paused: true, serial: 2 });
      expect(onDisk?.document.reason).toContain('failures>=3 held for 1.2.0.2 (3 of 7');
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.getAttribute('#rollout', 'data-paused')).toBe('true');
      expect(await page.textContent('#rollout-status')).toBe('paused');
      expect(await page.textContent('#rollout-reason')).toContain('why: paused automatically by the fleet service: failures>=3 held for 1.2.0.2');
      expect(await page.textContent('#rollout-rows tr[data-version="1.2.0.2"] .failed')).toBe('3');
      await screenshot(page, 'fleet-rollout.png');

      // A person's reason with markup in it is shown as text.
      await updateRolloutFile(root, (current) => ({ ...current!.document, reason: HOSTILE }));
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.textContent('#rollout-reason')).toBe(`why: ${HOSTILE}`);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.getAttribute('body', 'data-pwned')).toBeNull();
      // A supervisor's --ignore-rollout and the bytes a differential download reused show in the station's history.
      const taker = randomUUID();
      expect(await post(fleetBatch(taker, [fleetEvent({ command: 'upgrade', hostName: 'taker', state: 'staged', phase: 'staged', announcedVersion: '1.2.0.2', bytesFetched: 5000, bytesReused: 770_000, rolloutIgnored: true })]))).toBe(200);
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      await page.click(`#station-rows tr[data-station-id="${taker}"]`);
      await page.waitForSelector(`body[data-history="${taker}"]`);
      expect(await page.locator('#history-rows tr td:nth-child(11)').allTextContents()).toEqual(['770000']);
      expect(await page.locator('#history-rows tr td.ignored').allTextContents()).toEqual(['ignored (--ignore-rollout)']);
      expect(seen.errors).toEqual([]);
      for (const url of seen.requests) expect(url.startsWith(server.url), url).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('a rollout.json the service cannot read is said in the API, not a failure of the service', async () => {
    await fs.writeFile(path.join(root, 'registration-client', 'rollout.json'), '{"version": ');
    const view = await rollout();
    expect(view.document).toBeNull();
    expect(view.problem).toContain('is not a valid rollout document');
    // Reports are still stored (the monitor's trouble is the service's log, not the station's).
    expect(await post(upgradeRun('failed'))).toBe(200);
  });
});
