// The fleet page's stylesheet (inline: the page loads nothing from anywhere else).

/** CSS of the fleet page. */
export const FLEET_STYLE = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d2733; background: #f4f6f8; }
body { margin: 0; }
header { background: #1d2733; color: #fff; padding: 10px 20px; display: flex; gap: 24px; align-items: baseline; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; }
header .figure b { font-size: 18px; }
header .overdue b { color: #ffb347; }
main { padding: 16px 20px; display: grid; gap: 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 16px; }
.card { background: #fff; border-radius: 6px; padding: 10px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.card h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #5b6b7b; margin: 0 0 6px; }
.card ul { list-style: none; margin: 0; padding: 0; max-height: 220px; overflow: auto; }
.card li { display: flex; justify-content: space-between; gap: 8px; padding: 2px 4px; cursor: pointer; border-radius: 3px; }
.card li:hover, .card li[aria-selected="true"] { background: #e3ecf6; }
.card li .n { font-variant-numeric: tabular-nums; font-weight: 600; }
.bar { height: 4px; background: #6b9bd1; border-radius: 2px; margin-top: 1px; }
form { display: flex; gap: 8px; flex-wrap: wrap; align-items: end; }
label { display: grid; font-size: 12px; color: #5b6b7b; }
input, select, button { font: inherit; padding: 3px 6px; }
table { width: 100%; border-collapse: collapse; background: #fff; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e6e9ee; white-space: nowrap; }
th { position: sticky; top: 0; background: #fff; font-size: 12px; color: #5b6b7b; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: #f0f5fb; }
tr[data-overdue="true"] td.seen { color: #b25d00; font-weight: 600; }
td.state-failed, td.err { color: #b3261e; }
#note { color: #5b6b7b; }
#history { background: #fff; padding: 10px 14px; border-radius: 6px; }
#history[hidden], #rollout[hidden], #rollout-reason[hidden] { display: none; }
#rollout p { margin: 4px 0; }
#rollout[data-paused="true"] #rollout-status, #rollout-reason { color: #b3261e; font-weight: 600; }
#rollout tr[data-current="true"] { font-weight: 600; }
.note { color: #5b6b7b; }
.mono { font-family: ui-monospace, monospace; font-size: 12px; }
`;
