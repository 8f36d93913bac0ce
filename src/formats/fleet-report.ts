// The fleet report (DESIGN §13): what a station sends to the fleet service after a run, and the
// one validator both sides use. A batch is all of one station's queued events, oldest first.
// Pure: no I/O. Anything that is not exactly this shape is refused with the field that is wrong.

/** One run of one command on a station, as queued in its outbox. */
export interface FleetEvent {
  /** Unique id of the event (UUID): delivery is idempotent by it. */
  eventId: string;
  /** The station's own order of events (outbox sequence): a later run has a higher seq. */
  seq: number;
  /** When the run ended, by the station's clock (ISO-8601). */
  at: string;
  /** Command of the run (`start`, `upgrade`, `rollback`). */
  command: string;
  hostName: string;
  /** MOSIP machine name from `.mosipkeys/readme.txt`, when present. */
  machineName: string | null;
  /** MOSIP key index from `.mosipkeys/readme.txt`, when present. */
  keyIndex: string | null;
  upgraderVersion: string;
  installedVersion: string | null;
  /** The newest version the server announced, when known. */
  announcedVersion: string | null;
  /** The machine state the run ended in. */
  state: string;
  exitCode: number;
  /** Stable error code (DESIGN §7) or null. */
  errorCode: string | null;
  bytesFetched: number;
  durationMs: number;
  /** The furthest upgrade state the run reached (`backup` … `done`, `rollback`), or null. */
  phase: string | null;
  /** Bytes the run took from files the station already had (differential downloads); absent from older stations. */
  bytesReused?: number;
  /** The run took a version the rollout did not offer (`upgrade --ignore-rollout`); absent from older stations. */
  rolloutIgnored?: boolean;
}

/** What a station POSTs to `fleet/v1/reports`. */
export interface FleetBatch {
  /** The station's UUID, created once and kept in its state database. */
  stationId: string;
  /** Events the station's outbox dropped (cap reached) since its last acknowledged batch. */
  dropped: number;
  events: FleetEvent[];
}

/** Limits the service enforces (and the station respects when it builds a batch). */
export const FLEET_LIMITS = {
  /** Events in one batch. */
  maxEvents: 500,
  /** Bytes of one request body. */
  maxBodyBytes: 1024 * 1024,
  /** Characters of any text field. */
  maxText: 200,
} as const;

/** A batch that is not a valid FleetBatch: `field` names what is wrong. */
export interface FleetBatchProblem {
  field: string;
  expected: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Check = (value: unknown) => boolean;
const text: Check = (v) => typeof v === 'string' && v.length <= FLEET_LIMITS.maxText;
const nonEmpty: Check = (v) => text(v) && (v as string).length > 0;
const optionalText: Check = (v) => v === null || text(v);
const count: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const uuid: Check = (v) => typeof v === 'string' && UUID.test(v);
const isoTime: Check = (v) => typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v));
const exitCode: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255;

type OptionalField = 'bytesReused' | 'rolloutIgnored';

/** Fields checked when present: stations of an older upgrader do not send them. */
const OPTIONAL_EVENT_FIELDS: Record<OptionalField, [Check, string]> = {
  bytesReused: [count, 'a whole number ≥ 0'],
  rolloutIgnored: [(v) => typeof v === 'boolean', 'true or false'],
};

const EVENT_FIELDS: Record<Exclude<keyof FleetEvent, OptionalField>, [Check, string]> = {
  eventId: [uuid, 'a UUID'],
  seq: [count, 'a whole number ≥ 0'],
  at: [isoTime, 'an ISO-8601 time'],
  command: [nonEmpty, `a text of 1–${FLEET_LIMITS.maxText} characters`],
  hostName: [text, `a text of at most ${FLEET_LIMITS.maxText} characters`],
  machineName: [optionalText, 'null or a text'],
  keyIndex: [optionalText, 'null or a text'],
  upgraderVersion: [text, 'a text'],
  installedVersion: [optionalText, 'null or a text'],
  announcedVersion: [optionalText, 'null or a text'],
  state: [nonEmpty, 'a state name'],
  exitCode: [exitCode, 'an exit code 0–255'],
  errorCode: [optionalText, 'null or an error code'],
  bytesFetched: [count, 'a whole number ≥ 0'],
  durationMs: [count, 'a whole number ≥ 0'],
  phase: [optionalText, 'null or a state name'],
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks every field of a parsed JSON batch: unknown fields, wrong types and oversize values are refused. */
export function validateFleetBatch(value: unknown): { batch: FleetBatch } | { problem: FleetBatchProblem } {
  if (!isRecord(value)) return { problem: { field: '(body)', expected: 'a JSON object {stationId, dropped, events}' } };
  for (const key of Object.keys(value)) {
    if (!['stationId', 'dropped', 'events'].includes(key)) return { problem: { field: key, expected: 'no such field' } };
  }
  if (!uuid(value.stationId)) return { problem: { field: 'stationId', expected: 'a UUID' } };
  if (!count(value.dropped)) return { problem: { field: 'dropped', expected: 'a whole number ≥ 0' } };
  const events = value.events;
  if (!Array.isArray(events) || events.length === 0 || events.length > FLEET_LIMITS.maxEvents) {
    return { problem: { field: 'events', expected: `an array of 1–${FLEET_LIMITS.maxEvents} events` } };
  }
  const seen = new Set<string>();
  for (const [index, event] of events.entries()) {
    if (!isRecord(event)) return { problem: { field: `events[${index}]`, expected: 'an object' } };
    for (const key of Object.keys(event)) {
      if (!(key in EVENT_FIELDS) && !(key in OPTIONAL_EVENT_FIELDS)) return { problem: { field: `events[${index}].${key}`, expected: 'no such field' } };
    }
    for (const [key, [check, expected]] of Object.entries(OPTIONAL_EVENT_FIELDS)) {
      if (key in event && !check(event[key])) return { problem: { field: `events[${index}].${key}`, expected } };
    }
    for (const [key, [check, expected]] of Object.entries(EVENT_FIELDS)) {
      if (!(key in event) || !check(event[key])) return { problem: { field: `events[${index}].${key}`, expected } };
    }
    const id = (event.eventId as string).toLowerCase();
    if (seen.has(id)) return { problem: { field: `events[${index}].eventId`, expected: 'an id not repeated in the batch' } };
    seen.add(id);
  }
  return { batch: value as unknown as FleetBatch };
}

/** The answer to an accepted batch: every event id in it is now stored (new or already there). */
export interface FleetAck {
  accepted: number;
  duplicates: number;
}
