// The one configured got instance every network service uses: timeouts, proxy, CA, no hidden retries.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import got, { type Got, type RequestFunction } from 'got';
import { HttpsProxyAgent } from 'hpagent';
import { ConfigError } from '../errors.js';
import type { RetryPolicy } from './retry-delay.js';

/** Network settings of the upgrader (MOSIP: mosip.registration.sw.file.download.*.timeout). */
export interface HttpOptions {
  /** Time allowed to open a connection (DNS, TCP, TLS), ms; 0 = no limit. */
  connectTimeoutMs: number;
  /** Longest silence allowed on an open connection (no byte received), ms; 0 = no limit. */
  readTimeoutMs: number;
  /** Retry policy our own retry loops use (got's internal retry is off). */
  retry: RetryPolicy;
  /** PEM file of an extra CA to trust (added to Node's built-in roots). */
  caFile?: string;
  /** User-Agent header; default `reg-client-upgrader`. */
  userAgent?: string;
  /** Where HTTP(S)_PROXY / NO_PROXY are read from; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Key under got's `context` where createHttpClient leaves its retry policy for fetchBytes. */
export const RETRY_POLICY_CONTEXT_KEY = 'regClientUpgraderRetry';

/** A got instance with our timeouts, proxy routing and CA; it never retries on its own. */
export function createHttpClient(options: HttpOptions): Got {
  const env = options.env ?? process.env;
  let ca: string[] | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = [...rootCertificates, readFileSync(options.caFile, 'utf8')];
    } catch (error) {
      throw new ConfigError('CONFIG_INVALID', `Cannot read the CA file ${options.caFile}: expected a readable PEM file`, {
        cause: error,
        details: { key: 'caFile', value: options.caFile },
      });
    }
  }
  // Fail at start-up, with the variable to fix, rather than on the first request.
  for (const key of ['http_proxy', 'https_proxy']) {
    const raw = readEnv(env, key);
    if (raw !== undefined) parseProxyUrl(raw, key);
  }
  // As in Java's URLConnection (MOSIP's keys), 0 means "no limit".
  const limit = (ms: number): number | undefined => (ms > 0 ? ms : undefined);
  const connect = limit(options.connectTimeoutMs);
  return got.extend({
    timeout: { lookup: connect, connect, secureConnect: connect, socket: limit(options.readTimeoutMs) },
    retry: { limit: 0 },
    // Byte ranges and hashes are about the stored bytes: ask for and keep them as they are.
    decompress: false,
    headers: { 'user-agent': options.userAgent ?? 'reg-client-upgrader' },
    https: ca === undefined ? {} : { certificateAuthority: ca },
    request: createProxyRequest(env),
    context: { [RETRY_POLICY_CONTEXT_KEY]: { ...options.retry } },
  });
}

/** The retry policy stored in a client made by createHttpClient; a client made elsewhere asked for none. */
export function retryPolicyOf(client: Got): RetryPolicy {
  const stored = client.defaults.options.context[RETRY_POLICY_CONTEXT_KEY];
  return isRetryPolicy(stored) ? stored : { retries: 0, baseDelayMs: 0, maxDelayMs: 0 };
}

function isRetryPolicy(value: unknown): value is RetryPolicy {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['retries'] === 'number' && typeof v['baseDelayMs'] === 'number' && typeof v['maxDelayMs'] === 'number';
}

/**
 * The proxy URL to use for `target`, or undefined for a direct connection: `http_proxy`/`HTTP_PROXY`
 * for http, `https_proxy`/`HTTPS_PROXY` for https (lower-case wins), unless `no_proxy`/`NO_PROXY`
 * names the host: `*`, exact hosts, domain suffixes (`example.org`, `.example.org`, `*.example.org`),
 * each optionally with `:port`. CIDR ranges are not supported.
 */
export function proxyForUrl(target: URL, env: Readonly<Record<string, string | undefined>>): URL | undefined {
  const key = target.protocol === 'https:' ? 'https_proxy' : target.protocol === 'http:' ? 'http_proxy' : undefined;
  const raw = key === undefined ? undefined : readEnv(env, key);
  if (raw === undefined || isExcluded(target, readEnv(env, 'no_proxy') ?? '')) return undefined;
  return parseProxyUrl(raw, key ?? 'http_proxy');
}

function readEnv(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  // The first non-empty of the two spellings, lower-case first (as Go's and curl's readers do).
  const value = [env[name.toLowerCase()], env[name.toUpperCase()]].find((v) => v !== undefined && v.trim() !== '');
  return value?.trim();
}

function parseProxyUrl(raw: string, key: string): URL {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below, with the key to fix
  }
  throw new ConfigError('CONFIG_INVALID', `The proxy setting ${key.toUpperCase()}="${raw}" is not usable: expected http://host:port`, {
    details: { key: key.toUpperCase() },
  });
}

function isExcluded(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port === '' ? (target.protocol === 'https:' ? '443' : '80') : target.port;
  for (const rawEntry of noProxy.split(/[\s,]+/)) {
    const entry = rawEntry.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    // [v6]:port, bare v6 (no port), or host:port
    const match = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry) ?? (entry.split(':').length > 2 ? [entry, entry] : /^([^:]*)(?::(\d+))?$/.exec(entry));
    const entryHost = (match?.[1] ?? entry).replace(/^\*?\./, '');
    const entryPort = match?.[2];
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === entryHost || host.endsWith(`.${entryHost}`)) return true;
  }
  return false;
}

/**
 * got's request function with proxy routing: http targets are sent to the proxy in absolute-URI
 * form (what a plain forward proxy expects — squid refuses CONNECT to port 80 by default), https
 * targets are tunnelled with CONNECT through hpagent. Direct targets fall back to got's default.
 */
function createProxyRequest(env: Readonly<Record<string, string | undefined>>): RequestFunction {
  const tunnels = new Map<string, HttpsProxyAgent>();
  return (url, options) => {
    const proxy = proxyForUrl(url, env);
    if (proxy === undefined) return undefined;
    if (url.protocol === 'https:') {
      let agent = tunnels.get(proxy.href);
      if (agent === undefined) {
        agent = new HttpsProxyAgent({ proxy, keepAlive: true });
        tunnels.set(proxy.href, agent);
      }
      return https.request(url, { ...options, agent });
    }
    // got always passes headers as an object; the array form of node:http never reaches here.
    const given = (Array.isArray(options.headers) ? {} : options.headers) as http.OutgoingHttpHeaders | undefined;
    const headers: http.OutgoingHttpHeaders = { ...given, host: url.host };
    if (proxy.username !== '' || proxy.password !== '') {
      const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
      headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    return (proxy.protocol === 'https:' ? https : http).request({
      ...options,
      protocol: proxy.protocol,
      hostname: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxy.port === '' ? (proxy.protocol === 'https:' ? 443 : 80) : Number(proxy.port),
      path: url.href,
      headers,
    });
  };
}
