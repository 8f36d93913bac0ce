// The live inspector (`--inspect`): an XState inspection observer that turns the root actor's
// snapshots into timeline entries and pushes them to the page over Server-Sent Events. The run
// never waits for a viewer: entries are kept, and a page that opens late gets them all.
import type { AnyStateMachine, InspectionEvent } from 'xstate';
import { startInspectorServer } from './inspector-server.js';
import type { FeedMessage, InspectorEntry, InspectorSession, LiveFeed } from './inspector-session.js';
import { renderInspectorPage } from './page/inspector-page.js';
import { describeStatechart, topLevelState } from './statechart.js';
import { renderStatechartSvg } from './statechart-svg.js';

/** Options of startLiveInspector. */
export interface LiveInspectorOptions<TContext> {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The machine being run: its definition is drawn. */
  machine: AnyStateMachine;
  /** Key context shown for each step (what the transition log records). */
  summarize: (context: TContext) => unknown;
  /** Heading of the page. */
  title: string;
  /** Clock for entry timestamps; default the system clock. */
  now?: () => Date;
}

/** A live inspector: pass `inspect` to the actor, `finish` when the run rests, `close` at the end. */
export interface LiveInspector {
  /** The inspection observer for `createActor(…, { inspect })`. */
  inspect: (event: InspectionEvent) => void;
  /** The page's URL. */
  readonly url: string;
  /** Marks the run as ended, with a line for the page (e.g. the result). */
  finish(note: string | null): void;
  /** Stops serving. */
  close(): Promise<void>;
}

interface RootSnapshot {
  value: unknown;
  context: unknown;
}

/** Draws the machine's chart and serves the live page on 127.0.0.1. */
export async function startLiveInspector<TContext>(options: LiveInspectorOptions<TContext>): Promise<LiveInspector> {
  const now = options.now ?? (() => new Date());
  const chart = describeStatechart(options.machine);
  const svg = await renderStatechartSvg(chart);
  const entries: InspectorEntry[] = [];
  const listeners = new Set<(message: FeedMessage) => void>();
  let finished = false;
  let note: string | null = null;
  let lastKey = '';

  const broadcast = (message: FeedMessage): void => {
    for (const listener of listeners) listener(message);
  };
  const session = (): InspectorSession => ({
    mode: 'live',
    title: options.title,
    states: chart.states.map((state) => state.name),
    svg,
    entries: [...entries],
    current: entries.at(-1)?.to ?? null,
    finished,
    note,
  });
  const feed: LiveFeed = {
    session,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  const inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.snapshot' || event.actorRef.sessionId !== event.rootId) return;
    const snapshot = event.snapshot as unknown as RootSnapshot;
    const to = topLevelState(snapshot.value);
    if (to === null) return;
    const detail = options.summarize(snapshot.context as TContext);
    // A macrostep that changed neither state nor key context is not a step worth showing.
    const key = `${to}\u0000${JSON.stringify(detail)}`;
    if (key === lastKey) return;
    lastKey = key;
    const entry: InspectorEntry = {
      seq: entries.length + 1,
      at: now().toISOString(),
      from: entries.at(-1)?.to ?? null,
      to,
      event: event.event.type,
      // One actor per run: a caller that runs the machine several times (the demo) gets one group per run.
      runId: event.rootId,
      detail,
    };
    entries.push(entry);
    broadcast({ type: 'entry', entry });
  };

  const server = await startInspectorServer({
    port: options.port,
    html: renderInspectorPage(options.title),
    loadSession: () => Promise.resolve(session()),
    feed,
  });
  return {
    inspect,
    url: server.url,
    finish: (line) => {
      if (finished) return;
      finished = true;
      note = line;
      broadcast({ type: 'end', note: line });
    },
    close: () => server.close(),
  };
}
