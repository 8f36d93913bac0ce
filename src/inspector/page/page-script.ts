// The inspector page's script, inlined into the HTML. Plain browser JavaScript kept as a string
// (String.raw keeps regex backslashes; the script uses no backticks). It loads the session, draws
// the timeline, moves `data-active` on the chart, and follows a live run over EventSource.

/** JavaScript of the inspector page. */
export const PAGE_SCRIPT = String.raw`
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const view = { session: null, entries: [], cursor: -1, follow: true, runs: 0 };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function describeEvent(type) {
    let match = /^xstate\.done\.actor\.(.+)$/.exec(type);
    if (match) return match[1] + ' done';
    match = /^xstate\.error\.actor\.(.+)$/.exec(type);
    if (match) return match[1] + ' failed';
    match = /^xstate\.after\.(\d+)\./.exec(type);
    if (match) return 'after ' + match[1] + ' ms';
    if (type === 'xstate.init') return 'run started';
    return type;
  }

  function flatten(value, prefix, out) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const key of Object.keys(value)) flatten(value[key], prefix ? prefix + '.' + key : key, out);
    } else if (prefix) {
      out.set(prefix, value);
    }
    return out;
  }

  function isEmpty(value) {
    return value === null || value === undefined || (Array.isArray(value) && value.length === 0) ||
      (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);
  }

  function formatBytes(n) {
    if (n < 1024) return n + ' B';
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let value = n / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return value.toFixed(1) + ' ' + units[unit];
  }

  function formatScalar(key, value) {
    if (typeof value === 'boolean') return value ? 'yes' : 'no';
    if (typeof value === 'number' && /bytes/i.test(key)) return formatBytes(value) + (value >= 1024 ? ' (' + value.toLocaleString('en') + ' B)' : '');
    if (typeof value === 'number') return value.toLocaleString('en');
    return String(value);
  }

  function formatValue(key, value) {
    if (isEmpty(value)) return el('span', 'none', '—');
    if (Array.isArray(value)) {
      const list = el('ul');
      for (const item of value) list.appendChild(el('li', '', typeof item === 'string' ? item : JSON.stringify(item)));
      return list;
    }
    return el('span', /^error\./.test(key) ? 'error-text' : '', formatScalar(key, value));
  }

  function summarizeChange(key, value) {
    if (Array.isArray(value)) {
      const shown = value.slice(0, 3).map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
      return key + ': ' + shown.join(', ') + (value.length > 3 ? ' +' + (value.length - 3) + ' more' : '');
    }
    return key + ' ' + formatScalar(key, value);
  }

  function changesOf(index) {
    const entry = view.entries[index];
    const before = index > 0 && view.entries[index - 1].runId === entry.runId ? flatten(view.entries[index - 1].detail, '', new Map()) : new Map();
    const changed = new Map();
    for (const [key, value] of flatten(entry.detail, '', new Map())) {
      // At the start of a run, zeros and "no" are the defaults, not news.
      const unset = isEmpty(value) || (before.size === 0 && (value === 0 || value === false));
      if (!unset && JSON.stringify(value) !== JSON.stringify(before.get(key))) changed.set(key, value);
    }
    return changed;
  }

  function activeState() {
    if (view.cursor >= 0) return view.entries[view.cursor].to;
    return view.session ? view.session.current : null;
  }

  function renderChart() {
    const active = activeState();
    const entry = view.entries[view.cursor];
    const visited = new Set();
    for (let i = view.cursor; i >= 0 && view.entries[i].runId === (entry && entry.runId); i -= 1) {
      if (view.entries[i].from) visited.add(view.entries[i].from);
      if (view.entries[i].event === 'xstate.init' || view.entries[i].from === null) break;
    }
    const bad = Boolean(entry && entry.detail && entry.detail.error);
    for (const node of document.querySelectorAll('#chart [data-state]')) {
      const name = node.getAttribute('data-state');
      if (name === active) node.setAttribute('data-active', 'true');
      else node.removeAttribute('data-active');
      node.classList.toggle('visited', visited.has(name) && name !== active);
      node.classList.toggle('bad', name === active && bad);
    }
    for (const edge of document.querySelectorAll('#chart g.edge[data-from]')) {
      const taken = Boolean(entry && entry.from !== null && edge.getAttribute('data-from') === entry.from && edge.getAttribute('data-to') === entry.to);
      edge.classList.toggle('taken', taken);
    }
  }

  function renderStep() {
    const entry = view.entries[view.cursor];
    const title = $('step-title');
    const meta = $('step-meta');
    const table = $('context');
    title.replaceChildren();
    table.replaceChildren();
    if (!entry) {
      title.textContent = activeState() || 'no transitions yet';
      meta.textContent = view.session && view.session.note ? view.session.note : '';
      return;
    }
    title.append(el('span', '', entry.from || '·'), el('span', 'arrow', '→'), el('span', '', entry.to));
    meta.textContent = [describeEvent(entry.event), entry.at, entry.command, entry.command && entry.runId ? 'run ' + entry.runId.slice(0, 8) : '']
      .filter(Boolean).join(' · ');
    const changed = changesOf(view.cursor);
    for (const [key, value] of flatten(entry.detail, '', new Map())) {
      const row = el('tr', changed.has(key) ? 'changed' : '');
      const label = Array.isArray(value) && value.length > 0 ? key + ' (' + value.length + ')' : key;
      const cell = el('td');
      cell.appendChild(formatValue(key, value));
      row.append(el('td', 'key', label), cell);
      table.appendChild(row);
    }
  }

  function renderControls() {
    const n = view.entries.length;
    const slider = $('cursor');
    slider.max = String(Math.max(0, n - 1));
    slider.value = String(Math.max(0, view.cursor));
    slider.disabled = n < 2;
    $('position').textContent = (view.cursor + 1) + ' / ' + n;
    $('step-first').disabled = $('step-prev').disabled = view.cursor <= 0;
    $('step-last').disabled = $('step-next').disabled = view.cursor >= n - 1;
    document.body.setAttribute('data-cursor', String(view.cursor));
  }

  function timelineRow(index) {
    const entry = view.entries[index];
    const row = el('li');
    row.setAttribute('data-seq', String(entry.seq));
    row.setAttribute('data-index', String(index));
    row.append(el('span', 'time', entry.at.slice(11, 23)), el('span', 'move', (entry.from || '·') + ' → ' + entry.to));
    row.appendChild(el('span', 'why', describeEvent(entry.event)));
    const changes = [...changesOf(index)].map(([key, value]) => summarizeChange(key, value));
    if (changes.length > 0) row.appendChild(el('span', 'changes', changes.slice(0, 4).join(' · ')));
    row.addEventListener('click', () => setCursor(index));
    return row;
  }

  function appendTimeline(index) {
    const list = $('timeline');
    const entry = view.entries[index];
    const previous = view.entries[index - 1];
    if (entry.runId && (!previous || previous.runId !== entry.runId)) {
      view.runs += 1;
      const name = entry.command ? entry.command + ' · run ' + entry.runId.slice(0, 8) : 'run ' + view.runs;
      list.appendChild(el('li', 'run', name + ' · ' + entry.at.slice(0, 10)));
    }
    list.appendChild(timelineRow(index));
    $('empty').hidden = true;
  }

  function renderSelection() {
    for (const row of document.querySelectorAll('#timeline li[data-index]')) {
      const selected = Number(row.getAttribute('data-index')) === view.cursor;
      row.classList.toggle('selected', selected);
      if (selected) row.scrollIntoView({ block: 'nearest' });
    }
  }

  function renderStatus() {
    const session = view.session;
    const running = session.mode === 'live' && !session.finished;
    document.body.classList.toggle('running', running);
    $('mode').classList.toggle('running', running);
    const runs = new Set(view.entries.map((entry) => entry.runId)).size;
    let text;
    if (session.mode === 'live') text = running ? 'running · ' + view.entries.length + ' steps' : 'run ended' + (session.note ? ': ' + session.note : '');
    else text = view.entries.length + ' transitions in ' + runs + (runs === 1 ? ' run' : ' runs') + ' · state ' + (session.current || 'unknown');
    $('status').textContent = text;
    $('status').title = text;
  }

  function setCursor(index) {
    view.cursor = Math.max(-1, Math.min(index, view.entries.length - 1));
    view.follow = view.cursor === view.entries.length - 1;
    $('follow').checked = view.follow;
    renderChart();
    renderStep();
    renderControls();
    renderSelection();
  }

  function addEntry(entry) {
    const last = view.entries[view.entries.length - 1];
    if (last && entry.seq <= last.seq) return;
    view.entries.push(entry);
    view.session.current = entry.to;
    appendTimeline(view.entries.length - 1);
    if (view.follow) setCursor(view.entries.length - 1);
    else renderControls();
    renderStatus();
  }

  function connect(after) {
    const source = new EventSource('/api/events?after=' + after);
    source.addEventListener('entry', (event) => addEntry(JSON.parse(event.data)));
    source.addEventListener('end', (event) => {
      view.session.finished = true;
      view.session.note = JSON.parse(event.data).note;
      source.close();
      renderStatus();
    });
    source.onerror = () => {
      if (!view.session.finished) $('status').textContent = 'connection lost · retrying…';
    };
  }

  function start(session) {
    view.session = session;
    view.entries = [];
    view.runs = 0;
    $('chart').innerHTML = session.svg;
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
    if (session.mode === 'live' && !session.finished) connect(view.entries.length ? view.entries[view.entries.length - 1].seq : 0);
  }

  $('step-first').addEventListener('click', () => setCursor(0));
  $('step-prev').addEventListener('click', () => setCursor(view.cursor - 1));
  $('step-next').addEventListener('click', () => setCursor(view.cursor + 1));
  $('step-last').addEventListener('click', () => setCursor(view.entries.length - 1));
  $('cursor').addEventListener('input', (event) => setCursor(Number(event.target.value)));
  $('follow').addEventListener('change', (event) => {
    view.follow = event.target.checked;
    if (view.follow) setCursor(view.entries.length - 1);
  });
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement && event.target.type !== 'range') return;
    const moves = { ArrowLeft: view.cursor - 1, ArrowRight: view.cursor + 1, Home: 0, End: view.entries.length - 1 };
    if (!(event.key in moves) || !view.session) return;
    event.preventDefault();
    setCursor(Math.max(0, moves[event.key]));
  });

  fetch('/api/session', { cache: 'no-store' })
    .then((response) => {
      if (!response.ok) throw new Error('the inspector answered ' + response.status);
      return response.json();
    })
    .then(start)
    .catch((error) => {
      $('status').textContent = 'could not load the session: ' + error.message;
    });
})();
`;
