// One Range request of a differential download: its ranges asked for together, the 206 answer read
// into memory (capped) and split into the ranges it carries.
import { once } from 'node:events';
import type { Got, PlainResponse } from 'got';
import { NetworkError, redactUrl } from '../../errors.js';
import { parseRangeAnswer, type ReceivedRange } from './byte-ranges.js';
import type { ByteRange } from './plan-delta.js';

/** The server answered 200 (the whole file) to a Range request: it does not serve these ranges. */
export class RangesRefused extends Error {
  constructor(readonly multiple: boolean) {
    super(multiple ? 'the server does not answer several ranges in one request' : 'the server does not answer Range requests');
  }
}

/** GETs `ranges` of the file at `url` (`size` bytes); `onBytes` counts body bytes as they arrive. */
export async function fetchRanges(
  client: Got,
  url: string,
  ranges: readonly ByteRange[],
  size: number,
  onBytes: (count: number) => void,
  signal?: AbortSignal,
): Promise<ReceivedRange[]> {
  const header = `bytes=${ranges.map((range) => `${range.start}-${range.end - 1}`).join(',')}`;
  // identity: a compressed answer could not be cut into ranges.
  const stream = client.stream(url, { headers: { range: header, 'accept-encoding': 'identity' }, decompress: false, throwHttpErrors: false, ...(signal && { signal }) });
  stream.on('error', () => undefined); // seen by the iteration below
  const [response] = (await once(stream, 'response')) as [PlainResponse];
  if (response.statusCode === 200) {
    stream.destroy();
    throw new RangesRefused(ranges.length > 1);
  }
  if (response.statusCode !== 206) {
    stream.destroy();
    const shown = redactUrl(url);
    throw new NetworkError('DOWNLOAD_FAILED', `GET ${shown} (${ranges.length} range(s)) answered HTTP ${response.statusCode}`, { details: { url: shown, status: response.statusCode } });
  }
  // Room for the part headers of a multipart answer, and no more: a wrong server cannot fill memory.
  const cap = ranges.reduce((sum, range) => sum + range.end - range.start, 0) + 512 * ranges.length + 1024;
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    length += bytes.length;
    onBytes(bytes.length);
    if (length > cap) {
      stream.destroy();
      throw new Error(`answer to ${header} is larger than the ranges asked for`);
    }
    chunks.push(bytes);
  }
  const contentType = response.headers['content-type'];
  return parseRangeAnswer(contentType, response.headers['content-range'], Buffer.concat(chunks, length), size);
}
