// What the HTTP client is configured with — the extra CA and the proxy variables — read and checked
// without loading got: a launch checks them up front (a bad one is a configuration error, 64) and
// loads the HTTP client only when it has a request to make.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/**
 * Reads the CA file (Node's built-in roots plus its PEM; undefined without one) and checks the proxy
 * variables of `env`; throws ConfigError CONFIG_INVALID naming the file or variable to fix.
 */
export function checkHttpSettings(options: { caFile?: string; env?: Readonly<Record<string, string | undefined>> }): string[] | undefined {
  const env = options.env ?? process.env;
  let ca: string[] | undefined;
  if (options.caFile !== undefined) {
    try {
      // node:tls only with a CA file: a launch that never connects over TLS need not load it.
      ca = [...process.getBuiltinModule('node:tls').rootCertificates, readFileSync(options.caFile, 'utf8')];
    } catch (error) {
      throw new ConfigError('CONFIG_INVALID', `Cannot read the CA file ${options.caFile}: expected a readable PEM file`, {
        cause: error,
        details: { key: 'caFile', value: options.caFile },
      });
    }
  }
  for (const key of ['http_proxy', 'https_proxy']) {
    const raw = readEnv(env, key);
    if (raw !== undefined) parseProxyUrl(raw, key);
  }
  return ca;
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

