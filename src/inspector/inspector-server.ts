// The inspector's HTTP server, on 127.0.0.1 unless told otherwise: the page, the session as JSON,
// and — for a live run — new entries as Server-Sent Events. Everything the page loads comes from here (DESIGN §11).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { FeedMessage, InspectorSession, LiveFeed } from './inspector-session.js';

/** Options of startInspectorServer. */
export interface InspectorServerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on; default 127.0.0.1 (the page shows station data: never expose it). */
  host?: string;
  /** The page's HTML. */
  html: string;
  /** Called for each `/api/session` request (a replay re-reads the station each time). */
  loadSession: () => Promise<InspectorSession>;
  /** The live run's feed; without it `/api/events` answers 404. */
  feed?: LiveFeed;
}

/** A running inspector server. */
export interface InspectorServer {
  /** `http://127.0.0.1:<port>/` (or the host it listens on; 127.0.0.1 for 0.0.0.0 and ::) */
  readonly url: string;
  readonly port: number;
  /** Ends open event streams and stops listening. */
  close(): Promise<void>;
}

// Nothing but this server may be reached from the page: the browser enforces it.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(type.startsWith('text/html') ? { 'content-security-policy': CONTENT_SECURITY_POLICY } : {}),
  });
  response.end(body);
}

function writeMessage(response: http.ServerResponse, message: FeedMessage): void {
  if (message.type === 'entry') {
    response.write(`id: ${message.entry.seq}\nevent: entry\ndata: ${JSON.stringify(message.entry)}\n\n`);
  } else {
    response.write(`event: end\ndata: ${JSON.stringify({ note: message.note })}\n\n`);
  }
}

/** Streams entries after the one the page already has, then every new one, then the end. */
function streamEvents(request: http.IncomingMessage, response: http.ServerResponse, feed: LiveFeed, url: URL): () => void {
  const lastId = request.headers['last-event-id'] ?? url.searchParams.get('after') ?? '-1';
  const after = Number.parseInt(String(lastId), 10);
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  response.write('retry: 1000\n\n');
  const session = feed.session();
  for (const entry of session.entries) {
    if (!(entry.seq <= after)) writeMessage(response, { type: 'entry', entry });
  }
  if (session.finished) {
    writeMessage(response, { type: 'end', note: session.note });
    return () => undefined;
  }
  return feed.subscribe((message) => writeMessage(response, message));
}

/** This machine's addresses as a Host header names them (`10.0.0.5`, `[fe80::1]`), and its host name. */
function interfaceAddresses(): string[] {
  const addresses = Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((info) => (info.family === 'IPv6' ? `[${info.address}]` : info.address));
  return [...addresses, os.hostname()];
}

/** Starts the inspector server; rejects with the listen error (EADDRINUSE…) when the port is taken. */
export async function startInspectorServer(options: InspectorServerOptions): Promise<InspectorServer> {
  const host = options.host ?? '127.0.0.1';
  const streams = new Set<http.ServerResponse>();
  let allowedHosts: Set<string> = new Set();

  const server = http.createServer((request, response) => {
    // A DNS-rebinding page elsewhere must not read station data through the user's browser.
    if (!allowedHosts.has(request.headers.host ?? '')) {
      send(response, 421, 'text/plain; charset=utf-8', 'unknown host\n');
      return;
    }
    const url = new URL(request.url ?? '/', 'http://inspector.local');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      send(response, 200, 'text/html; charset=utf-8', options.html);
    } else if (url.pathname === '/api/session') {
      options.loadSession().then(
        (session) => send(response, 200, 'application/json; charset=utf-8', JSON.stringify(session)),
        (error: unknown) => send(response, 500, 'application/json; charset=utf-8', JSON.stringify({ error: String(error) })),
      );
    } else if (url.pathname === '/api/events' && options.feed !== undefined) {
      streams.add(response);
      const unsubscribe = streamEvents(request, response, options.feed, url);
      response.on('close', () => {
        unsubscribe();
        streams.delete(response);
      });
    } else if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end();
    } else {
      send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  // Listening on every interface: the page is opened by this machine's addresses, not by a name.
  const wildcard = host === '0.0.0.0' || host === '::';
  const shownHost = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  allowedHosts.add(`${shownHost}:${port}`);
  if (wildcard) for (const address of interfaceAddresses()) allowedHosts.add(`${address}:${port}`);

  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of streams) response.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
