// The fleet service's HTTP API and page (DESIGN §13). Reports need the bearer token (compared in
// constant time); a batch is checked whole before anything is stored, so a bad batch stores
// nothing. Reads are open: bind to 127.0.0.1 or put the service behind the site's own access control.
// With a rollout monitor, every stored upgrade run is counted and may pause the rollout before the
// station is answered.
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FLEET_LIMITS, validateFleetBatch, type FleetBatch } from '../formats/fleet-report.js';
import type { RolloutMonitor } from '../rollout/rollout-monitor-view.js';
import { rolloutReportOf } from '../rollout/tally-rollout.js';
import type { FleetStore, StationFilter } from './fleet-store.js';
import { fleetPageHtml } from './page/fleet-page.js';

/** Options of `startFleetServer`. */
export interface FleetServerOptions {
  store: FleetStore;
  /** The bearer token stations send (from the token file). */
  token: string;
  port: number;
  host?: string;
  /** A station not heard from for this long is overdue. */
  overdueAfterMs: number;
  /** The service's clock. */
  now?: () => Date;
  /** One line per request (never a header, so never the token). */
  log?: (line: string) => void;
  /** Watches a staged rollout (`--rollout-root`): counts every stored upgrade report, pauses by its rule. */
  rollout?: RolloutMonitor;
}

/** A running fleet service. */
export interface FleetServer {
  /** `http://host:port/` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, string> = {},
  ) {
    super(message);
  }
}

function sendJson(response: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  response.end(body);
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Starts the service; rejects with the listen error when the port is taken. */
export async function startFleetServer(options: FleetServerOptions): Promise<FleetServer> {
  const { store, overdueAfterMs, rollout } = options;
  const now = options.now ?? (() => new Date());
  const expected = digest(`Bearer ${options.token}`);
  const page = fleetPageHtml();

  function authorized(request: http.IncomingMessage): boolean {
    // Hashes have one length, so the comparison takes the same time whatever was sent.
    return timingSafeEqual(digest(request.headers.authorization ?? ''), expected);
  }

  async function readBody(request: http.IncomingMessage): Promise<Buffer> {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > FLEET_LIMITS.maxBodyBytes) throw new HttpProblem(413, 'BATCH_TOO_LARGE', `a batch is at most ${FLEET_LIMITS.maxBodyBytes} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > FLEET_LIMITS.maxBodyBytes) throw new HttpProblem(413, 'BATCH_TOO_LARGE', `a batch is at most ${FLEET_LIMITS.maxBodyBytes} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  async function postReports(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (!authorized(request)) throw new HttpProblem(401, 'UNAUTHORIZED', 'a valid bearer token is required');
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) throw new HttpProblem(415, 'BAD_BATCH', 'a batch is sent as application/json');
    const body = await readBody(request);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpProblem(400, 'BAD_BATCH', 'the body is not JSON');
    }
    const checked = validateFleetBatch(parsed);
    if ('problem' in checked) {
      throw new HttpProblem(400, 'BAD_BATCH', `${checked.problem.field}: expected ${checked.problem.expected}`, { ...checked.problem });
    }
    const receivedAt = now();
    const ack = await store.ingest(checked.batch, receivedAt);
    await observeRollout(checked.batch, receivedAt);
    sendJson(response, 200, ack);
  }

  /** Feeds a stored batch's upgrade runs to the rollout monitor; its trouble is logged, never the station's. */
  async function observeRollout(batch: FleetBatch, receivedAt: Date): Promise<void> {
    if (rollout === undefined) return;
    const stationId = batch.stationId.toLowerCase();
    const reports = batch.events.filter((event) => event.phase !== null).map((event) => rolloutReportOf(stationId, event));
    if (reports.length === 0) return;
    try {
      const outcome = await rollout.observe(reports);
      // From this batch on (it is counted afresh, too): what a restarted service will count again.
      if (outcome.resumed !== undefined) {
        await store.countRolloutFrom(outcome.resumed, receivedAt);
        options.log?.(`fleet: rollout of ${outcome.resumed} resumed: counting afresh from ${receivedAt.toISOString()}`);
      }
      if (outcome.pausedNow) options.log?.(`fleet: rollout of ${outcome.version ?? '?'} paused: ${outcome.reason ?? ''}`);
    } catch (error) {
      options.log?.(`fleet: rollout monitor: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function stationFilter(params: URLSearchParams): StationFilter {
    const known = new Set(['version', 'state', 'errorCode', 'overdue', 'q', 'limit', 'offset']);
    for (const key of params.keys()) if (!known.has(key)) throw new HttpProblem(400, 'BAD_QUERY', `unknown parameter ${key}`);
    const filter: StationFilter = {};
    const text = (key: string): string | undefined => {
      const value = params.get(key);
      return value === null || value === '' ? undefined : value.slice(0, FLEET_LIMITS.maxText);
    };
    const whole = (key: string): number | undefined => {
      const value = text(key);
      if (value === undefined) return undefined;
      if (!/^\d{1,6}$/.test(value)) throw new HttpProblem(400, 'BAD_QUERY', `${key} must be a whole number`);
      return Number(value);
    };
    const version = text('version');
    const state = text('state');
    const errorCode = text('errorCode');
    const search = text('q');
    const limit = whole('limit');
    const offset = whole('offset');
    if (version !== undefined) filter.version = version;
    if (state !== undefined) filter.state = state;
    if (errorCode !== undefined) filter.errorCode = errorCode;
    if (search !== undefined) filter.search = search;
    if (limit !== undefined) filter.limit = limit;
    if (offset !== undefined) filter.offset = offset;
    const overdue = text('overdue');
    if (overdue !== undefined) {
      if (overdue !== 'true' && overdue !== 'false') throw new HttpProblem(400, 'BAD_QUERY', 'overdue must be true or false');
      filter.overdue = overdue === 'true';
    }
    return filter;
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fleet.invalid');
    const route = url.pathname;
    const method = request.method ?? 'GET';
    if (route === '/fleet/v1/reports') {
      if (method !== 'POST') throw new HttpProblem(405, 'METHOD', 'POST a batch here');
      return postReports(request, response);
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpProblem(405, 'METHOD', `${method} is not served here`);
    if (route === '/' || route === '/fleet') {
      response.writeHead(302, { location: '/fleet/' });
      response.end();
      return;
    }
    if (route === '/fleet/') {
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-security-policy': CONTENT_SECURITY_POLICY,
      });
      response.end(page);
      return;
    }
    if (route === '/fleet/v1/summary') return sendJson(response, 200, await store.summary(now(), overdueAfterMs));
    // null: this service watches no rollout (it was started without --rollout-root).
    if (route === '/fleet/v1/rollout') return sendJson(response, 200, rollout === undefined ? null : await rollout.view());
    if (route === '/fleet/v1/stations') {
      return sendJson(response, 200, await store.stations(stationFilter(url.searchParams), now(), overdueAfterMs));
    }
    const history = /^\/fleet\/v1\/stations\/([0-9a-fA-F-]{36})\/reports$/.exec(route);
    if (history?.[1] !== undefined) {
      const limit = Number(url.searchParams.get('limit') ?? 200);
      return sendJson(response, 200, await store.history(history[1], Number.isInteger(limit) ? limit : 200));
    }
    throw new HttpProblem(404, 'NOT_FOUND', `nothing at ${route}`);
  }

  if (rollout !== undefined) {
    // The tally is rebuilt from the stored history, so a restarted service pauses on the same evidence.
    const history = (await store.upgradeReports()).map((report) => rolloutReportOf(report.stationId, report));
    try {
      const outcome = await rollout.observe(history);
      if (outcome.pausedNow) options.log?.(`fleet: rollout of ${outcome.version ?? '?'} paused: ${outcome.reason ?? ''}`);
    } catch (error) {
      options.log?.(`fleet: rollout monitor: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const server = http.createServer((request, response) => {
    const started = Date.now();
    handle(request, response)
      .catch((error: unknown) => {
        if (error instanceof HttpProblem) {
          sendJson(response, error.status, { error: { code: error.code, message: error.message, ...error.details } });
        } else {
          options.log?.(`fleet: ${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`);
          sendJson(response, 500, { error: { code: 'INTERNAL', message: 'the fleet service could not answer; see its log' } });
        }
        // An unread oversized body must not keep the connection busy.
        if (!request.complete) request.resume();
      })
      .finally(() => options.log?.(`${request.method} ${request.url?.split('?')[0]} ${response.statusCode} ${Date.now() - started}ms`));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
