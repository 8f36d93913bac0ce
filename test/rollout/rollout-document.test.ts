// The rollout document is read strictly: anything unexpected is ROLLOUT_MALFORMED (65).
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { parseRolloutDocument, serializeRolloutDocument } from '../../src/rollout/rollout-document.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parseRolloutDocument', () => {
  it("reads the issue's example", () => {
    const doc = parseRolloutDocument(bytes('{"version": "1.2.0.2", "percent": 10, "paused": false, "channels": {"pilot": 100}, "serial": 7}'), 'rollout.json');
    expect(doc).toEqual({ version: '1.2.0.2', percent: 10, paused: false, channels: { pilot: 100 }, serial: 7 });
  });

  it('defaults paused and channels, keeps a reason', () => {
    expect(parseRolloutDocument(bytes('{"version":"1.2.0.2","percent":12.5,"serial":0,"reason":"why"}'), 'r')).toEqual({
      version: '1.2.0.2',
      percent: 12.5,
      paused: false,
      channels: {},
      serial: 0,
      reason: 'why',
    });
  });

  it('round-trips through serializeRolloutDocument', () => {
    const doc = { version: '1.2.0.2', percent: 50, paused: true, channels: { pilot: 100 }, serial: 9, reason: 'failures>=5' };
    expect(parseRolloutDocument(serializeRolloutDocument(doc), 'r')).toEqual(doc);
  });

  it.each([
    ['not JSON', '{"version":'],
    ['an array', '[]'],
    ['null', 'null'],
    ['no version', '{"percent":10,"serial":1}'],
    ['an empty version', '{"version":"","percent":10,"serial":1}'],
    ['a version with a slash', '{"version":"../1","percent":10,"serial":1}'],
    ['percent as text', '{"version":"1.2.0.2","percent":"10","serial":1}'],
    ['percent over 100', '{"version":"1.2.0.2","percent":101,"serial":1}'],
    ['negative percent', '{"version":"1.2.0.2","percent":-1,"serial":1}'],
    ['no serial', '{"version":"1.2.0.2","percent":10}'],
    ['a fractional serial', '{"version":"1.2.0.2","percent":10,"serial":1.5}'],
    ['a negative serial', '{"version":"1.2.0.2","percent":10,"serial":-1}'],
    ['paused as text', '{"version":"1.2.0.2","percent":10,"serial":1,"paused":"no"}'],
    ['channels as a list', '{"version":"1.2.0.2","percent":10,"serial":1,"channels":["pilot"]}'],
    ['a channel share over 100', '{"version":"1.2.0.2","percent":10,"serial":1,"channels":{"pilot":200}}'],
    ['an unknown key', '{"version":"1.2.0.2","percent":10,"serial":1,"everyone":true}'],
  ])('refuses %s', (_name, text) => {
    let caught: unknown;
    try {
      parseRolloutDocument(bytes(text), 'http://server/registration-client/rollout.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FormatError);
    expect((caught as FormatError).code).toBe('ROLLOUT_MALFORMED');
    expect((caught as FormatError).exitCode).toBe(65);
    expect((caught as FormatError).message).toContain('http://server/registration-client/rollout.json');
  });

  it('refuses bytes that are not UTF-8 and bodies over 64 KiB', () => {
    expect(() => parseRolloutDocument(Buffer.from([0x7b, 0xff, 0x7d]), 'r')).toThrow(/UTF-8/);
    expect(() => parseRolloutDocument(Buffer.alloc(70_000, 0x20), 'r')).toThrow(/more than/);
  });
});
