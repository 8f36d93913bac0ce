// The inspector page's stylesheet, inlined into the HTML (no CDN, no network: DESIGN §11).

/** CSS of the inspector page. */
export const PAGE_STYLE = `
:root {
  --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --panel: #ffffff; --bg: #f1f5f9;
  --accent: #2563eb; --accent-dark: #1e40af; --visited: #dbeafe; --bad: #dc2626; --good: #15803d;
  font-family: system-ui, "Liberation Sans", Helvetica, Arial, sans-serif; color: var(--ink);
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); font-size: 14px; }
header { display: flex; align-items: center; gap: 12px; padding: 10px 18px; background: var(--ink); color: #fff; position: sticky; top: 0; z-index: 10; box-shadow: 0 1px 4px rgba(15, 23, 42, .35); }
header .brand { font-weight: 700; letter-spacing: .02em; white-space: nowrap; }
header h1 { font-size: 14px; font-weight: 400; margin: 0; opacity: .85; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; flex: 1; min-width: 120px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.badge { border-radius: 999px; padding: 2px 10px; font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: .06em; background: #475569; }
.badge.live { background: var(--bad); }
.badge.live.running::before { content: "● "; animation: blink 1.2s infinite; }
.badge.replay { background: var(--accent); }
#status { font-size: 13px; opacity: .9; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 55%; }
main { display: flex; gap: 14px; padding: 14px; align-items: flex-start; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
#chart-pane { flex: 3 1 0; min-width: 0; display: flex; flex-direction: column; align-items: center; }
#chart { width: 100%; overflow: auto; max-height: calc(100vh - 120px); }
#chart svg { display: block; margin: 0 auto; }
#chart.fit svg { width: 100%; height: auto; max-height: calc(100vh - 130px); }
.legend { font-size: 12px; color: var(--muted); display: flex; gap: 14px; margin-top: 6px; align-items: center; }
.zoom button { font: inherit; font-size: 12px; border: 1px solid var(--line); background: #f8fafc; padding: 2px 8px; cursor: pointer; }
.zoom button:first-child { border-radius: 6px 0 0 6px; }
.zoom button:last-child { border-radius: 0 6px 6px 0; border-left: 0; }
.zoom button[aria-pressed="true"] { background: var(--visited); font-weight: 700; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px; margin-right: 4px; border: 1px solid #94a3b8; }
aside { flex: 0 1 460px; min-width: 400px; max-width: 640px; display: flex; flex-direction: column; gap: 14px; }
h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); margin: 0 0 8px; }
#controls { display: flex; align-items: center; gap: 6px; }
#controls button { font: inherit; font-size: 17px; line-height: 1; min-width: 34px; border: 1px solid var(--line); background: #f8fafc; border-radius: 6px; padding: 5px 8px 7px; cursor: pointer; }
#controls button:hover:not(:disabled) { background: var(--visited); }
#controls button:disabled { opacity: .4; cursor: default; }
#cursor { flex: 1; accent-color: var(--accent); }
#position { font-variant-numeric: tabular-nums; color: var(--muted); min-width: 64px; text-align: right; }
#follow-label { font-size: 12px; color: var(--muted); white-space: nowrap; }
#step-title { font-size: 18px; font-weight: 700; margin-bottom: 2px; }
#step-title .arrow { color: var(--muted); font-weight: 400; margin: 0 6px; }
#step-meta { color: var(--muted); font-size: 12px; margin-bottom: 10px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
td { border-top: 1px solid var(--line); padding: 4px 6px; vertical-align: top; }
td.key { color: var(--muted); white-space: nowrap; width: 1%; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
tr.changed td { background: #fef9c3; }
td ul { margin: 0; padding-left: 16px; }
.none { color: #94a3b8; }
.error-text { color: var(--bad); font-weight: 600; }
#timeline { list-style: none; margin: 0; padding: 0; max-height: 42vh; overflow: auto; }
#timeline li { display: grid; grid-template-columns: 92px 1fr; gap: 2px 8px; padding: 5px 8px; border-radius: 6px; cursor: pointer; border-left: 3px solid transparent; }
#timeline li:hover { background: #f8fafc; }
#timeline li.selected { background: var(--visited); border-left-color: var(--accent); }
#timeline li.run { display: block; cursor: default; font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; padding-top: 10px; }
#timeline .time { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; color: var(--muted); }
#timeline .move { font-weight: 600; }
#timeline .why { grid-column: 2; font-size: 12px; color: var(--muted); }
#timeline .changes { grid-column: 2; font-size: 12px; color: #334155; overflow-wrap: anywhere; }
#empty { color: var(--muted); font-style: italic; }
g.node > path, g.node > polygon { fill: #fff; transition: fill .2s, stroke .2s; }
g.node.visited > path { fill: var(--visited); }
g.node[data-active="true"] > path { fill: var(--accent); stroke: var(--accent-dark); stroke-width: 2.5; }
g.node[data-active="true"] text { fill: #fff; }
g.node[data-active="true"].bad > path { fill: var(--bad); stroke: #991b1b; }
body.running g.node[data-active="true"] > path { animation: pulse 1.2s infinite; }
g.edge.taken > path { stroke: var(--accent); stroke-width: 2.5; }
g.edge.taken > polygon { fill: var(--accent); stroke: var(--accent); }
g.edge.taken text { fill: var(--accent-dark); font-weight: 700; }
@keyframes pulse { 50% { stroke-width: 5; } }
@keyframes blink { 50% { opacity: .2; } }
@media (max-width: 1000px) { main { flex-direction: column; } aside { max-width: none; min-width: 0; width: 100%; } }
`;
