import { describe, expect, it } from 'vitest';
import { parseRangeAnswer } from '../../../src/services/delta/byte-ranges.js';

const multipart = (boundary: string, parts: Array<[string, string]>, closing = true): Buffer =>
  Buffer.from(parts.map(([range, data]) => `\r\n--${boundary}\r\nContent-Type: application/java-archive\r\nContent-Range: ${range}\r\n\r\n${data}`).join('') + (closing ? `\r\n--${boundary}--\r\n` : ''));

describe('parseRangeAnswer', () => {
  it('reads one Content-Range answer', () => {
    expect(parseRangeAnswer('application/java-archive', 'bytes 2-4/10', Buffer.from('cde'), 10)).toEqual([{ start: 2, bytes: Buffer.from('cde') }]);
  });

  it('reads multipart/byteranges, quoted boundary too, and data holding the boundary text', () => {
    const body = multipart('XYZ', [['bytes 0-4/10', '--XYZ'], ['bytes 8-9/10', 'ij']]);
    for (const type of ['multipart/byteranges; boundary=XYZ', 'multipart/byteranges; boundary="XYZ"']) {
      expect(parseRangeAnswer(type, undefined, body, 10)).toEqual([
        { start: 0, bytes: Buffer.from('--XYZ') },
        { start: 8, bytes: Buffer.from('ij') },
      ]);
    }
  });

  it.each([
    ['a body longer than its Content-Range', () => parseRangeAnswer(undefined, 'bytes 0-1/10', Buffer.from('abc'), 10)],
    ['a range past the file', () => parseRangeAnswer(undefined, 'bytes 5-12/10', Buffer.alloc(8), 10)],
    ['a different file size', () => parseRangeAnswer(undefined, 'bytes 0-1/11', Buffer.alloc(2), 10)],
    ['no Content-Range', () => parseRangeAnswer(undefined, undefined, Buffer.alloc(2), 10)],
    ['a cut multipart body', () => parseRangeAnswer('multipart/byteranges; boundary=B', undefined, multipart('B', [['bytes 0-4/10', 'ab']], false), 10)],
    ['a multipart body without a closing boundary', () => parseRangeAnswer('multipart/byteranges; boundary=B', undefined, multipart('B', [['bytes 0-1/10', 'ab']], false), 10)],
  ])('refuses %s', (_name, parse) => {
    expect(parse).toThrow();
  });
});
