// The migrations of the state database, in a module of their own: the launch path checks that a
// database is current by their names without loading TypeORM (state-entities.ts does load it).
import { CreateStateTables1764201600000 } from '../../migrations/1764201600000-CreateStateTables.js';
import { CreateFleetOutbox1764633600000 } from '../../migrations/1764633600000-CreateFleetOutbox.js';
import type { MigrationClass } from './data-source.js';

/** Every migration of the state database, oldest first. */
export const STATE_MIGRATIONS: MigrationClass[] = [CreateStateTables1764201600000, CreateFleetOutbox1764633600000];
