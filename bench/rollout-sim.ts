// `npm run rollout-sim [-- --stations 10000 --percent 10 --pause-when "failures>=5 || rate>=20%" --json]`:
// how many stations attempt a release that fails everywhere before the fleet service pauses it.
// Exit 0 when at most 5 % of the fleet attempted it (the goal of DESIGN §13), 1 otherwise.
import { parseArgs } from 'node:util';
import { DEFAULT_SCENARIO, simulateBadRelease } from './rollout-sim-engine.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: String(DEFAULT_SCENARIO.stations) },
    percent: { type: 'string', default: String(DEFAULT_SCENARIO.percent) },
    'pause-when': { type: 'string', default: DEFAULT_SCENARIO.pauseWhen },
    seed: { type: 'string', default: String(DEFAULT_SCENARIO.seed) },
    json: { type: 'boolean', default: false },
  },
});

const outcome = simulateBadRelease({
  ...DEFAULT_SCENARIO,
  stations: Number(values.stations),
  percent: Number(values.percent),
  pauseWhen: values['pause-when'],
  seed: Number(values.seed),
});
if (values.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
else {
  process.stdout.write(
    [
      `bad release at ${values.percent} % of ${outcome.stations} stations (${outcome.included} included), --pause-when "${values['pause-when']}"`,
      `  paused after ${outcome.pausedAtHours === null ? 'never' : `${(outcome.pausedAtHours * 60).toFixed(0)} min`}${outcome.reason === null ? '' : `: ${outcome.reason}`}`,
      `  ${outcome.attempted} stations attempted it (${outcome.attemptedShare.toFixed(2)} % of the fleet; goal ≤ 5 %)`,
      '',
    ].join('\n'),
  );
}
process.exitCode = outcome.attemptedShare <= 5 ? 0 : 1;
