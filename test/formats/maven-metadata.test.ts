import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import {
  formatLastUpdated,
  parseMavenMetadata,
  serializeMavenMetadata,
  withVersionFirst,
  type MavenMetadata,
} from '../../src/formats/maven-metadata.js';
import { fixturesDir } from './java-tool.js';

const mosip = readFileSync(path.join(fixturesDir, 'mosip/maven-metadata.xml'), 'utf8');

const doc = (versions: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<metadata><versioning><versions>${versions}</versions></versioning></metadata>`;

function formatErrorOf(run: () => unknown): FormatError {
  try {
    run();
  } catch (error) {
    if (error instanceof FormatError) return error;
    throw error;
  }
  throw new Error('expected a FormatError');
}

describe('parseMavenMetadata', () => {
  it('reads MOSIP’s sample', () => {
    expect(parseMavenMetadata(mosip)).toEqual({
      groupId: 'io.mosip.registration',
      artifactId: 'registration-services',
      versions: ['1.2.0.1'],
      latest: '1.2.0.1',
      lastUpdated: '20200729125958',
    });
  });

  it.each<[string, string, Partial<MavenMetadata>]>([
    ['one version', doc('<version>1.2.0.1</version>'), { versions: ['1.2.0.1'], latest: '1.2.0.1' }],
    [
      'many versions, the first one latest whatever the numbers say',
      doc('<version>1.2.0.2</version><version>1.10.0</version><version>1.1.5.5</version>'),
      { versions: ['1.2.0.2', '1.10.0', '1.1.5.5'], latest: '1.2.0.2' },
    ],
    ['versions kept as text (1.10 is not 1.1)', doc('<version>1.10</version><version>2</version>'), { versions: ['1.10', '2'], latest: '1.10' }],
    [
      'Maven’s <latest> and <release> ignored',
      '<metadata><versioning><latest>9.9</latest><release>9.9</release><versions><version>1.2.0.1</version><version>9.9</version></versions></versioning></metadata>',
      { latest: '1.2.0.1' },
    ],
    ['whitespace, comments and attributes', `<metadata modelVersion="1.1">\n  <!-- c -->\n  <versioning>\n    <versions>\n      <version>\n        1.2.0.2-SNAPSHOT\n      </version>\n    </versions>\n  </versioning>\n</metadata>\n`, { latest: '1.2.0.2-SNAPSHOT' }],
  ])('reads %s', (_, xml, expected) => {
    expect(parseMavenMetadata(xml)).toMatchObject(expected);
  });

  it.each([
    ['a DOCTYPE', `<?xml version="1.0"?>\n<!DOCTYPE metadata [<!ENTITY x "1.2">]>\n${doc('<version>&x;</version>').replace(/^<\?xml[^>]*>\n/, '')}`],
    ['an external entity (XXE)', `<!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><metadata><versioning><versions><version>&xxe;</version></versions></versioning></metadata>`],
    ['a lowercase doctype', `<!doctype metadata>${doc('<version>1</version>')}`],
    ['an ENTITY outside a DOCTYPE', `${doc('<version>1</version>')}<!ENTITY y "z">`],
  ])('refuses %s before parsing (METADATA_DOCTYPE)', (_, xml) => {
    const error = formatErrorOf(() => parseMavenMetadata(xml, 'https://u:p@host/registration-client/maven-metadata.xml'));
    expect(error.code).toBe('METADATA_DOCTYPE');
    expect(error.details.source).toBe('https://host/registration-client/maven-metadata.xml');
  });

  it.each([
    ['an empty document', ''],
    ['not XML', 'HTTP 404 not found'],
    ['an HTML error page', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    ['unclosed tags', '<metadata><versioning><versions><version>1.2</version></versions>'],
    ['no versioning', '<metadata><groupId>g</groupId></metadata>'],
    ['no versions', '<metadata><versioning><lastUpdated>20200729125958</lastUpdated></versioning></metadata>'],
    ['an empty versions element', doc('')],
    ['an empty version', doc('<version></version>')],
    ['a version that escapes the server folder', doc('<version>../../etc</version>')],
    ['a version with a slash', doc('<version>1.2/3</version>')],
    ['a version with child elements', doc('<version><a>1</a></version>')],
  ])('refuses %s (METADATA_MALFORMED)', (_, xml) => {
    expect(formatErrorOf(() => parseMavenMetadata(xml)).code).toBe('METADATA_MALFORMED');
  });
});

describe('serializeMavenMetadata', () => {
  it.each<[string, MavenMetadata]>([
    ['MOSIP’s sample', parseMavenMetadata(mosip)],
    ['many versions', { versions: ['1.2.0.2', '1.2.0.1', '1.1.5.5'], latest: '1.2.0.2', lastUpdated: '20240612101500' }],
    ['no ids', { versions: ['1'], latest: '1' }],
    ['ids that need escaping', { groupId: 'a&b<c>', artifactId: 'x', versions: ['1'], latest: '1' }],
  ])('round-trips %s', (_, meta) => {
    expect(parseMavenMetadata(serializeMavenMetadata(meta))).toEqual(meta);
  });

  it('writes MOSIP’s shape', () => {
    expect(serializeMavenMetadata(parseMavenMetadata(mosip))).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<metadata>',
        '  <groupId>io.mosip.registration</groupId>',
        '  <artifactId>registration-services</artifactId>',
        '  <versioning>',
        '    <versions>',
        '      <version>1.2.0.1</version>',
        '    </versions>',
        '    <lastUpdated>20200729125958</lastUpdated>',
        '  </versioning>',
        '</metadata>',
        '',
      ].join('\n'),
    );
  });

  it('writes latest first even if the list had it elsewhere', () => {
    const xml = serializeMavenMetadata({ versions: ['1.1', '1.3', '1.2'], latest: '1.3' });
    expect(parseMavenMetadata(xml).versions).toEqual(['1.3', '1.1', '1.2']);
  });
});

describe('withVersionFirst', () => {
  const now = new Date(Date.UTC(2024, 5, 2, 3, 4, 5, 678));

  it.each<[string, MavenMetadata | undefined, string, string[]]>([
    ['a first publish', undefined, '1.2.0.1', ['1.2.0.1']],
    ['a newer version', { versions: ['1.2.0.1', '1.1.5.5'], latest: '1.2.0.1' }, '1.2.0.2', ['1.2.0.2', '1.2.0.1', '1.1.5.5']],
    ['a re-publish (hotfix) of a listed version', { versions: ['1.2.0.2', '1.2.0.1'], latest: '1.2.0.2' }, '1.2.0.1', ['1.2.0.1', '1.2.0.2']],
    ['duplicates in the old list', { versions: ['1.1', '1.1', '1.0'], latest: '1.1' }, '1.2', ['1.2', '1.1', '1.0']],
  ])('puts the version first after %s', (_, meta, version, versions) => {
    const result = withVersionFirst(meta, version, now);
    expect(result.versions).toEqual(versions);
    expect(result.latest).toBe(version);
    expect(result.lastUpdated).toBe('20240602030405');
  });

  it('keeps the old ids unless new ones are given', () => {
    const meta: MavenMetadata = { groupId: 'g', artifactId: 'a', versions: ['1'], latest: '1' };
    expect(withVersionFirst(meta, '2', now)).toMatchObject({ groupId: 'g', artifactId: 'a' });
    expect(withVersionFirst(meta, '2', now, { groupId: 'io.mosip', artifactId: 'registration-client' })).toMatchObject({
      groupId: 'io.mosip',
      artifactId: 'registration-client',
    });
    expect(withVersionFirst(undefined, '2', now)).not.toHaveProperty('groupId');
  });

  it('refuses a version that is not plain (INVALID_VERSION)', () => {
    expect(formatErrorOf(() => withVersionFirst(undefined, '../2', now)).code).toBe('INVALID_VERSION');
  });

  it('formats lastUpdated in UTC as yyyyMMddHHmmss', () => {
    expect(formatLastUpdated(new Date('2023-05-30T13:00:27.238Z'))).toBe('20230530130027');
    expect(formatLastUpdated(new Date('1999-12-31T23:59:59.999-01:00'))).toBe('20000101005959');
  });
});
