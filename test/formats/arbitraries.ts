// fast-check generators for manifests: safe names with Unicode, hashes in any case, unknown attributes.
import fc from 'fast-check';
import { isSafeManifestName } from '../../src/formats/manifest-name.js';
import type { Manifest, ManifestEntry } from '../../src/formats/manifest.js';

const RESERVED_KEYS = new Set(['name', 'content-type', 'manifest-version']);

/** One character of a name: mostly interesting ones, sometimes any code point. */
const nameChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'Z', '0', '-', '_', '.', ' ', 'é', 'ü', 'ß', '中', '文', '😀', '🎉', 'ﬀ', '\u00a0') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

/** A name that assertSafeManifestName accepts, up to a few hundred UTF-8 bytes (so wrapped). */
export const safeName = fc
  .array(fc.string({ unit: nameChar, minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 })
  .map((segments) => segments.join('/'))
  .filter(isSafeManifestName);

/** 64 hex digits in mixed case. */
export const anyCaseHash = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 64, maxLength: 64 });

/** A release version such as 1.2.0.2 or 1.2.0.2-SNAPSHOT. */
export const plainVersion = fc
  .tuple(fc.array(fc.nat({ max: 999 }), { minLength: 1, maxLength: 5 }), fc.constantFrom('', '-SNAPSHOT', '-rc1', 'v'))
  .map(([numbers, suffix]) => numbers.join('.') + suffix);

/** An attribute Java would keep: a valid name other than the three the format reserves, any one-line value. */
const extraAttribute = fc.tuple(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/).filter((key) => !RESERVED_KEYS.has(key.toLowerCase())),
  fc.string({ unit: 'binary', maxLength: 120 }).filter((value) => !/[\0\r\n]|\p{Cs}/u.test(value)),
);

const extraAttributes = fc.uniqueArray(extraAttribute, { maxLength: 3, selector: ([key]) => key.toLowerCase() });

/** An entry as parseManifest returns it: Name first, Content-Type (uppercase) somewhere after. */
const entry = fc
  .record({ name: safeName, hash: anyCaseHash, extras: extraAttributes, hashAt: fc.nat() })
  .map(({ name, hash, extras, hashAt }): ManifestEntry => {
    const upper = hash.toUpperCase();
    const others = [...extras];
    others.splice(hashAt % (others.length + 1), 0, ['Content-Type', upper]);
    return { name, hash: upper, attributes: [['Name', name], ...others] };
  });

/** A manifest as parseManifest returns it: Manifest-Version first, unknown attributes anywhere. */
export const manifest: fc.Arbitrary<Manifest> = fc
  .record({
    version: plainVersion,
    mainExtras: extraAttributes,
    entries: fc.uniqueArray(entry, { maxLength: 8, selector: (e) => e.name }),
  })
  .map(({ version, mainExtras, entries }) => ({
    version,
    mainAttributes: [['Manifest-Version', version], ...mainExtras],
    entries,
  }));
