// Builders of fleet reports for the fleet tests and the simulator's checks.
import { randomUUID } from 'node:crypto';
import type { FleetBatch, FleetEvent } from '../../src/formats/fleet-report.js';

/** One event with plausible defaults. */
export function fleetEvent(overrides: Partial<FleetEvent> = {}): FleetEvent {
  return {
    eventId: randomUUID(),
    seq: 1,
    at: new Date().toISOString(),
    command: 'start',
    hostName: 'station-01',
    machineName: null,
    keyIndex: null,
    upgraderVersion: '0.1.0',
    installedVersion: '1.1.5.5',
    announcedVersion: '1.2.0.1',
    state: 'upgradeAvailable',
    exitCode: 0,
    errorCode: null,
    bytesFetched: 0,
    durationMs: 120,
    phase: null,
    ...overrides,
  };
}

/** A batch of one station. */
export function fleetBatch(stationId: string, events: FleetEvent[], dropped = 0): FleetBatch {
  return { stationId, dropped, events };
}
