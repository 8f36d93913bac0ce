// The CI subset of `npm run torture`: a fixed seed, a few dozen SIGKILLs of start, upgrade and
// rollback against the fault-capable test server, with every invariant checked after every run.
import { describe, expect, it } from 'vitest';
import { runTorture } from './torture/engine.js';

const SEED = Number(process.env.TORTURE_SEED ?? 20261127);
const KILLS = Number(process.env.TORTURE_KILLS ?? 30);

describe('torture (CI subset)', () => {
  it(`${KILLS} kills over patch, upgrade and rollback cycles (seed ${SEED}) leave no invariant violated`, async () => {
    const report = await runTorture({ seed: SEED, kills: KILLS, server: 'node', maxKillsPerStep: 3 });
    console.log(`torture: ${report.kills} kills in ${report.runs} runs, cycles ${JSON.stringify(report.cycles)}, kills by state ${JSON.stringify(report.killsByState)}`);
    expect(report.violations).toEqual([]);
    expect(report.kills).toBeGreaterThanOrEqual(KILLS);
  }, 300_000);
});
