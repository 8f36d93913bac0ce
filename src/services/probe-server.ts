// Is the upgrade server reachable? Online means any HTTP answer at all (DESIGN §8); a refused
// connection, a DNS failure or a timeout means offline. A TLS certificate the station does not
// trust is an answer too: the server (or a man in the middle) is there, so the cycle goes on and
// fails loudly on the manifest (exit 20) instead of quietly passing for offline.
import { once } from 'node:events';
import net from 'node:net';
import type { Got } from 'got';
import { redactUrl } from '../errors.js';
import type { ProbeOutput } from '../machines/station-services.js';
import { proxyForUrl } from './http-settings.js';

/**
 * Probes `url` once with a short timeout; never throws for network failures. A server that refuses
 * or cannot be resolved or reached is found by a bare TCP connection first, so that an offline launch
 * never loads the HTTP client (`client` is called only when a connection opens, or through a proxy).
 * Without a proxy the probe itself is one GET with Node's own client, while `client` loads.
 */
export async function probeServer(
  client: () => Promise<Got>,
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ProbeOutput> {
  const target = new URL(url);
  if (proxyForUrl(target, env) !== undefined) return probeHttp(await client(), url, timeoutMs, signal);
  const code = await connectFailure(target, timeoutMs, signal);
  if (code !== undefined) return { online: false, reason: `${redactUrl(url)}: ${code}` };
  // The server is there: load the HTTP client (~0.1 s of CPU) while Node's own request waits for the answer.
  void client().catch(() => undefined); // a bad setting surfaces at the first real request, with its own error
  return probeDirect(target, timeoutMs, signal);
}

// One GET with Node's own client (already loaded), for a server reached without a proxy.
async function probeDirect(target: URL, timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutput> {
  const { request } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve) => {
    const finish = (result: ProbeOutput): void => {
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const failed = (code: string): void => finish(isCertificateError(code) ? { online: true } : { online: false, reason: `${redactUrl(target.href)}: ${code}` });
    const req = request(target, { headers: { 'user-agent': 'reg-client-upgrader' }, agent: false, ...(signal && { signal }) });
    const timer = setTimeout(() => failed('ETIMEDOUT'), timeoutMs);
    req.once('response', () => finish({ online: true })); // the status line is the answer, as in probeHttp
    req.once('error', (error: NodeJS.ErrnoException) => failed(error.code ?? error.name));
    req.end();
  });
}

/** The HTTP half: any status line is an answer. */
async function probeHttp(client: Got, url: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutput> {
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

/** Why a TCP connection to the URL's host and port cannot be opened (ECONNREFUSED, ENOTFOUND, ETIMEDOUT…), or undefined when it opens. */
function connectFailure(target: URL, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
  const port = target.port === '' ? (target.protocol === 'https:' ? 443 : 80) : Number(target.port);
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.hostname.replace(/^\[|\]$/g, ''), port });
    const finish = (code: string | undefined): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(code);
    };
    const onAbort = (): void => finish('ABORT_ERR');
    const timer = setTimeout(() => finish('ETIMEDOUT'), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.name));
  });
}
