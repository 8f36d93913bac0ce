// A controllable node:http file server for tests: serves path→Buffer with strong ETag,
// Last-Modified, Range/206/416 and If-Range, plus knobs that make it fail the way real links do.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Misbehaviours of one path (or of every path, under the key '*'). */
export interface RouteKnobs {
  /** Always answer with this status and an empty body (404, 403, …). */
  status?: number;
  /** Answer the first N requests of the path with `failStatus` (default 500). */
  failFirst?: number;
  failStatus?: number;
  /** Close the connection after sending this many body bytes, on the first `resetTimes` requests (default 1). */
  resetAfterBytes?: number;
  resetTimes?: number;
  /**
   * How the body is cut at `resetAfterBytes`: 'close' (default) closes the socket (FIN), 'rst' aborts it
   * (TCP RST), 'hang' stops sending but keeps the socket open, so the client waits on a body that is
   * shorter than its Content-Length until its read timeout fires.
   */
  resetMode?: 'close' | 'rst' | 'hang';
  /** Answer 200 with the whole body even when a Range is asked for. */
  ignoreRange?: boolean;
  /** Honour Range even when If-Range no longer matches (a broken cache or server). */
  ignoreIfRange?: boolean;
  /** Stop sending for `stallMs` after `stallAfterBytes` body bytes (default 0), on the first `stallTimes` requests (default 1). */
  stallMs?: number;
  stallAfterBytes?: number;
  stallTimes?: number;
  /** Send the body slowly: `bytes` at a time, every `everyMs`. */
  trickle?: { bytes: number; everyMs: number };
  /** Wait this long before answering each request. */
  latencyMs?: number;
  /** Send other bytes than the stored body (same length, same validators). */
  corrupt?: boolean;
  /** ETag kind, default 'strong'. */
  etag?: 'strong' | 'weak' | 'none';
  /** Send Last-Modified (default true). */
  lastModified?: boolean;
  /** Leave out Content-Length (the body goes chunked, its size unknown until the end). */
  chunked?: boolean;
  /** Send the body followed by zero bytes up to this many bytes (an oversized or, with `chunked`, endless-looking answer). */
  padTo?: number;
}

/** What the server saw and did for one request. */
export interface RequestRecord {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  status: number;
  bytesSent: number;
}

/** A running test server; all counters are live. */
export interface TestServer {
  /** Base URL, ending with '/'. */
  readonly url: string;
  readonly requests: readonly RequestRecord[];
  /** Body bytes sent over all requests. */
  readonly bytesSent: number;
  /** Highest number of requests being answered at the same time. */
  readonly maxInFlight: number;
  /** Add or replace a file; new content gets a new ETag and a later Last-Modified. */
  setFile(path: string, body: Buffer): void;
  removeFile(path: string): void;
  /** Replace the knobs of a path ('*' = every path) and restart its counters. */
  setKnobs(path: string, knobs: RouteKnobs): void;
  /** Strong ETag currently served for a path. */
  etagOf(path: string): string | undefined;
  requestsFor(path: string): RequestRecord[];
  /** Forget requests, bytes and in-flight maximum. */
  resetCounters(): void;
  close(): Promise<void>;
}

interface StoredFile {
  body: Buffer;
  etag: string;
  lastModified: string;
}

const CHUNK = 16 * 1024;

/** Starts a test server on 127.0.0.1 with a random port; with `tls` it speaks HTTPS. */
export async function startTestServer(
  files: Record<string, Buffer> = {},
  knobs: Record<string, RouteKnobs> = {},
  options: { tls?: { key: string | Buffer; cert: string | Buffer } } = {},
): Promise<TestServer> {
  const stored = new Map<string, StoredFile>();
  const routeKnobs = new Map<string, RouteKnobs>();
  const counters = new Map<string, { requests: number; resets: number; stalls: number }>();
  const requests: RequestRecord[] = [];
  let version = 0;
  let bytesSent = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const norm = (path: string): string => (path.startsWith('/') ? path : `/${path}`);
  const setFile = (path: string, body: Buffer): void => {
    version += 1;
    const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
    // Every version is one second later, so Last-Modified always changes with the content.
    const lastModified = new Date(Date.UTC(2024, 0, 1) + version * 1000).toUTCString();
    stored.set(norm(path), { body, etag: `"${digest}"`, lastModified });
  };
  for (const [path, body] of Object.entries(files)) setFile(path, body);
  for (const [path, k] of Object.entries(knobs)) routeKnobs.set(path === '*' ? '*' : norm(path), k);

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.once('close', () => (inFlight -= 1));
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const record: RequestRecord = { method: req.method ?? 'GET', path, headers: req.headers, status: 0, bytesSent: 0 };
    requests.push(record);
    void answer(req, res, path, record).catch(() => res.destroy());
  };
  const server = options.tls === undefined ? http.createServer(handle) : https.createServer(options.tls, handle);

  async function answer(req: http.IncomingMessage, res: http.ServerResponse, path: string, record: RequestRecord): Promise<void> {
    const k = { ...routeKnobs.get('*'), ...routeKnobs.get(path) };
    const count = counters.get(path) ?? { requests: 0, resets: 0, stalls: 0 };
    counters.set(path, count);
    count.requests += 1;
    if (k.latencyMs !== undefined) await sleep(k.latencyMs);
    const file = stored.get(path);
    const fixed = k.status ?? (count.requests <= (k.failFirst ?? 0) ? (k.failStatus ?? 500) : undefined);
    if (fixed !== undefined || file === undefined) {
      record.status = fixed ?? 404;
      res.writeHead(record.status, { 'content-length': 0 }).end();
      return;
    }
    const headers: http.OutgoingHttpHeaders = { 'accept-ranges': 'bytes' };
    const etagKind = k.etag ?? 'strong';
    if (etagKind !== 'none') headers['etag'] = etagKind === 'weak' ? `W/${file.etag}` : file.etag;
    if (k.lastModified !== false) headers['last-modified'] = file.lastModified;
    const size = file.body.length;
    let start = 0;
    let end = size - 1;
    record.status = 200;
    const range = parseRange(req.headers.range, size);
    const ifRange = req.headers['if-range'];
    const validatorOk =
      k.ignoreIfRange === true || ifRange === undefined || ifRange === file.etag || ifRange === headers['last-modified'];
    if (range !== undefined && !k.ignoreRange && validatorOk) {
      if (range === 'unsatisfiable') {
        record.status = 416;
        res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 }).end();
        return;
      }
      [start, end] = range;
      record.status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    const padding = k.padTo === undefined ? 0 : Math.max(0, k.padTo - (end - start + 1));
    if (k.chunked !== true) headers['content-length'] = end - start + 1 + padding;
    res.writeHead(record.status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    let body = file.body.subarray(start, end + 1);
    if (k.corrupt === true) body = Buffer.from(body.map((byte) => byte ^ 0x5a));
    if (padding > 0) body = Buffer.concat([body, Buffer.alloc(padding)]);
    const resetAt = k.resetAfterBytes !== undefined && count.resets < (k.resetTimes ?? 1) ? k.resetAfterBytes : undefined;
    if (resetAt !== undefined) count.resets += 1;
    let stallAt = k.stallMs !== undefined && count.stalls < (k.stallTimes ?? 1) ? (k.stallAfterBytes ?? 0) : undefined;
    if (stallAt !== undefined) count.stalls += 1;
    const step = k.trickle?.bytes ?? CHUNK;
    let sent = 0;
    while (sent < body.length && !res.destroyed) {
      if (stallAt !== undefined && sent >= stallAt) {
        stallAt = undefined;
        await sleep(k.stallMs ?? 0);
        if (res.destroyed) return;
      }
      let chunk = body.subarray(sent, Math.min(body.length, sent + step, stallAt ?? Infinity));
      if (resetAt !== undefined && sent + chunk.length >= resetAt) {
        chunk = chunk.subarray(0, resetAt - sent);
        sent += chunk.length;
        record.bytesSent += chunk.length;
        bytesSent += chunk.length;
        // Cut only once the bytes reached the kernel, so the client really gets them.
        const mode = k.resetMode ?? 'close';
        res.write(chunk, () => {
          if (mode === 'rst') res.socket?.resetAndDestroy();
          else if (mode === 'close') res.socket?.destroy();
        });
        return;
      }
      sent += chunk.length;
      record.bytesSent += chunk.length;
      bytesSent += chunk.length;
      if (!res.write(chunk)) await drained(res);
      if (k.trickle !== undefined) await sleep(k.trickle.everyMs);
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}/`,
    requests,
    get bytesSent() {
      return bytesSent;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    setFile,
    removeFile: (path) => void stored.delete(norm(path)),
    setKnobs(path, newKnobs) {
      const key = path === '*' ? '*' : norm(path);
      routeKnobs.set(key, newKnobs);
      if (key === '*') counters.clear();
      else counters.delete(key);
    },
    etagOf: (path) => stored.get(norm(path))?.etag,
    requestsFor: (path) => requests.filter((r) => r.path === norm(path)),
    resetCounters() {
      requests.length = 0;
      bytesSent = 0;
      maxInFlight = inFlight;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Resolves on 'drain' or 'close', whichever comes first, leaving no listener behind.
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else (multi-range, junk) is ignored.
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, a = '', b = ''] = match;
  if (a === '' && b === '') return undefined;
  if (a === '') return Number(b) === 0 ? 'unsatisfiable' : [Math.max(0, size - Number(b)), size - 1];
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  return start >= size || end < start ? 'unsatisfiable' : [start, end];
}

/** A forward proxy: absolute-URI requests are relayed, CONNECT is tunnelled; both are counted. */
export interface TestProxy {
  readonly url: string;
  /** Absolute URIs of relayed requests, and `CONNECT host:port` of tunnels. */
  readonly seen: readonly string[];
  close(): Promise<void>;
}

/** Starts a tiny forward proxy on 127.0.0.1 (no auth, no caching). */
export async function startForwardProxy(): Promise<TestProxy> {
  const seen: string[] = [];
  const tunnels = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      { hostname: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.once('error', () => res.destroy());
    res.once('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url ?? ''}`);
    const [host = '', port = '443'] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    for (const s of [socket, upstream]) {
      tunnels.add(s);
      s.once('close', () => tunnels.delete(s));
    }
    upstream.once('error', () => socket.destroy());
    socket.once('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async close() {
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
