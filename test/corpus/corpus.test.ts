// Every input of the hostile corpus at the format level (and, for properties, as a lib/ file read by
// the configuration loader): a clear UpgradeError with the stable code corpus.json promises, the
// exit code that code stands for, a short printable message — and nothing on disk changed.
import { readdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { UpgradeError } from '../../src/errors.js';
import { createManifest, parseManifest, serializeManifest } from '../../src/formats/manifest.js';
import { parseMavenMetadata } from '../../src/formats/maven-metadata.js';
import { parseProperties } from '../../src/formats/properties.js';
import { splitSqlScript } from '../../src/formats/sql-script.js';
import { parseVersionMappings } from '../../src/formats/version.js';
import { hashTree, sha256, tempDir, writeTree } from '../helpers/station.js';
import { corpusDir, generatedNames, loadCorpus, readIndex, type CorpusEntry } from './corpus-index.js';

/** Runs the parser of the entry's kind; resolves to what it threw (or undefined). */
async function parse(entry: CorpusEntry): Promise<unknown> {
  try {
    switch (entry.kind) {
      case 'manifest':
        parseManifest(entry.bytes, entry.name);
        break;
      case 'metadata':
        parseMavenMetadata(entry.bytes.toString('utf8'), entry.name);
        break;
      case 'sql':
        splitSqlScript(entry.bytes.toString('utf8'), entry.name);
        break;
      case 'mappings':
        parseVersionMappings(entry.bytes.toString('utf8'));
        break;
      case 'properties':
        await loadPropertiesAsReleased(entry.bytes);
        break;
    }
  } catch (error) {
    return error;
  }
  return undefined;
}

/** A station whose lib/mosip-application.properties is the entry, as released (MANIFEST.MF lists it). */
async function loadPropertiesAsReleased(bytes: Buffer): Promise<void> {
  const clientDir = await tempDir('rcu-corpus-');
  const name = 'mosip-application.properties';
  await writeTree(clientDir, { [`lib/${name}`]: bytes, 'MANIFEST.MF': serializeManifest(createManifest('1.0.0', [{ name, hash: sha256(bytes) }])) });
  const before = await hashTree(clientDir);
  try {
    await loadConfig({ clientDir, flags: {}, env: {} });
  } finally {
    expect(await hashTree(clientDir), 'loading configuration changes nothing').toEqual(before);
  }
}

const corpus = loadCorpus();

describe('hostile corpus: the index', () => {
  it('lists every file of the corpus and every generated input, and nothing else', () => {
    const onDisk = ['manifests', 'metadata', 'properties', 'sql', 'mappings'].flatMap((dir) =>
      readdirSync(path.join(corpusDir, dir)).map((file) => `${dir}/${file}`),
    );
    expect(Object.keys(readIndex()).sort()).toEqual([...onDisk, ...generatedNames].sort());
  });
});

describe('hostile corpus: format level', () => {
  for (const entry of corpus) {
    it(`${entry.name} (${entry.why}) → ${entry.code}, exit ${entry.exit}`, async () => {
      const started = Date.now();
      const error = await parse(entry);
      expect(error, 'it must be refused').toBeInstanceOf(UpgradeError);
      const { code, exitCode, message } = error as UpgradeError;
      expect({ code, exitCode }).toEqual({ code: entry.code, exitCode: entry.exit });
      expect(message.length).toBeGreaterThan(10);
      expect(message.length, 'the message stays readable').toBeLessThan(1000);
      // eslint-disable-next-line no-control-regex
      expect(message, 'no raw control character reaches a terminal or a log').not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(Date.now() - started, 'refused quickly').toBeLessThan(5000);
    });
  }

  it.each(corpus.filter((e) => e.formatCode !== undefined).map((e) => [e.name, e] as const))('%s is refused by the properties parser itself', (_name, entry) => {
    expect(() => parseProperties(entry.bytes.toString('utf8'), entry.name)).toThrow(expect.objectContaining({ code: entry.formatCode }));
  });

  it('a well-formed 10 000-section manifest is read in well under a second (the big hostile ones fail on their content, not on size)', async () => {
    const files = Array.from({ length: 10_000 }, (_, i) => ({ name: `dir${i % 50}/file-${i}.jar`, hash: 'A'.repeat(64) }));
    const bytes = serializeManifest(createManifest('1.0.0', files));
    const started = Date.now();
    expect(parseManifest(bytes).entries).toHaveLength(10_000);
    expect(Date.now() - started).toBeLessThan(2000);
    await fs.access(corpusDir);
  });
});
