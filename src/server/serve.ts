// A small static file server for demos and tests (DESIGN §9): what nginx does in production —
// byte ranges (several per request as multipart/byteranges), strong ETags, conditional requests —
// with nothing served from outside the root.
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, type BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { contentTypeFor } from './content-type.js';
import { decideRange, noneMatchHits, notModifiedSince, type Validators } from './http-range.js';
import { resolveRequestPath } from './resolve-request-path.js';

/** Options of startStaticServer. */
export interface StaticServerOptions {
  /** Folder to serve (usually the `--out` root of `publish`). */
  root: string;
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Receives one access-log line per answered request. */
  log?: (line: string) => void;
}

/** A running static server. */
export interface StaticServer {
  /** Base URL, `http://host:port/`. */
  url: string;
  port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

// Every answer is `Cache-Control: no-cache`: re-publishing a version (a hotfix) rewrites files
// under the same URL, so nothing here is immutable. With strong ETags a revalidation costs one
// 304, and a client or cache can never pair a new MANIFEST.MF with a stale jar.
const CACHE_CONTROL = 'no-cache';

/** Serves `root` over HTTP (GET and HEAD only) until close() is called. */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const root = await fs.realpath(options.root);
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((): void => undefined);
  const server = http.createServer((req, res) => {
    handle(root, req, res).then(
      () => log(`${req.method ?? '?'} ${req.url ?? ''} ${res.statusCode}`),
      (error: unknown) => {
        log(`${req.method ?? '?'} ${req.url ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Length': 0 }).end();
        } else {
          res.destroy();
        }
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(root: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 }).end();
    return;
  }
  const resolved = await resolveRequestPath(root, req.url ?? '/');
  if (!resolved.ok) {
    res.writeHead(resolved.status, { 'Content-Length': 0 }).end();
    return;
  }
  // Open first and fstat the handle: headers and bytes then describe the same file even if a
  // publish swaps the release directory while we answer.
  let handleFile: fs.FileHandle;
  try {
    handleFile = await fs.open(resolved.file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch {
    res.writeHead(404, { 'Content-Length': 0 }).end();
    return;
  }
  try {
    const stats = await handleFile.stat({ bigint: true });
    if (!stats.isFile()) {
      res.writeHead(404, { 'Content-Length': 0 }).end();
      return;
    }
    await answerFile(req, res, handleFile, stats, resolved.file);
  } finally {
    await handleFile.close().catch(() => undefined);
  }
}

async function answerFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  file: fs.FileHandle,
  stats: BigIntStats,
  filePath: string,
): Promise<void> {
  const size = Number(stats.size);
  const validators: Validators = { etag: etagOf(stats), lastModified: new Date(Number(stats.mtimeMs)) };
  const headers: http.OutgoingHttpHeaders = {
    ETag: validators.etag,
    'Last-Modified': validators.lastModified.toUTCString(),
    'Cache-Control': CACHE_CONTROL,
    'Accept-Ranges': 'bytes',
    'Content-Type': contentTypeFor(filePath),
    'X-Content-Type-Options': 'nosniff',
  };
  const ifNoneMatch = req.headers['if-none-match'];
  const ifModifiedSince = req.headers['if-modified-since'];
  const notModified =
    ifNoneMatch !== undefined
      ? noneMatchHits(ifNoneMatch, validators.etag)
      : ifModifiedSince !== undefined && notModifiedSince(ifModifiedSince, validators.lastModified);
  if (notModified) {
    res.writeHead(304, headers).end();
    return;
  }
  const ifRange = req.headers['if-range'];
  const decision = decideRange(req.headers.range, Array.isArray(ifRange) ? ifRange[0] : ifRange, size, validators);
  if (decision.kind === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 }).end();
    return;
  }
  if (decision.kind === 'multipart') {
    await answerMultipart(req, res, file, headers, decision.ranges, size);
    return;
  }
  const [start, end] = decision.kind === 'partial' ? [decision.start, decision.end] : [0, size - 1];
  if (decision.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  headers['Content-Length'] = end - start + 1;
  res.writeHead(decision.kind === 'partial' ? 206 : 200, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  // autoClose false: the handle belongs to handle(), which closes it after the pipeline.
  const body = file.createReadStream({ start, end, autoClose: false });
  await pipeline(body, res);
}

// Several ranges in one answer (RFC 9110 §14.6), as nginx sends them: what differential downloads ask for.
async function answerMultipart(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  file: fs.FileHandle,
  headers: http.OutgoingHttpHeaders,
  ranges: ReadonlyArray<{ start: number; end: number }>,
  size: number,
): Promise<void> {
  const boundary = randomBytes(12).toString('hex');
  const partHeader = (range: { start: number; end: number }): string =>
    `\r\n--${boundary}\r\nContent-Type: ${String(headers['Content-Type'])}\r\nContent-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`;
  const closing = `\r\n--${boundary}--\r\n`;
  const length = ranges.reduce((sum, range) => sum + Buffer.byteLength(partHeader(range)) + range.end - range.start + 1, Buffer.byteLength(closing));
  res.writeHead(206, { ...headers, 'Content-Type': `multipart/byteranges; boundary=${boundary}`, 'Content-Length': length });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // Positional reads: one read stream per range would pile a close listener per range on the handle.
  async function* body(): AsyncGenerator<Buffer> {
    for (const range of ranges) {
      yield Buffer.from(partHeader(range));
      for (let at = range.start; at <= range.end; ) {
        const piece = Buffer.alloc(Math.min(64 * 1024, range.end - at + 1));
        const { bytesRead } = await file.read(piece, 0, piece.length, at);
        if (bytesRead === 0) throw new Error('file shrank while it was served');
        at += bytesRead;
        yield piece.subarray(0, bytesRead);
      }
    }
    yield Buffer.from(closing);
  }
  await pipeline(body, res);
}

/**
 * A strong ETag that changes whenever the content may have: size, inode, and nanosecond mtime
 * and ctime, hashed — unlike nginx's `"<mtime s>-<size>"`, a same-second hotfix of equal size
 * still gets a new tag.
 */
function etagOf(stats: BigIntStats): string {
  const facts = [stats.size, stats.ino, stats.dev, stats.mtimeNs, stats.ctimeNs].join(':');
  return `"${createHash('sha256').update(facts).digest('hex').slice(0, 32)}"`;
}
