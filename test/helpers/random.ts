// The tests' seeded generator is the simulators' one (bench/mulberry32.ts), so a failing seed can be replayed.
export { mulberry32 } from '../../bench/mulberry32.js';
