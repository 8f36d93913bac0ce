// Is the upgrade server reachable? Online means any HTTP answer at all (DESIGN §8); a refused
// connection, a DNS failure or a timeout means offline. A TLS certificate the station does not
// trust is an answer too: the server (or a man in the middle) is there, so the cycle goes on and
// fails loudly on the manifest (exit 20) instead of quietly passing for offline.
import { once } from 'node:events';
import type { Got } from 'got';
import { redactUrl } from '../errors.js';
import type { ProbeOutput } from '../machines/station-services.js';

/** Probes `url` once with a short timeout; never throws for network failures. */
export async function probeServer(client: Got, url: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutput> {
  // The status line is the answer: the body is not waited for, so a slow or stalled body (a
  // throttled link, a big file as health URL) does not pass for offline.
  const stream = client.stream(url, {
    throwHttpErrors: false,
    timeout: { request: timeoutMs },
    retry: { limit: 0 },
    followRedirect: false,
    signal,
  });
  stream.on('error', () => undefined); // reported through once() below; nothing may go unhandled after it
  try {
    await once(stream, 'response');
    return { online: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.name : String(error));
    if (isCertificateError(code)) return { online: true };
    return { online: false, reason: `${redactUrl(url)}: ${code}` };
  } finally {
    stream.destroy();
  }
}

/** Node's and OpenSSL's codes for a certificate that does not verify (untrusted, expired, wrong name). */
function isCertificateError(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT/.test(code);
}
