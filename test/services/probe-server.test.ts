// The online probe: any HTTP answer is online; a refused connection is offline, found without ever
// making the HTTP client; through a proxy the HTTP client decides, as before.
import net from 'node:net';
import type { Got } from 'got';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src/services/http-client.js';
import { probeServer } from '../../src/services/probe-server.js';
import { startForwardProxy, startTestServer, type TestProxy, type TestServer } from '../helpers/test-server.js';

const options = { connectTimeoutMs: 5000, readTimeoutMs: 5000, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } };

/** A client factory that counts how often it was asked for a client. */
function counting(env: Record<string, string> = {}): { client: () => Promise<Got>; made: () => number } {
  let made = 0;
  return {
    client: () => {
      made += 1;
      return Promise.resolve(createHttpClient({ ...options, env }));
    },
    made: () => made,
  };
}

/** A loopback URL nothing listens on. */
async function refusedUrl(): Promise<string> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://user:secret@127.0.0.1:${port}/registration-client/maven-metadata.xml`;
}

let server: TestServer | undefined;
let proxy: TestProxy | undefined;
afterEach(async () => {
  await server?.close();
  await proxy?.close();
  server = undefined;
  proxy = undefined;
});

describe('probeServer', () => {
  it('finds a refused connection offline without making the HTTP client, credentials stripped from the reason', async () => {
    const { client, made } = counting();
    const result = await probeServer(client, await refusedUrl(), 2000, undefined, {});
    expect(result.online).toBe(false);
    expect(result.reason).toMatch(/ECONNREFUSED$/);
    expect(result.reason).not.toContain('secret');
    expect(made()).toBe(0);
  });

  it('is online on any HTTP answer, a 404 included, through the HTTP client', async () => {
    server = await startTestServer({});
    const { client, made } = counting();
    await expect(probeServer(client, `${server.url}missing.xml`, 2000, undefined, {})).resolves.toEqual({ online: true });
    expect(made()).toBe(1);
  });

  it('leaves the verdict to the HTTP client when a proxy applies (the proxy answers for the server)', async () => {
    server = await startTestServer({ '/maven-metadata.xml': Buffer.from('<metadata/>') });
    proxy = await startForwardProxy();
    const env = { http_proxy: proxy.url };
    const { client, made } = counting(env);
    const url = `${server.url}maven-metadata.xml`;
    await expect(probeServer(client, url, 2000, undefined, env)).resolves.toEqual({ online: true });
    expect(made()).toBe(1);
    expect(proxy.seen).toContain(url);
  });
});
