// Whether a station is offered the announced version under the rollout document (DESIGN §13).
// Fail-safe: a missing document means 100 % (today's behaviour); a malformed, unsigned (with a key
// configured), badly signed or replayed document means not offered. Pausing is always safe, so a
// pause is honoured unsigned; widening needs a valid signature.
import { UpgradeError } from '../errors.js';
import { effectivePercent, rolloutBucket } from './rollout-bucket.js';
import { parseRolloutDocument, type RolloutDocument } from './rollout-document.js';

/** A rollout document as received: its exact bytes and its detached signature, if any. */
export interface ReceivedRollout {
  body: Uint8Array;
  signature: Uint8Array | null;
}

/** What the decision needs: plain data, plus the signature check when a public key is configured. */
export interface RolloutInput {
  /** The version maven-metadata.xml announces (the one that would be offered). */
  announcedVersion: string;
  stationId: string;
  /** `reg.upgrader.channel`; absent or empty = no channel. */
  channel?: string | undefined;
  /** null = the server has no rollout document (404/410). */
  received: ReceivedRollout | null;
  /** Why the document could not be fetched (any answer but the document or 404/410): not offered. */
  unreadable?: string | undefined;
  /** Present when a public key is configured: true when `signature` signs exactly `body`. */
  verifySignature?: ((body: Uint8Array, signature: Uint8Array) => boolean) | undefined;
  /** The highest serial of a trusted document this station has seen. */
  highestSerial?: number | undefined;
  /** URL of the document, for messages. */
  source: string;
}

/** Why the rollout offers the version or not. */
export type RolloutVerdict =
  | 'included'
  | 'not-included'
  | 'paused'
  | 'malformed'
  | 'unreadable'
  | 'unsigned'
  | 'bad-signature'
  | 'replayed'
  | 'other-version'
  | 'withdrawn';

/** The rollout as a station reports it (`start --json` → `rollout`, `status`). */
export interface RolloutStatus {
  version: string;
  /** The share that applies to this station; null when the document could not be read. */
  percent: number | null;
  paused: boolean;
  included: boolean;
  verdict: RolloutVerdict;
  serial: number | null;
  /** Why it was paused, as the document says. */
  reason?: string;
}

/** The decision: offered or not, what to report, and the serial to remember. */
export interface RolloutDecision {
  offered: boolean;
  /** null when the server has no rollout document (everything offered, as before rollouts). */
  rollout: RolloutStatus | null;
  /** A trusted document newer than any seen: the station keeps this as its highest serial. */
  rememberSerial?: number;
  /** The document itself is the problem (malformed, unsigned, replayed…): said to the operator. */
  warning?: string;
}

type SignatureState = 'valid' | 'unsigned' | 'bad-signature';

function signatureState(input: RolloutInput): SignatureState {
  if (input.verifySignature === undefined || input.received === null) return 'valid';
  if (input.received.signature === null) return 'unsigned';
  return input.verifySignature(input.received.body, input.received.signature) ? 'valid' : 'bad-signature';
}

/** Decides whether the announced version is offered to this station; pure. */
export function decideRollout(input: RolloutInput): RolloutDecision {
  const { announcedVersion: announced, source } = input;
  const blocked = (verdict: RolloutVerdict, warning: string, doc?: RolloutDocument): RolloutDecision => ({
    offered: false,
    rollout: {
      version: doc?.version ?? announced,
      percent: doc === undefined ? null : effectivePercent(doc.percent, doc.channels, input.channel),
      paused: doc?.paused ?? false,
      included: false,
      verdict,
      serial: doc?.serial ?? null,
      ...(doc?.reason === undefined ? {} : { reason: doc.reason }),
    },
    warning: `${warning}: ${announced} is not offered`,
  });
  if (input.unreadable !== undefined) {
    // It might say "paused": a rollout that cannot be read offers nothing.
    return blocked('unreadable', `${source} could not be read (${input.unreadable})`);
  }
  if (input.received === null) {
    // Removing the document must not widen a signed rollout: a station that trusted one keeps waiting.
    if (input.verifySignature !== undefined && input.highestSerial !== undefined) {
      return blocked('withdrawn', `${source} is gone, but this station has trusted a signed rollout document (serial ${input.highestSerial}); publish a signed one (rollout set … --percent 100) to widen`);
    }
    return { offered: true, rollout: null };
  }
  let doc: RolloutDocument;
  try {
    doc = parseRolloutDocument(input.received.body, source);
  } catch (error) {
    return blocked('malformed', error instanceof UpgradeError ? error.message : `${source} could not be read`);
  }
  const signature = signatureState(input);
  const trusted = signature === 'valid';
  const newer = trusted && (input.highestSerial === undefined || doc.serial > input.highestSerial);
  const remember = newer ? { rememberSerial: doc.serial } : {};
  const percent = effectivePercent(doc.percent, doc.channels, input.channel);
  const status = (verdict: RolloutVerdict, included: boolean): RolloutStatus => ({
    version: doc.version,
    percent,
    paused: doc.paused,
    included,
    verdict,
    serial: doc.serial,
    ...(doc.reason === undefined ? {} : { reason: doc.reason }),
  });
  if (doc.paused && doc.version === announced) {
    return { offered: false, rollout: status('paused', false), ...remember };
  }
  if (signature === 'unsigned') return blocked('unsigned', `${source} has no signature (${source}.sig) and a public key is configured`, doc);
  if (signature === 'bad-signature') return blocked('bad-signature', `${source}.sig does not match ${source} under the configured public key`, doc);
  if (input.highestSerial !== undefined && doc.serial < input.highestSerial) {
    return blocked('replayed', `${source} has serial ${doc.serial}, older than ${input.highestSerial} this station has seen (an old document replayed)`, doc);
  }
  if (doc.version !== announced) {
    return { ...blocked('other-version', `${source} governs ${doc.version}, but maven-metadata.xml announces ${announced}`, doc), ...remember };
  }
  const included = rolloutBucket(input.stationId, announced) < percent;
  return { offered: included, rollout: status(included ? 'included' : 'not-included', included), ...remember };
}

/** One sentence for `status` and `start`: where the rollout stands for this station. */
export function describeRollout(rollout: RolloutStatus): string {
  const share = rollout.percent === null ? '' : `${formatPercent(rollout.percent)} of stations`;
  switch (rollout.verdict) {
    case 'included':
      return `${rollout.version} is rolling out to ${share}; this station is included`;
    case 'not-included':
      return `${rollout.version} is rolling out to ${share}; this station is not yet included`;
    case 'paused':
      return `the rollout of ${rollout.version} is paused${rollout.reason === undefined ? '' : ` (${rollout.reason})`}; this station is not offered it`;
    case 'malformed':
      return `the rollout document is malformed: ${rollout.version} is not offered`;
    case 'unreadable':
      return `the rollout document could not be read: ${rollout.version} is not offered`;
    case 'unsigned':
    case 'bad-signature':
      return `the rollout document is not validly signed: ${rollout.version} is not offered`;
    case 'replayed':
      return `the rollout document is older than one already seen (serial ${rollout.serial ?? '?'}): not offered`;
    case 'other-version':
      return `the rollout document governs ${rollout.version}, not the announced version: not offered`;
    case 'withdrawn':
      return `the signed rollout document was removed from the server: ${rollout.version} is not offered`;
  }
}

/** `10` → `10 %`, `12.5` → `12.5 %`. */
export function formatPercent(percent: number): string {
  return `${Number.isInteger(percent) ? percent : Number(percent.toFixed(2))} %`;
}
