// Reading a 206 answer (RFC 9110 §14.6): one `Content-Range`, or `multipart/byteranges` with one
// part per range. Pure: the executor hands it the whole body of one request.

/** Bytes of the remote file received, starting at `start`. */
export interface ReceivedRange {
  start: number;
  bytes: Buffer;
}

/** Ranges carried by a 206 body for a file of `size` bytes; throws when the answer is not a valid one. */
export function parseRangeAnswer(contentType: string | undefined, contentRange: string | undefined, body: Buffer, size: number): ReceivedRange[] {
  const boundary = /^multipart\/byteranges\s*;.*?boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  if (boundary === null) {
    const { start, end } = parseContentRange(contentRange, size);
    if (body.length !== end - start + 1) throw new Error(`206 body is ${body.length} bytes, Content-Range says ${end - start + 1}`);
    return [{ start, bytes: body }];
  }
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2] ?? ''}`);
  const received: ReceivedRange[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error('multipart/byteranges body has no boundary');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return received;
    const headersEnd = body.indexOf('\r\n\r\n', at);
    if (headersEnd < 0) throw new Error('multipart/byteranges part has no end of headers');
    const headers = body.toString('latin1', at, headersEnd);
    const range = /^content-range\s*:\s*(.+)$/im.exec(headers)?.[1]?.trim();
    const { start, end } = parseContentRange(range, size);
    const dataStart = headersEnd + 4;
    const dataEnd = dataStart + end - start + 1;
    if (dataEnd > body.length) throw new Error('multipart/byteranges part is cut short');
    received.push({ start, bytes: body.subarray(dataStart, dataEnd) });
    at = body.indexOf(delimiter, dataEnd);
    if (at < 0) throw new Error('multipart/byteranges body has no closing boundary');
  }
}

// `bytes a-b/size`, checked against the file's size.
function parseContentRange(value: string | undefined, size: number): { start: number; end: number } {
  const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value?.trim() ?? '');
  if (match === null) throw new Error(`bad Content-Range ${JSON.stringify(value ?? null)}`);
  const [start, end] = [Number(match[1]), Number(match[2])];
  if (end < start || end >= size || (match[3] !== '*' && Number(match[3]) !== size)) {
    throw new Error(`Content-Range ${value ?? ''} does not fit a file of ${size} bytes`);
  }
  return { start, end };
}
