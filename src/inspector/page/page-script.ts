/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The inspector page's script, inlined into the HTML. It is a real TypeScript function, type-checked
// against the DOM and linted with the rest, and inlined by its source text (`Function.toString`), so
// it must stay self-contained: it may use only browser globals and `import type`s. It loads the
// session (inlined in an exported file, else from its server), draws the timeline, moves
// `data-active` on the chart, and follows a live run over EventSource.
import type { InspectorEntry, InspectorSession } from '../inspector-session.js';

/** The page's whole behaviour; runs in the browser, never in Node. */
export function runInspectorPage(): void {
  'use strict';
  const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
    const node = document.getElementById(id);
    if (node === null) throw new Error(`the page has no #${id}`);
    return node as T;
  };
  const view: { session: InspectorSession | null; entries: InspectorEntry[]; cursor: number; follow: boolean; runs: number } = {
    session: null,
    entries: [],
    cursor: -1,
    follow: true,
    runs: 0,
  };

  function el(tag: string, className?: string, text?: string): HTMLElement {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function describeEvent(type: string): string {
    let match = /^xstate\.done\.actor\.(.+)$/.exec(type);
    if (match) return `${match[1]} done`;
    match = /^xstate\.error\.actor\.(.+)$/.exec(type);
    if (match) return `${match[1]} failed`;
    match = /^xstate\.after\.(\d+)\./.exec(type);
    if (match) return `after ${match[1]} ms`;
    if (type === 'xstate.init') return 'run started';
    return type;
  }

  function isRecord(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  }

  function flatten(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
    if (isRecord(value) && Object.keys(value).length > 0) {
      for (const key of Object.keys(value)) flatten(value[key], prefix ? `${prefix}.${key}` : key, out);
    } else if (prefix) {
      out.set(prefix, value);
    }
    return out;
  }

  function isEmpty(value: unknown): boolean {
    return value === null || value === undefined || (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0);
  }

  function formatBytes(n: number): string {
    if (n < 1024) return `${n} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let value = n / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${value.toFixed(1)} ${units[unit] ?? ''}`;
  }

  function formatScalar(key: string, value: unknown): string {
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    if (typeof value === 'number' && /bytes/i.test(key)) return formatBytes(value) + (value >= 1024 ? ` (${value.toLocaleString('en')} B)` : '');
    if (typeof value === 'number') return value.toLocaleString('en');
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  const itemText = (item: unknown): string => (typeof item === 'string' ? item : JSON.stringify(item));

  function formatValue(key: string, value: unknown): HTMLElement {
    if (isEmpty(value)) return el('span', 'none', '—');
    if (Array.isArray(value)) {
      const list = el('ul');
      for (const item of value as unknown[]) list.appendChild(el('li', '', itemText(item)));
      return list;
    }
    return el('span', /^error\./.test(key) ? 'error-text' : '', formatScalar(key, value));
  }

  function summarizeChange(key: string, value: unknown): string {
    if (Array.isArray(value)) {
      const shown = (value as unknown[]).slice(0, 3).map(itemText);
      return `${key}: ${shown.join(', ')}${value.length > 3 ? ` +${value.length - 3} more` : ''}`;
    }
    return `${key} ${formatScalar(key, value)}`;
  }

  function changesOf(index: number): Map<string, unknown> {
    const entry = view.entries[index];
    const previous = view.entries[index - 1];
    if (entry === undefined) return new Map();
    const before = previous !== undefined && previous.runId === entry.runId ? flatten(previous.detail, '', new Map()) : new Map<string, unknown>();
    const changed = new Map<string, unknown>();
    for (const [key, value] of flatten(entry.detail, '', new Map())) {
      // At the start of a run, zeros and "no" are the defaults, not news.
      const unset = isEmpty(value) || (before.size === 0 && (value === 0 || value === false));
      if (!unset && JSON.stringify(value) !== JSON.stringify(before.get(key))) changed.set(key, value);
    }
    return changed;
  }

  function activeState(): string | null {
    const entry = view.entries[view.cursor];
    if (entry !== undefined) return entry.to;
    return view.session ? view.session.current : null;
  }

  /** Brings `target` into view inside `box` only (scrollIntoView would scroll the window too). */
  function scrollWithin(box: HTMLElement, target: Element, center: boolean): void {
    const outer = box.getBoundingClientRect();
    const inner = target.getBoundingClientRect();
    if (center) {
      box.scrollLeft += inner.left + inner.width / 2 - (outer.left + outer.width / 2);
      box.scrollTop += inner.top + inner.height / 2 - (outer.top + outer.height / 2);
    } else if (inner.top < outer.top || inner.bottom > outer.bottom) {
      box.scrollTop += inner.top < outer.top ? inner.top - outer.top : inner.bottom - outer.bottom;
    }
  }

  /** 100 %: one Graphviz point per CSS pixel (labels 11–13 px, the pane scrolls); fit: the whole chart. */
  function setZoom(fit: boolean): void {
    const chart = $('chart');
    const svg = chart.querySelector('svg');
    chart.classList.toggle('fit', fit);
    $('zoom-fit').setAttribute('aria-pressed', String(fit));
    $('zoom-actual').setAttribute('aria-pressed', String(!fit));
    if (svg === null) return;
    const box = svg.viewBox.baseVal;
    svg.style.width = fit ? '' : `${box.width}px`;
    svg.style.height = fit ? '' : `${box.height}px`;
    const active = chart.querySelector('[data-active="true"]');
    if (!fit && active !== null) scrollWithin(chart, active, true);
  }

  function renderChart(): void {
    const active = activeState();
    const entry = view.entries[view.cursor];
    const visited = new Set<string>();
    for (let i = view.cursor; i >= 0; i -= 1) {
      const step = view.entries[i];
      if (step === undefined || step.runId !== entry?.runId) break;
      if (step.from) visited.add(step.from);
      if (step.event === 'xstate.init' || step.from === null) break;
    }
    const bad = entry !== undefined && isRecord(entry.detail) && Boolean(entry.detail['error']);
    for (const node of document.querySelectorAll('#chart [data-state]')) {
      const name = node.getAttribute('data-state');
      if (name === active) node.setAttribute('data-active', 'true');
      else node.removeAttribute('data-active');
      node.classList.toggle('visited', name !== null && visited.has(name) && name !== active);
      node.classList.toggle('bad', name === active && bad);
      if (name === active && !$('chart').classList.contains('fit')) scrollWithin($('chart'), node, true);
    }
    for (const edge of document.querySelectorAll('#chart g.edge[data-from]')) {
      const taken = entry !== undefined && entry.from !== null && edge.getAttribute('data-from') === entry.from && edge.getAttribute('data-to') === entry.to;
      edge.classList.toggle('taken', taken);
    }
  }

  function renderStep(): void {
    const entry = view.entries[view.cursor];
    const title = $('step-title');
    const meta = $('step-meta');
    const table = $('context');
    title.replaceChildren();
    table.replaceChildren();
    if (entry === undefined) {
      title.textContent = activeState() ?? 'no transitions yet';
      meta.textContent = view.session?.note ?? '';
      return;
    }
    title.append(el('span', '', entry.from ?? '·'), el('span', 'arrow', '→'), el('span', '', entry.to));
    meta.textContent = [describeEvent(entry.event), entry.at, entry.command, entry.command && entry.runId ? `run ${entry.runId.slice(0, 8)}` : '']
      .filter(Boolean)
      .join(' · ');
    const changed = changesOf(view.cursor);
    for (const [key, value] of flatten(entry.detail, '', new Map())) {
      const row = el('tr', changed.has(key) ? 'changed' : '');
      const label = Array.isArray(value) && value.length > 0 ? `${key} (${value.length})` : key;
      const cell = el('td');
      cell.appendChild(formatValue(key, value));
      row.append(el('td', 'key', label), cell);
      table.appendChild(row);
    }
  }

  function renderControls(): void {
    const n = view.entries.length;
    const slider = $<HTMLInputElement>('cursor');
    slider.max = String(Math.max(0, n - 1));
    slider.value = String(Math.max(0, view.cursor));
    slider.disabled = n < 2;
    $('position').textContent = `${view.cursor + 1} / ${n}`;
    $<HTMLButtonElement>('step-first').disabled = $<HTMLButtonElement>('step-prev').disabled = view.cursor <= 0;
    $<HTMLButtonElement>('step-last').disabled = $<HTMLButtonElement>('step-next').disabled = view.cursor >= n - 1;
    document.body.setAttribute('data-cursor', String(view.cursor));
  }

  function timelineRow(index: number, entry: InspectorEntry): HTMLElement {
    const row = el('li');
    row.setAttribute('data-seq', String(entry.seq));
    row.setAttribute('data-index', String(index));
    row.append(el('span', 'time', entry.at.slice(11, 23)), el('span', 'move', `${entry.from ?? '·'} → ${entry.to}`));
    row.appendChild(el('span', 'why', describeEvent(entry.event)));
    const changes = [...changesOf(index)].map(([key, value]) => summarizeChange(key, value));
    if (changes.length > 0) row.appendChild(el('span', 'changes', changes.slice(0, 4).join(' · ')));
    row.addEventListener('click', () => setCursor(index));
    return row;
  }

  function appendTimeline(index: number): void {
    const list = $('timeline');
    const entry = view.entries[index];
    if (entry === undefined) return;
    const previous = view.entries[index - 1];
    if (entry.runId && (previous === undefined || previous.runId !== entry.runId)) {
      view.runs += 1;
      const name = entry.command ? `${entry.command} · run ${entry.runId.slice(0, 8)}` : `run ${view.runs}`;
      list.appendChild(el('li', 'run', `${name} · ${entry.at.slice(0, 10)}`));
    }
    list.appendChild(timelineRow(index, entry));
    $('empty').hidden = true;
  }

  function renderSelection(): void {
    for (const row of document.querySelectorAll('#timeline li[data-index]')) {
      const selected = Number(row.getAttribute('data-index')) === view.cursor;
      row.classList.toggle('selected', selected);
      if (selected) scrollWithin($('timeline'), row, false);
    }
  }

  function renderStatus(): void {
    const session = view.session;
    if (session === null) return;
    const running = session.mode === 'live' && !session.finished;
    document.body.classList.toggle('running', running);
    $('mode').classList.toggle('running', running);
    const runs = new Set(view.entries.map((entry) => entry.runId)).size;
    let text: string;
    if (session.mode === 'live') text = running ? `running · ${view.entries.length} steps` : `run ended${session.note ? `: ${session.note}` : ''}`;
    else text = `${view.entries.length} transitions in ${runs}${runs === 1 ? ' run' : ' runs'} · state ${session.current || 'unknown'}`;
    $('status').textContent = text;
    $('status').title = text;
  }

  function setCursor(index: number): void {
    view.cursor = Math.max(-1, Math.min(index, view.entries.length - 1));
    view.follow = view.cursor === view.entries.length - 1;
    $<HTMLInputElement>('follow').checked = view.follow;
    renderChart();
    renderStep();
    renderControls();
    renderSelection();
  }

  function addEntry(entry: InspectorEntry): void {
    const last = view.entries[view.entries.length - 1];
    if (view.session === null || (last !== undefined && entry.seq <= last.seq)) return;
    view.entries.push(entry);
    view.session.current = entry.to;
    appendTimeline(view.entries.length - 1);
    if (view.follow) setCursor(view.entries.length - 1);
    else renderControls();
    renderStatus();
  }

  function connect(after: number): void {
    const source = new EventSource(`/api/events?after=${after}`);
    source.addEventListener('entry', (event: MessageEvent<string>) => addEntry(JSON.parse(event.data) as InspectorEntry));
    source.addEventListener('end', (event: MessageEvent<string>) => {
      if (view.session !== null) {
        view.session.finished = true;
        view.session.note = (JSON.parse(event.data) as { note: string | null }).note;
      }
      source.close();
      renderStatus();
    });
    source.onerror = () => {
      if (view.session?.finished !== true) $('status').textContent = 'connection lost · retrying…';
    };
  }

  function start(session: InspectorSession): void {
    view.session = session;
    view.entries = [];
    view.runs = 0;
    $('chart').innerHTML = session.svg;
    setZoom(false);
    $('mode').textContent = session.mode;
    $('mode').classList.add(session.mode);
    $('follow-label').hidden = session.mode !== 'live';
    $('empty').hidden = session.entries.length > 0;
    $('empty').textContent = session.note || (session.mode === 'live' ? 'waiting for the machine…' : 'no history on this station');
    for (const entry of session.entries) {
      view.entries.push(entry);
      appendTimeline(view.entries.length - 1);
    }
    setCursor(view.entries.length - 1);
    renderStatus();
    document.body.setAttribute('data-ready', 'true');
    const last = view.entries[view.entries.length - 1];
    if (session.mode === 'live' && !session.finished) connect(last === undefined ? 0 : last.seq);
  }

  $('zoom-fit').addEventListener('click', () => setZoom(true));
  $('zoom-actual').addEventListener('click', () => setZoom(false));
  $('step-first').addEventListener('click', () => setCursor(0));
  $('step-prev').addEventListener('click', () => setCursor(view.cursor - 1));
  $('step-next').addEventListener('click', () => setCursor(view.cursor + 1));
  $('step-last').addEventListener('click', () => setCursor(view.entries.length - 1));
  $<HTMLInputElement>('cursor').addEventListener('input', (event) => setCursor(Number((event.target as HTMLInputElement).value)));
  $<HTMLInputElement>('follow').addEventListener('change', (event) => {
    view.follow = (event.target as HTMLInputElement).checked;
    if (view.follow) setCursor(view.entries.length - 1);
  });
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement && event.target.type !== 'range') return;
    const moves: Record<string, number> = { ArrowLeft: view.cursor - 1, ArrowRight: view.cursor + 1, Home: 0, End: view.entries.length - 1 };
    const move = moves[event.key];
    if (move === undefined || view.session === null) return;
    event.preventDefault();
    setCursor(Math.max(0, move));
  });

  // An exported file carries its session inline and fetches nothing; a served page asks its server.
  const inlined = document.getElementById('session-data');
  const loading: Promise<InspectorSession> =
    inlined !== null
      ? Promise.resolve().then(() => JSON.parse(inlined.textContent ?? '') as InspectorSession)
      : fetch('/api/session', { cache: 'no-store' }).then((response) => {
          if (!response.ok) throw new Error(`the inspector answered ${response.status}`);
          return response.json() as Promise<InspectorSession>;
        });
  loading
    .then(start)
    .catch((error: unknown) => {
      $('status').textContent = `could not load the session: ${error instanceof Error ? error.message : String(error)}`;
    });
}

/** JavaScript of the inspector page: the function above, by its source text, called once. */
export const PAGE_SCRIPT = `(${runInspectorPage.toString()})();\n`;
