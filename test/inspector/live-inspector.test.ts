// The live inspector fed by a real XState actor, read over real HTTP: the session so far, entries
// as Server-Sent Events (resumable by Last-Event-ID), the end of the run, the Host check and CSP.
import http from 'node:http';
import { assign, createActor, fromPromise, setup } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectorSession } from '../../src/inspector/inspector-session.js';
import { startLiveInspector, type LiveInspector } from '../../src/inspector/live-inspector.js';

interface ToyContext {
  files: string[];
}

const toy = setup({
  types: { context: {} as ToyContext },
  actors: { fetchFiles: fromPromise(() => Promise.resolve(['a.jar', 'b.jar'])) },
}).createMachine({
  id: 'toy',
  initial: 'idle',
  context: { files: [] },
  states: {
    idle: { on: { GO: 'fetching' } },
    fetching: {
      invoke: {
        id: 'fetchFiles',
        src: 'fetchFiles',
        onDone: { target: 'done', actions: assign({ files: ({ event }) => event.output }) },
      },
    },
    done: {},
  },
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET with explicit headers (fetch may not set Host); resolves when the body ends or after `untilMs`. */
function get(url: string, headers: Record<string, string> = {}, untilMs?: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      const done = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
      response.on('end', done);
      if (untilMs !== undefined) setTimeout(() => (request.destroy(), done()), untilMs);
    });
    request.on('error', (error) => (untilMs === undefined ? reject(error) : undefined));
  });
}

function sseEntries(body: string): Array<{ id: string | undefined; event: string; data: unknown }> {
  return body
    .split('\n\n')
    .filter((block) => block.includes('data: '))
    .map((block) => {
      const field = (name: string): string | undefined => new RegExp(`^${name}: (.*)$`, 'm').exec(block)?.[1];
      return { id: field('id') ?? undefined, event: field('event') ?? '', data: JSON.parse(field('data') ?? 'null') as unknown };
    });
}

let inspector: LiveInspector | undefined;

afterEach(async () => {
  await inspector?.close();
  inspector = undefined;
});

async function runToy(): Promise<LiveInspector> {
  const live = await startLiveInspector<ToyContext>({
    port: 0,
    machine: toy,
    summarize: (context) => ({ files: context.files }),
    title: '/srv/toy',
    now: () => new Date('2026-01-02T03:04:05.000Z'),
  });
  const actor = createActor(toy, { inspect: live.inspect });
  const done = new Promise<void>((resolve) => actor.subscribe((snapshot) => snapshot.matches('done') && resolve()));
  actor.start();
  actor.send({ type: 'GO' });
  await done;
  actor.stop();
  return live;
}

describe('live inspector', () => {
  it('serves the session: the machine drawn, and one entry per step with its key context', async () => {
    inspector = await runToy();
    expect(inspector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const reply = await get(`${inspector.url}api/session`);
    const session = JSON.parse(reply.body) as InspectorSession;
    expect(session).toMatchObject({ mode: 'live', title: '/srv/toy', states: ['idle', 'fetching', 'done'], current: 'done', finished: false });
    expect(session.svg).toContain('data-state="fetching"');
    expect(session.entries.map((e) => [e.seq, e.from, e.to, e.event])).toEqual([
      [1, null, 'idle', 'xstate.init'],
      [2, 'idle', 'fetching', 'GO'],
      [3, 'fetching', 'done', 'xstate.done.actor.fetchFiles'],
    ]);
    expect(session.entries[2]).toMatchObject({ at: '2026-01-02T03:04:05.000Z', detail: { files: ['a.jar', 'b.jar'] } });
    expect(new Set(session.entries.map((e) => e.runId)).size).toBe(1);
  });

  it('streams entries after the one the page has, then the end of the run', async () => {
    inspector = await runToy();
    const pending = get(`${inspector.url}api/events?after=1`, {}, 500);
    setTimeout(() => inspector?.finish('done · exit 0'), 100);
    const reply = await pending;
    expect(reply.headers['content-type']).toBe('text/event-stream');
    const messages = sseEntries(reply.body);
    expect(messages.map((m) => [m.event, m.id])).toEqual([
      ['entry', '2'],
      ['entry', '3'],
      ['end', undefined],
    ]);
    expect(messages[2]?.data).toEqual({ note: 'done · exit 0' });
    // A reconnecting EventSource sends Last-Event-ID; a finished run answers the rest and the end at once.
    const again = sseEntries((await get(`${inspector.url}api/events`, { 'last-event-id': '2' }, 300)).body);
    expect(again.map((m) => [m.event, m.id])).toEqual([
      ['entry', '3'],
      ['end', undefined],
    ]);
    const session = JSON.parse((await get(`${inspector.url}api/session`)).body) as InspectorSession;
    expect(session).toMatchObject({ finished: true, note: 'done · exit 0' });
  });

  it('serves the page with a CSP that allows nothing but itself, and refuses foreign Host headers', async () => {
    inspector = await runToy();
    const page = await get(inspector.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(page.body).toContain('<h1 id="title">/srv/toy</h1>');
    const port = new URL(inspector.url).port;
    expect((await get(`${inspector.url}api/session`, { host: `localhost:${port}` })).status).toBe(200);
    expect((await get(`${inspector.url}api/session`, { host: `evil.example:${port}` })).status).toBe(421);
    expect((await get(`${inspector.url}nope`)).status).toBe(404);
  });

  it('close() ends open event streams', async () => {
    inspector = await runToy();
    const stream = get(`${inspector.url}api/events?after=3`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await inspector.close();
    inspector = undefined;
    const reply = await stream;
    expect(reply.status).toBe(200);
    expect(sseEntries(reply.body)).toEqual([]);
  });
});
