// The benchmark's upgrade server, in its own process so it never shares an event loop with the
// client being measured: the product's static server (Range, ETag) and, in front of it, a proxy
// that can add latency per request and cap the rate of the link (shared by all connections), and
// counts what it sent.
// Usage: node server-child.js <root> [latencyMs] [bytesPerSecond]; prints {url, directUrl} as JSON.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStaticServer } from '../src/server/serve.js';

/** Counters of the front proxy, served at /__bench/stats. */
export interface FrontStats {
  requests: number;
  /** Body bytes the front wrote to clients. */
  bytesSent: number;
  /** Range headers received, in order. */
  ranges: string[];
}

const [root, latencyArg = '0', rateArg = '0'] = process.argv.slice(2);
if (root === undefined) throw new Error('usage: server-child.js <root> [latencyMs] [bytesPerSecond]');
const latencyMs = Number(latencyArg);
const rate = Number(rateArg);
const upstream = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
const upstreamUrl = new URL(upstream.url);
const agent = new http.Agent({ keepAlive: true });
let stats: FrontStats = { requests: 0, bytesSent: 0, ranges: [] };

// One link for every connection: each chunk waits for the link to be free and occupies it for
// length ÷ rate, so parallel downloads share the rate as they would on a real slow line.
let linkFreeAt = 0;

async function* paced(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    if (rate > 0) {
      linkFreeAt = Math.max(linkFreeAt, performance.now()) + (chunk.length / rate) * 1000;
      const wait = linkFreeAt - performance.now();
      if (wait > 1) await sleep(wait);
    }
    stats.bytesSent += chunk.length;
    yield chunk;
  }
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.url === '/__bench/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  if (req.url === '/__bench/reset') {
    stats = { requests: 0, bytesSent: 0, ranges: [] };
    res.writeHead(204).end();
    return;
  }
  stats.requests += 1;
  if (typeof req.headers.range === 'string') stats.ranges.push(req.headers.range);
  if (latencyMs > 0) await sleep(latencyMs);
  const headers = { ...req.headers, host: upstreamUrl.host };
  const upstreamRes = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http
      .request({ host: upstreamUrl.hostname, port: upstreamUrl.port, path: req.url, method: req.method, headers, agent }, resolve)
      .on('error', reject)
      .end();
  });
  res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
  await pipeline(upstreamRes, paced, res);
}

const front = http.createServer((req, res) => {
  answer(req, res).catch(() => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
});
await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
const { port } = front.address() as AddressInfo;
process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/`, directUrl: upstream.url })}\n`);
process.on('SIGTERM', () => {
  front.closeAllConnections();
  front.close();
  void upstream.close().then(() => process.exit(0));
});
