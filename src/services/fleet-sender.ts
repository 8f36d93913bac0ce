// Delivers the station's outbox to the fleet service (DESIGN §13): oldest first, one batch per
// request, within a total time budget. Events are removed only after the service acknowledged them;
// a dead, slow or refusing service leaves them queued for the next run.
import http from 'node:http';
import https from 'node:https';
import { FLEET_LIMITS, type FleetAck, type FleetBatch } from '../formats/fleet-report.js';
import type { Outbox } from '../persistence/outbox.js';

/** POSTs one batch; resolves with the service's acknowledgement or rejects. */
export type PostFleetBatch = (batch: FleetBatch, signal: AbortSignal) => Promise<FleetAck>;

/** What one delivery did. */
export interface DeliveryResult {
  /** Events the service acknowledged (and the outbox deleted). */
  sent: number;
  /** Events still queued. */
  queued: number;
  /** Why delivery stopped early (network, HTTP status, budget), or null when the outbox is empty. */
  problem: string | null;
}

/** Options of `deliverOutbox`. */
export interface DeliverOptions {
  outbox: Outbox;
  post: PostFleetBatch;
  /** Total time allowed, in ms (the station waits no longer). */
  budgetMs: number;
  /** Events per request. Default FLEET_LIMITS.maxEvents. */
  batchSize?: number;
}

/** Sends queued events, oldest first, until the outbox is empty, a request fails or the budget ends. */
export async function deliverOutbox(options: DeliverOptions): Promise<DeliveryResult> {
  const { outbox, post, budgetMs } = options;
  const batchSize = Math.min(options.batchSize ?? FLEET_LIMITS.maxEvents, FLEET_LIMITS.maxEvents);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`fleet service did not answer within ${budgetMs} ms`)), budgetMs);
  let sent = 0;
  let problem: string | null = null;
  try {
    const stationId = await outbox.stationId();
    for (;;) {
      const { events, dropped } = await outbox.peek(batchSize);
      if (events.length === 0) break;
      try {
        await post({ stationId, dropped, events }, controller.signal);
      } catch (error) {
        const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
        problem = reason instanceof Error ? reason.message : String(reason);
        break;
      }
      await outbox.acknowledge(
        events.map((event) => event.eventId),
        dropped,
      );
      sent += events.length;
    }
  } finally {
    clearTimeout(timer);
  }
  return { sent, queued: await outbox.size(), problem };
}

/** Options of `createFleetPoster`. */
export interface FleetPosterOptions {
  /** The service's base URL; reports go to `fleet/v1/reports` under it. */
  baseUrl: string;
  /** The bearer token (from the token file; never logged). */
  token: string;
  /** The CA certificates (PEM) https trusts; they replace Node's roots, so pass those too when adding one. */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** A PostFleetBatch over node's http/https: JSON body, bearer token, 2xx with `{accepted, duplicates}` = acknowledged. */
export function createFleetPoster(options: FleetPosterOptions): PostFleetBatch {
  const url = new URL('fleet/v1/reports', options.baseUrl);
  const transport = url.protocol === 'https:' ? https : http;
  return (batch, signal) =>
    new Promise<FleetAck>((resolve, reject) => {
      const body = Buffer.from(JSON.stringify(batch));
      const request = transport.request(
        url,
        {
          method: 'POST',
          signal,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            authorization: `Bearer ${options.token}`,
          },
          ...(options.ca === undefined ? {} : { ca: options.ca }),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8').slice(0, 300);
            if (status < 200 || status > 299) {
              reject(new Error(`fleet service ${url.origin}${url.pathname} answered HTTP ${status}: ${text}`));
              return;
            }
            try {
              const ack = JSON.parse(text) as Partial<FleetAck>;
              if (typeof ack.accepted !== 'number' || typeof ack.duplicates !== 'number') throw new Error('no {accepted, duplicates}');
              resolve({ accepted: ack.accepted, duplicates: ack.duplicates });
            } catch (error) {
              reject(new Error(`fleet service ${url.origin}${url.pathname} answered HTTP ${status} without an acknowledgement`, { cause: error }));
            }
          });
        },
      );
      request.on('error', (error) => reject(new Error(`fleet service ${url.origin}${url.pathname}: ${error.message}`, { cause: error })));
      request.end(body);
    });
}
