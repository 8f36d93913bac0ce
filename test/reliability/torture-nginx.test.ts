// The torture subset against the real nginx (Debian's package, deploy/nginx.conf, limit_rate): kills
// and resumes meet nginx's own ETag, Range and If-Range answers.
import { describe, expect, it } from 'vitest';
import { nginxAvailable } from '../helpers/nginx.js';
import { runTorture } from './torture/engine.js';

const SEED = Number(process.env.TORTURE_SEED ?? 7031);
const KILLS = Number(process.env.TORTURE_NGINX_KILLS ?? 14);

describe.skipIf(!nginxAvailable)('torture against nginx (CI subset)', () => {
  it(`${KILLS} kills with nginx serving (seed ${SEED}) leave no invariant violated`, async () => {
    const report = await runTorture({ seed: SEED, kills: KILLS, server: 'nginx', maxKillsPerStep: 3 });
    console.log(`torture/nginx: ${report.kills} kills in ${report.runs} runs, cycles ${JSON.stringify(report.cycles)}`);
    expect(report.violations).toEqual([]);
    expect(report.kills).toBeGreaterThanOrEqual(KILLS);
  }, 120_000);
});
