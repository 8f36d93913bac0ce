// `npm run rollout-sim [-- --stations 10000 --percent 10 --pause-when "failures>=5 || rate>=20%" --json]`:
// how many stations attempt a release that fails everywhere before the fleet service pauses it.
// Exit 0 when at most 5 % of the fleet attempted it (the goal of DESIGN §13), 1 otherwise.
import { parseArgs } from 'node:util';
import { DEFAULT_SCENARIO, formatBadRelease, simulateBadRelease } from './rollout-sim-engine.js';

const { values } = parseArgs({
  options: {
    stations: { type: 'string', default: String(DEFAULT_SCENARIO.stations) },
    percent: { type: 'string', default: String(DEFAULT_SCENARIO.percent) },
    'pause-when': { type: 'string', default: DEFAULT_SCENARIO.pauseWhen },
    seed: { type: 'string', default: String(DEFAULT_SCENARIO.seed) },
    json: { type: 'boolean', default: false },
  },
});

const scenario = {
  ...DEFAULT_SCENARIO,
  stations: Number(values.stations),
  percent: Number(values.percent),
  pauseWhen: values['pause-when'],
  seed: Number(values.seed),
};
const outcome = simulateBadRelease(scenario);
process.stdout.write(values.json ? `${JSON.stringify(outcome)}\n` : formatBadRelease(outcome, scenario));
process.exitCode = outcome.attemptedShare <= 5 ? 0 : 1;
