// The hostile-input corpus: every file under test/corpus/ and the big ones generated here (so no
// megabytes are committed), each with the one outcome corpus.json promises for it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorCode } from '../../src/errors.js';
import { createManifest, serializeManifest } from '../../src/formats/manifest.js';

/** What corpus.json promises for one input. */
export interface CorpusExpectation {
  /** The stable error code (for properties: the code of the configuration loaded from lib/). */
  code: ErrorCode;
  /** The exit code that code stands for. */
  exit: 64 | 65;
  /** What is hostile about the input. */
  why: string;
  /** For properties: the code of the format-level parser itself. */
  formatCode?: ErrorCode;
}

/** One input with its bytes and its promise. */
export interface CorpusEntry extends CorpusExpectation {
  name: string;
  kind: 'manifest' | 'metadata' | 'properties' | 'sql' | 'mappings';
  bytes: Buffer;
}

/** The corpus folder. */
export const corpusDir = path.dirname(fileURLToPath(import.meta.url));

const HASH = 'A'.repeat(64);

function bigManifest(last: string): Buffer {
  const files = Array.from({ length: 9_999 }, (_, i) => ({ name: `dir${i % 50}/file-${i}.jar`, hash: HASH }));
  const valid = serializeManifest(createManifest('1.0.0', files));
  const tail = `Name: ${last}\r\nContent-Type: ${HASH.slice(0, 58)}\r\n ${HASH.slice(58)}\r\n\r\n`;
  return Buffer.concat([valid, Buffer.from(tail)]);
}

/** Generators of the big inputs, by corpus name. */
const GENERATED: Record<string, () => Buffer> = {
  'generated/manifest-1mb-line.MF': () => Buffer.from(`Manifest-Version: 1.0.0\r\n\r\nName: ${'a'.repeat(1 << 20)}.jar\r\n`),
  'generated/manifest-10000-sections-duplicate.MF': () => bigManifest('dir0/file-0.jar'),
  'generated/manifest-10000-sections-traversal.MF': () => bigManifest('../../../../tmp/evil.jar'),
  'generated/metadata-deep-nesting.xml': () =>
    Buffer.from(`<metadata>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}<versioning><versions><version>1.2.0</version></versions></versioning></metadata>`),
  'generated/metadata-huge.xml': () =>
    Buffer.from(`<metadata><versioning><versions>${'<version>1.2.0</version>\n'.repeat(90_000)}</versions></versioning></metadata>`),
  'generated/sql-1mb-unterminated.sql': () => Buffer.from(`CREATE TABLE t (a TEXT);\nINSERT INTO t VALUES ('${'x'.repeat(1 << 20)}`),
  'generated/mappings-deep-nesting.json': () => Buffer.from(`${'['.repeat(200_000)}${']'.repeat(200_000)}`),
};

function kindOf(name: string): CorpusEntry['kind'] {
  if (name.endsWith('.MF')) return 'manifest';
  if (name.endsWith('.xml')) return 'metadata';
  if (name.endsWith('.properties')) return 'properties';
  if (name.endsWith('.sql')) return 'sql';
  return 'mappings';
}

/** corpus.json as written. */
export function readIndex(): Record<string, CorpusExpectation> {
  return JSON.parse(readFileSync(path.join(corpusDir, 'corpus.json'), 'utf8')) as Record<string, CorpusExpectation>;
}

/** Every input of the corpus with its bytes (generated ones made now). */
export function loadCorpus(): CorpusEntry[] {
  return Object.entries(readIndex()).map(([name, expectation]) => {
    const generate = GENERATED[name];
    const bytes = generate !== undefined ? generate() : readFileSync(path.join(corpusDir, ...name.split('/')));
    return { ...expectation, name, kind: kindOf(name), bytes };
  });
}

/** Names of the generated inputs. */
export const generatedNames = Object.keys(GENERATED);
