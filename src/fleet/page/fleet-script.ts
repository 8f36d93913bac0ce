// The fleet page's script: reads the service's own API and builds the page with textContent only
// (a report's text can never become markup). Kept as a string: the page is one offline document.

/** JavaScript of the fleet page. */
export const FLEET_SCRIPT = String.raw`
'use strict';
const $ = (id) => document.getElementById(id);
const LIMIT = 500;
const filter = { version: '', state: '', errorCode: '', overdue: '', q: '' };

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

async function api(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
  return response.json();
}

function countList(listId, counts, attr, key) {
  const list = $(listId);
  list.replaceChildren();
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...rows.map((row) => row[1]));
  if (rows.length === 0) list.append(el('li', 'none'));
  for (const [name, n] of rows) {
    const item = el('li', null, { [attr]: name, 'aria-selected': String(filter[key] === name) });
    const label = el('span', name);
    const bar = el('div', null, { class: 'bar' });
    bar.style.width = Math.round((n / max) * 100) + '%';
    label.append(bar);
    item.append(label, el('span', n, { class: 'n' }));
    item.addEventListener('click', () => setFilter(key, filter[key] === name ? '' : name));
    list.append(item);
  }
}

async function loadSummary() {
  const summary = await api('v1/summary');
  $('stations-count').textContent = summary.stations;
  $('overdue-count').textContent = summary.overdue;
  $('overdue-after').textContent = Math.round(summary.overdueAfterMs / 36e5) + ' h';
  $('summary-at').textContent = summary.at;
  countList('versions', summary.versions, 'data-version', 'version');
  countList('states', summary.states, 'data-state', 'state');
  countList('failures', summary.failures24h, 'data-error-code', 'errorCode');
}

async function loadRollout() {
  const view = await api('v1/rollout');
  const section = $('rollout');
  if (view === null) { section.hidden = true; return; }
  const doc = view.document;
  section.hidden = false;
  section.dataset.paused = String(view.paused);
  $('rollout-version').textContent = doc ? doc.version : '—';
  $('rollout-percent').textContent = doc ? doc.percent : '100';
  $('rollout-status').textContent = doc === null ? (view.problem || 'no rollout.json: every version goes to every station') : view.paused ? 'paused' : 'rolling out';
  $('rollout-serial').textContent = doc ? 'serial ' + doc.serial + (view.signed ? ', signed' : ', unsigned') : '';
  $('rollout-reason').hidden = !view.paused;
  $('rollout-reason').textContent = view.paused ? 'why: ' + (view.reason || '(no reason given)') : '';
  $('rollout-rule').textContent = view.rule;
  const rows = view.versions.length > 0 || doc === null ? view.versions : [{ version: doc.version, attempted: 0, succeeded: 0, failed: 0 }];
  $('rollout-rows').replaceChildren(...rows.map((v) => {
    const tr = el('tr', null, { 'data-version': v.version, 'data-current': String(doc !== null && v.version === doc.version) });
    tr.append(el('td', v.version), el('td', v.attempted, { class: 'attempted' }), el('td', v.succeeded, { class: 'succeeded' }), el('td', v.failed, { class: 'failed' }));
    return tr;
  }));
}

function query() {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== '') params.set(key, value);
  params.set('limit', String(LIMIT));
  return params.toString();
}

async function loadStations() {
  const rows = await api('v1/stations?' + query());
  const body = $('station-rows');
  const fragment = document.createDocumentFragment();
  for (const s of rows) {
    const tr = el('tr', null, { 'data-station-id': s.stationId, 'data-overdue': String(s.overdue) });
    tr.append(
      el('td', s.machineName || s.stationId.slice(0, 8), { title: s.stationId }),
      el('td', s.hostName),
      el('td', s.installedVersion || '—'),
      el('td', s.announcedVersion || '—'),
      el('td', s.state, { class: 'state-' + s.state }),
      el('td', s.lastExitCode),
      el('td', s.lastErrorCode || '', { class: 'err' }),
      el('td', s.lastPhase || ''),
      el('td', s.lastSeen.replace('T', ' ').slice(0, 19), { class: 'seen' }),
      el('td', s.reports),
      el('td', s.dropped || ''),
    );
    tr.addEventListener('click', () => showHistory(s));
    fragment.append(tr);
  }
  body.replaceChildren(fragment);
  $('note').textContent = rows.length === LIMIT ? 'the first ' + LIMIT + ' stations; filter to see others' : rows.length + ' station(s)';
}

async function showHistory(station) {
  const reports = await api('v1/stations/' + encodeURIComponent(station.stationId) + '/reports?limit=200');
  $('history-title').textContent = (station.machineName || station.stationId) + ' — ' + station.hostName;
  $('history-id').textContent = station.stationId;
  const body = $('history-rows');
  body.replaceChildren(
    ...reports.map((r) => {
      const tr = el('tr', null, { 'data-event-id': r.eventId });
      tr.append(
        el('td', r.seq), el('td', r.at.replace('T', ' ').slice(0, 19)), el('td', r.command), el('td', r.installedVersion || '—'),
        el('td', r.announcedVersion || '—'), el('td', r.state, { class: 'state-' + r.state }), el('td', r.exitCode),
        el('td', r.errorCode || '', { class: 'err' }), el('td', r.phase || ''), el('td', r.bytesFetched), el('td', r.bytesReused || ''),
        el('td', r.rolloutIgnored ? 'ignored (--ignore-rollout)' : '', { class: 'ignored' }), el('td', r.durationMs + ' ms'),
      );
      return tr;
    }),
  );
  $('history').hidden = false;
  document.body.dataset.history = station.stationId;
}

async function refresh() {
  try {
    await Promise.all([loadSummary(), loadStations(), loadRollout()]);
    $('error').textContent = '';
  } catch (error) {
    $('error').textContent = String(error.message || error);
  }
  document.body.dataset.ready = 'true';
  document.body.dataset.filter = query();
}

function setFilter(key, value) {
  filter[key] = value;
  const input = $('f-' + key);
  if (input) input.value = value;
  document.body.dataset.ready = 'false';
  void refresh();
}

for (const key of Object.keys(filter)) {
  const input = $('f-' + key);
  input.addEventListener('change', () => setFilter(key, input.value.trim()));
}
$('clear').addEventListener('click', (event) => {
  event.preventDefault();
  for (const key of Object.keys(filter)) { filter[key] = ''; $('f-' + key).value = ''; }
  document.body.dataset.ready = 'false';
  void refresh();
});
$('filters').addEventListener('submit', (event) => event.preventDefault());
void refresh();
setInterval(() => { if (document.visibilityState === 'visible') void Promise.all([loadSummary(), loadRollout()]).catch(() => undefined); }, 30000);
`;
