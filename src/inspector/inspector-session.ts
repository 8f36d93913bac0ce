// What the inspector page shows, as plain JSON: the same shape for a live run and for a replay of
// a station's history, so one page renders both.

/** One step of the timeline: a machine transition seen live, or a row of the station's history. */
export interface InspectorEntry {
  /** Position in the timeline (the store's seq in a replay), increasing. */
  seq: number;
  /** ISO-8601 UTC. */
  at: string;
  from: string | null;
  to: string;
  /** Event type that caused it (`xstate.done.actor.verifyFiles`, `LAUNCH`, …). */
  event: string;
  runId?: string;
  command?: string;
  /** Key context after the step (versions, file counts and lists, bytes, error). */
  detail: unknown;
}

/** Everything the page loads when it opens. */
export interface InspectorSession {
  /** `live`: a run in progress, followed over Server-Sent Events; `replay`: a station's history. */
  mode: 'live' | 'replay';
  /** Heading of the page (the station folder). */
  title: string;
  /** Names of every state of the machine, in definition order. */
  states: string[];
  /** The statechart as inline SVG; each state's element carries `data-state`. */
  svg: string;
  entries: InspectorEntry[];
  /** The station's current (persisted or live) state, when known. */
  current: string | null;
  /** Live: whether the run has ended. */
  finished: boolean;
  /** A line for the status bar (e.g. the run's result, or why there is no history). */
  note: string | null;
}

/** Where a live session's page gets its data: the session so far, and later entries as they come. */
export interface LiveFeed {
  /** The session as it is now. */
  session(): InspectorSession;
  /** Calls `listener` for each new entry and once when the run ends; returns an unsubscribe function. */
  subscribe(listener: (message: FeedMessage) => void): () => void;
}

/** A message on the live feed. */
export type FeedMessage = { type: 'entry'; entry: InspectorEntry } | { type: 'end'; note: string | null };
