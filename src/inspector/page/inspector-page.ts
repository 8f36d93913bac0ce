// The inspector page: one self-contained HTML document (style and script inlined) that loads its
// data from the server that served it — or, exported (`inspect --export`), carries it inlined and
// fetches nothing at all (DESIGN §11).
import type { InspectorSession } from '../inspector-session.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// An exported file is opened from file://, where no server sends a header: the policy travels in
// the page and forbids every request (connect-src too), so the file can reach nothing.
const EXPORT_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** JSON inside <script>: `<` escaped so no string in the data can close the element. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * The whole page for a station. Without `session`, its data comes from `/api/session` (and
 * `/api/events` when live); with it, the data is inlined and the page is a file that needs no server.
 */
export function renderInspectorPage(title: string, session?: InspectorSession): string {
  const policy = session === undefined ? '' : `<meta http-equiv="Content-Security-Policy" content="${EXPORT_POLICY}">\n`;
  const data = session === undefined ? '' : `<script type="application/json" id="session-data">${inlineJson(session)}</script>\n`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${policy}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>inspector · ${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${PAGE_STYLE}</style>
</head>
<body data-ready="false">
<header>
  <span class="brand">reg-client-upgrader · inspector</span>
  <h1 id="title">${escapeHtml(title)}</h1>
  <span id="mode" class="badge">…</span>
  <span id="status">loading…</span>
</header>
<main>
  <section id="chart-pane" class="card">
    <div id="chart" aria-label="statechart"></div>
    <div class="legend">
      <span><i style="background:#2563eb"></i>current</span>
      <span><i style="background:#dbeafe"></i>visited in this run</span>
      <span><i style="background:#dc2626"></i>current, with an error</span>
      <span class="zoom"><button id="zoom-actual" title="labels at full size; scroll the chart">100 %</button><button id="zoom-fit" title="the whole chart in the pane">fit</button></span>
    </div>
  </section>
  <aside>
    <section class="card">
      <div id="controls">
        <button id="step-first" title="first step (Home)">«</button>
        <button id="step-prev" title="previous step (←)">‹</button>
        <input id="cursor" type="range" min="0" max="0" value="0" aria-label="step">
        <button id="step-next" title="next step (→)">›</button>
        <button id="step-last" title="last step (End)">»</button>
        <span id="position">0 / 0</span>
        <label id="follow-label" hidden><input id="follow" type="checkbox" checked> follow</label>
      </div>
    </section>
    <section class="card" id="step">
      <h2>Step</h2>
      <div id="step-title"></div>
      <div id="step-meta"></div>
      <table><tbody id="context"></tbody></table>
    </section>
    <section class="card">
      <h2>Events and transitions</h2>
      <p id="empty" hidden></p>
      <ol id="timeline"></ol>
    </section>
  </aside>
</main>
${data}<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
