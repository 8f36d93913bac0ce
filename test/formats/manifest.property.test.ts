import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createManifest, manifestHashes, parseManifest, serializeManifest } from '../../src/formats/manifest.js';
import { anyCaseHash, manifest, plainVersion, safeName } from './arbitraries.js';

describe('manifest round trip (properties)', () => {
  it('parse(serialize(m)) gives m back, unknown attributes, Unicode and long names included', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        expect(parseManifest(serializeManifest(m))).toEqual(m);
      }),
      { numRuns: 300 },
    );
  });

  it('writes only CRLF lines of at most 72 bytes, each section ended by a blank line', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const text = serializeManifest(m).toString('latin1'); // one char per byte
        expect(text.endsWith('\r\n\r\n')).toBe(true);
        expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
        for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(72);
        expect(text.split('\r\n\r\n').length - 1).toBe(m.entries.length + 1);
      }),
    );
  });

  it('createManifest keeps every name and hash (uppercased) and its output reads back the same', () => {
    const files = fc.uniqueArray(fc.record({ name: safeName, hash: anyCaseHash }), { maxLength: 20, selector: (f) => f.name });
    fc.assert(
      fc.property(plainVersion, files, (version, list) => {
        const created = createManifest(version, list);
        expect(manifestHashes(created)).toEqual(new Map(list.map((f) => [f.name, f.hash.toUpperCase()])));
        const bytes = serializeManifest(created);
        expect(parseManifest(bytes)).toEqual(created);
        expect(serializeManifest(parseManifest(bytes))).toEqual(bytes);
      }),
    );
  });
});
