// The fleet page (GET /fleet/): one self-contained document; its script reads /fleet/v1/…
// relative to itself, so the page works behind a reverse proxy and with no internet.
import { FLEET_SCRIPT } from './fleet-script.js';
import { FLEET_STYLE } from './fleet-style.js';

/** The HTML of the fleet page. */
export function fleetPageHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fleet — reg-client-upgrader</title>
<style>${FLEET_STYLE}</style>
</head>
<body data-ready="false">
<header>
  <h1>Fleet</h1>
  <span class="figure"><b id="stations-count">…</b> stations</span>
  <span class="figure overdue"><b id="overdue-count">…</b> overdue (not heard from for <span id="overdue-after">…</span>)</span>
  <span class="figure">at <span id="summary-at" class="mono">…</span> (service clock)</span>
  <span id="error" role="alert"></span>
</header>
<main>
  <section id="rollout" class="card" hidden>
    <h2>Staged rollout</h2>
    <p><b id="rollout-version">…</b> at <b id="rollout-percent">…</b> % — <span id="rollout-status">…</span>
      <span id="rollout-serial" class="mono"></span></p>
    <p id="rollout-reason" hidden></p>
    <table>
      <thead><tr><th>version</th><th>attempted</th><th>succeeded</th><th>failed</th></tr></thead>
      <tbody id="rollout-rows"></tbody>
    </table>
    <p class="note">pauses when <span id="rollout-rule" class="mono"></span></p>
  </section>
  <section class="cards">
    <div class="card"><h2>Installed versions</h2><ul id="versions"></ul></div>
    <div class="card"><h2>States</h2><ul id="states"></ul></div>
    <div class="card"><h2>Failures, last 24 h, by error code</h2><ul id="failures"></ul></div>
  </section>
  <form id="filters">
    <label>version<input id="f-version" size="12"></label>
    <label>state<input id="f-state" size="14"></label>
    <label>error code<input id="f-errorCode" size="20"></label>
    <label>overdue<select id="f-overdue"><option value="">any</option><option value="true">overdue</option><option value="false">heard from</option></select></label>
    <label>station, machine or host<input id="f-q" size="24" type="search"></label>
    <button id="clear">clear</button>
    <span id="note"></span>
  </form>
  <section id="history" hidden>
    <h2 id="history-title"></h2>
    <div id="history-id" class="mono"></div>
    <table>
      <thead><tr><th>seq</th><th>at (station)</th><th>command</th><th>installed</th><th>announced</th><th>state</th><th>exit</th><th>error</th><th>phase</th><th>bytes</th><th>reused</th><th>rollout</th><th>duration</th></tr></thead>
      <tbody id="history-rows"></tbody>
    </table>
  </section>
  <table id="stations">
    <thead><tr><th>station</th><th>host</th><th>installed</th><th>announced</th><th>state</th><th>exit</th><th>error</th><th>phase</th><th>last seen</th><th>reports</th><th>dropped</th></tr></thead>
    <tbody id="station-rows"></tbody>
  </table>
</main>
<script>${FLEET_SCRIPT}</script>
</body>
</html>
`;
}
