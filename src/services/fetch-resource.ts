// Small resources read into memory (MANIFEST.MF, maven-metadata.xml, signatures), with our retries
// and a size cap so a wrong URL cannot fill memory.
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Got, PlainResponse } from 'got';
import { NetworkError, redactUrl } from '../errors.js';
import { retryPolicyOf } from './http-client.js';
import { isRetryable, retryDelay, type RetryPolicy } from './retry-delay.js';

/** Default cap of fetchBytes: far above any manifest, far below trouble. */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** Options of fetchBytes; the retry policy defaults to the one the client was created with. */
export interface FetchBytesOptions {
  signal?: AbortSignal;
  /** Larger bodies are refused (default 16 MiB). */
  maxBytes?: number;
  retry?: RetryPolicy;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What fetchBytes got: always a 2xx status. */
export interface FetchedBytes {
  status: number;
  body: Buffer;
  etag?: string;
}

/** GETs a small resource into memory; retries transient failures; non-2xx → NetworkError DOWNLOAD_FAILED {url, status}. */
export async function fetchBytes(client: Got, url: string, options: FetchBytesOptions = {}): Promise<FetchedBytes> {
  const policy = options.retry ?? retryPolicyOf(client);
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => delay(ms, undefined, { signal: options.signal }));
  for (let attempt = 1; ; attempt += 1) {
    options.signal?.throwIfAborted();
    try {
      return await fetchOnce(client, url, options.maxBytes ?? DEFAULT_MAX_BYTES, options.signal);
    } catch (error) {
      options.signal?.throwIfAborted();
      if (!isRetryable(error) || attempt > policy.retries) throw asNetworkError(url, error, attempt);
      await sleep(retryDelay(attempt, policy, random));
    }
  }
}

async function fetchOnce(client: Got, url: string, maxBytes: number, signal: AbortSignal | undefined): Promise<FetchedBytes> {
  const shown = redactUrl(url);
  const stream = client.stream(url, { throwHttpErrors: false, ...(signal && { signal }) });
  // An abort after the body was read (a sibling download failed) must not crash: the loop below sees earlier errors.
  stream.on('error', () => undefined);
  const [response] = (await once(stream, 'response')) as [PlainResponse];
  const status = response.statusCode;
  if (status < 200 || status > 299) {
    stream.destroy();
    throw new NetworkError('DOWNLOAD_FAILED', `GET ${shown} answered HTTP ${status}`, { details: { url: shown, status } });
  }
  const tooLarge = (): NetworkError =>
    new NetworkError('DOWNLOAD_FAILED', `${shown} is larger than ${maxBytes} bytes: not a resource the upgrader expects`, {
      details: { url: shown, maxBytes },
    });
  if (Number(response.headers['content-length'] ?? 0) > maxBytes) {
    stream.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > maxBytes) {
      stream.destroy();
      throw tooLarge();
    }
    chunks.push(bytes);
  }
  const etag = response.headers.etag;
  return { status, body: Buffer.concat(chunks, size), ...(etag !== undefined && { etag }) };
}

// Our own errors pass through (they carry the status); transport failures get the URL and attempts.
function asNetworkError(url: string, error: unknown, attempts: number): NetworkError {
  if (error instanceof NetworkError) return error;
  const shown = redactUrl(url);
  const message = error instanceof Error ? error.message : String(error);
  return new NetworkError('DOWNLOAD_FAILED', `Could not fetch ${shown} after ${attempts} attempt(s): ${message}`, {
    cause: error,
    details: { url: shown, attempts },
  });
}
