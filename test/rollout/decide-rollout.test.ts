// The document rules (DESIGN §13), one case per fail-safe rule, with real RSA signatures made by
// the manifest signing code.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideRollout, describeRollout, type RolloutInput } from '../../src/rollout/decide-rollout.js';
import { rolloutBucket } from '../../src/rollout/rollout-bucket.js';
import { serializeRolloutDocument, type RolloutDocument } from '../../src/rollout/rollout-document.js';
import { signManifest } from '../../src/server/sign-manifest.js';
import { isValidSignature } from '../../src/services/manifest-signature.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const verifySignature = (body: Uint8Array, signature: Uint8Array) => isValidSignature(body, signature, publicKey);
const source = 'http://server/registration-client/rollout.json';

/** Station ids inside and outside a 10 % rollout of 1.2.0.2. */
const ids = Array.from({ length: 200 }, (_, i) => `station-${i}`);
const inside = ids.find((id) => rolloutBucket(id, '1.2.0.2') < 10)!;
const outside = ids.find((id) => rolloutBucket(id, '1.2.0.2') >= 50)!;

function doc(change: Partial<RolloutDocument> = {}): RolloutDocument {
  return { version: '1.2.0.2', percent: 10, paused: false, channels: {}, serial: 7, ...change };
}

function signed(document: RolloutDocument, key = privateKey) {
  const body = serializeRolloutDocument(document);
  return { body, signature: signManifest(body, key) };
}

function input(change: Partial<RolloutInput>): RolloutInput {
  return { announcedVersion: '1.2.0.2', stationId: inside, received: { body: serializeRolloutDocument(doc()), signature: null }, source, ...change };
}

describe('decideRollout', () => {
  it('offers everything when there is no document (today’s behaviour), with or without a key', () => {
    expect(decideRollout(input({ received: null }))).toEqual({ offered: true, rollout: null });
    expect(decideRollout(input({ received: null, verifySignature }))).toEqual({ offered: true, rollout: null });
  });

  it('offers a station inside the percentage and not one outside it', () => {
    const yes = decideRollout(input({}));
    expect(yes.offered).toBe(true);
    expect(yes.rollout).toMatchObject({ version: '1.2.0.2', percent: 10, included: true, paused: false, verdict: 'included' });
    expect(yes.rememberSerial).toBe(7);
    const no = decideRollout(input({ stationId: outside }));
    expect(no.offered).toBe(false);
    expect(no.rollout).toMatchObject({ percent: 10, included: false, verdict: 'not-included' });
    expect(no.warning).toBeUndefined();
    expect(describeRollout(no.rollout!)).toBe('1.2.0.2 is rolling out to 10 % of stations; this station is not yet included');
  });

  it('includes a station whose channel has a higher share', () => {
    const received = { body: serializeRolloutDocument(doc({ channels: { pilot: 100 } })), signature: null };
    expect(decideRollout(input({ stationId: outside, received, channel: 'pilot' })).offered).toBe(true);
    expect(decideRollout(input({ stationId: outside, received, channel: 'other' })).offered).toBe(false);
  });

  it('offers nothing when paused, even to an included station', () => {
    const decision = decideRollout(input({ received: { body: serializeRolloutDocument(doc({ paused: true, percent: 100, reason: 'failures>=5' })), signature: null } }));
    expect(decision.offered).toBe(false);
    expect(decision.rollout).toMatchObject({ paused: true, included: false, verdict: 'paused', reason: 'failures>=5' });
  });

  it('offers nothing for a malformed document, and says why', () => {
    const decision = decideRollout(input({ received: { body: Buffer.from('{"version":"1.2.0.2","percent":"all"}'), signature: null } }));
    expect(decision.offered).toBe(false);
    expect(decision.rollout).toMatchObject({ verdict: 'malformed', percent: null });
    expect(decision.warning).toContain(source);
    expect(decision.rememberSerial).toBeUndefined();
  });

  it('offers nothing when the document could not be fetched (it might say paused)', () => {
    expect(decideRollout(input({ received: null, unreadable: 'HTTP 503' }))).toMatchObject({ offered: false, rollout: { verdict: 'unreadable' } });
  });

  it('with a key: a validly signed document widens', () => {
    const decision = decideRollout(input({ stationId: outside, received: signed(doc({ percent: 100, serial: 8 })), verifySignature, highestSerial: 7 }));
    expect(decision).toMatchObject({ offered: true, rememberSerial: 8, rollout: { verdict: 'included', percent: 100 } });
  });

  it('with a key: an unsigned document offers nothing and is not remembered', () => {
    const decision = decideRollout(input({ received: { body: serializeRolloutDocument(doc({ percent: 100, serial: 99 })), signature: null }, verifySignature }));
    expect(decision).toMatchObject({ offered: false, rollout: { verdict: 'unsigned' } });
    expect(decision.rememberSerial).toBeUndefined();
  });

  it('with a key: a badly signed or tampered document offers nothing', () => {
    const wrongKey = decideRollout(input({ received: signed(doc({ percent: 100 }), other.privateKey), verifySignature }));
    expect(wrongKey).toMatchObject({ offered: false, rollout: { verdict: 'bad-signature' } });
    const good = signed(doc({ percent: 10 }));
    const tampered = Buffer.from(good.body.toString('utf8').replace('"percent": 10', '"percent": 100'));
    const decision = decideRollout(input({ stationId: outside, received: { body: tampered, signature: good.signature }, verifySignature }));
    expect(decision).toMatchObject({ offered: false, rollout: { verdict: 'bad-signature' } });
  });

  it('with a key: an unsigned pause is honoured (pausing is always safe), but not remembered', () => {
    const decision = decideRollout(input({ received: { body: serializeRolloutDocument(doc({ paused: true, serial: 50 })), signature: null }, verifySignature, highestSerial: 7 }));
    expect(decision).toMatchObject({ offered: false, rollout: { verdict: 'paused', paused: true } });
    expect(decision.rememberSerial).toBeUndefined();
  });

  it('offers nothing for a document older than the highest seen (replay), signed or not', () => {
    expect(decideRollout(input({ received: signed(doc({ percent: 100, serial: 6 })), verifySignature, highestSerial: 7 }))).toMatchObject({
      offered: false,
      rollout: { verdict: 'replayed', serial: 6 },
    });
    expect(decideRollout(input({ highestSerial: 8 }))).toMatchObject({ offered: false, rollout: { verdict: 'replayed' } });
    // The same serial again is the same document fetched again.
    expect(decideRollout(input({ highestSerial: 7 })).offered).toBe(true);
  });

  it('with a key: a signed document removed from the server does not widen to 100 %', () => {
    expect(decideRollout(input({ received: null, verifySignature, highestSerial: 7 }))).toMatchObject({ offered: false, rollout: { verdict: 'withdrawn' } });
  });

  it('offers nothing when the document governs another version', () => {
    const decision = decideRollout(input({ announcedVersion: '1.2.0.3', received: { body: serializeRolloutDocument(doc({ percent: 100 })), signature: null } }));
    expect(decision).toMatchObject({ offered: false, rollout: { verdict: 'other-version', version: '1.2.0.2' }, rememberSerial: 7 });
  });
});
