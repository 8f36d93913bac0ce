// The station's id: a UUID created on its first run and kept in the state database, so the
// station's place in every staged rollout (DESIGN §13) is the same on every run.
import { randomUUID } from 'node:crypto';

/** Key of the station id in the state database's key-value table: the same id the fleet reports carry (issue 12). */
export const STATION_ID_KEY = 'fleet-station-id';

/** The key-value part of the state store. */
export interface KeyValueStore {
  getValue(key: string): Promise<string | undefined>;
  setValue(key: string, value: string): Promise<void>;
}

/** Reads the station id, creating it on the first run. */
export async function stationIdOf(store: KeyValueStore): Promise<string> {
  const known = await store.getValue(STATION_ID_KEY);
  if (known !== undefined && known !== '') return known;
  const id = randomUUID();
  await store.setValue(STATION_ID_KEY, id);
  return id;
}
