// The replay inspector (`inspect`): the same page for a station's persisted state and its
// transition log, re-read on every page load so a refresh shows runs that happened since.
import type { AnyStateMachine } from 'xstate';
import { startInspectorServer, type InspectorServer } from './inspector-server.js';
import type { InspectorEntry, InspectorSession } from './inspector-session.js';
import { renderInspectorPage } from './page/inspector-page.js';
import { scrubSecrets } from './scrub-secrets.js';
import { describeStatechart } from './statechart.js';
import { renderStatechartSvg } from './statechart-svg.js';

/** What a replay shows: the station's current state and its history, oldest first. */
export interface ReplayData {
  current: string | null;
  entries: InspectorEntry[];
  /** Why the history is empty or partial, for the status bar. */
  note: string | null;
}

/** Options of startReplayInspector. */
export interface ReplayInspectorOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** The station's machine: its definition is drawn. */
  machine: AnyStateMachine;
  /** Heading of the page. */
  title: string;
  /** Reads the station (called for each page load). */
  load: () => Promise<ReplayData>;
}

/** Draws the machine's chart once; returns how to turn replay data into the page's session. */
async function replaySessions(machine: AnyStateMachine, title: string): Promise<(data: ReplayData) => InspectorSession> {
  const chart = describeStatechart(machine);
  const svg = await renderStatechartSvg(chart);
  const states = chart.states.map((state) => state.name);
  return (data) => ({ mode: 'replay', title, states, svg, finished: true, ...data });
}

/** Draws the machine's chart and serves the replay page (on 127.0.0.1 unless `host` says otherwise). */
export async function startReplayInspector(options: ReplayInspectorOptions): Promise<InspectorServer> {
  const session = await replaySessions(options.machine, options.title);
  return startInspectorServer({
    port: options.port,
    ...(options.host === undefined ? {} : { host: options.host }),
    html: renderInspectorPage(options.title),
    loadSession: async () => session(await options.load()),
  });
}

/**
 * The replay as one self-contained HTML document (`inspect --export`): the chart, the session, the
 * script and the style inlined, nothing fetched. Credentials in URLs are removed from every string,
 * as history and --json do, so the file can be mailed to support.
 */
export async function renderReplayExport(options: Omit<ReplayInspectorOptions, 'port' | 'host' | 'load'> & { data: ReplayData }): Promise<string> {
  const session = await replaySessions(options.machine, options.title);
  return renderInspectorPage(options.title, scrubSecrets(session(options.data)));
}
