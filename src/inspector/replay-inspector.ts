// The replay inspector (`inspect`): the same page for a station's persisted state and its
// transition log, re-read on every page load so a refresh shows runs that happened since.
import type { AnyStateMachine } from 'xstate';
import { startInspectorServer, type InspectorServer } from './inspector-server.js';
import type { InspectorEntry } from './inspector-session.js';
import { renderInspectorPage } from './page/inspector-page.js';
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
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The station's machine: its definition is drawn. */
  machine: AnyStateMachine;
  /** Heading of the page. */
  title: string;
  /** Reads the station (called for each page load). */
  load: () => Promise<ReplayData>;
}

/** Draws the machine's chart and serves the replay page on 127.0.0.1. */
export async function startReplayInspector(options: ReplayInspectorOptions): Promise<InspectorServer> {
  const chart = describeStatechart(options.machine);
  const svg = await renderStatechartSvg(chart);
  const states = chart.states.map((state) => state.name);
  return startInspectorServer({
    port: options.port,
    html: renderInspectorPage(options.title),
    loadSession: async () => {
      const data = await options.load();
      return { mode: 'replay', title: options.title, states, svg, finished: true, ...data };
    },
  });
}
