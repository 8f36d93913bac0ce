// Draws the statechart offline: DOT text (pure, testable) laid out by Graphviz compiled to
// WebAssembly (@viz-js/viz), so the page needs no network and no layout code of its own.
import { instance } from '@viz-js/viz';
import type { Statechart, StatechartTransition } from './statechart.js';

/** One arrow of the drawing: every transition between the same two states shares it. */
interface Arrow {
  from: string;
  to: string | null;
  labels: string[];
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function groupArrows(transitions: StatechartTransition[]): Arrow[] {
  const arrows = new Map<string, Arrow>();
  for (const transition of transitions) {
    const key = `${transition.from}\u0000${transition.to ?? ''}`;
    const arrow = arrows.get(key) ?? { from: transition.from, to: transition.to, labels: [] };
    if (!arrow.labels.includes(transition.label)) arrow.labels.push(transition.label);
    arrows.set(key, arrow);
  }
  return [...arrows.values()];
}

/** Graphviz DOT of the chart: node `state_<i>` / edge `edge_<i>` ids let the SVG be annotated afterwards. */
export function statechartToDot(chart: Statechart): string {
  const index = new Map(chart.states.map((state, i) => [state.name, i]));
  const lines = [
    'digraph statechart {',
    '  graph [rankdir=TB, nodesep=0.15, ranksep=0.75, bgcolor="transparent", pad=0.15];',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=13, margin="0.2,0.06", fillcolor="#ffffff", color="#94a3b8", penwidth=1.4];',
    '  edge [fontname="Helvetica", fontsize=11, color="#64748b", fontcolor="#475569", arrowsize=0.7];',
  ];
  chart.states.forEach((state, i) => {
    const detail = [...state.invokes, ...state.tags.map((tag) => `«${tag}»`)].join(' ');
    const small = detail === '' ? '' : `<br/><font point-size="10" color="#64748b">${escapeHtml(detail)}</font>`;
    lines.push(`  n${i} [id="state_${i}", class="state", label=<<b>${escapeHtml(state.name)}</b>${small}>];`);
  });
  const initial = chart.initial === null ? undefined : index.get(chart.initial);
  if (initial !== undefined) {
    lines.push('  start [id="initial", shape=circle, width=0.16, fixedsize=true, label="", style=filled, fillcolor="#334155", color="#334155"];');
    lines.push(`  start -> n${initial} [id="initial_edge"];`);
  }
  groupArrows(chart.transitions).forEach((arrow, i) => {
    const from = index.get(arrow.from);
    const to = arrow.to === null ? from : index.get(arrow.to);
    if (from === undefined || to === undefined) return;
    const style = arrow.to === null ? ', style=dashed' : '';
    // Arrows back to the initial state start a new cycle: left out of the ranking, the chart reads top-down.
    const restart = arrow.to !== null && arrow.to === chart.initial && arrow.from !== chart.initial ? ', constraint=false' : '';
    lines.push(`  n${from} -> n${to} [id="edge_${i}", class="transition", label=${quote(arrow.labels.join('\n'))}${style}${restart}];`);
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * Adds the page's contract to Graphviz's SVG: `data-state="<name>"` on each state's group and
 * `data-from`/`data-to` on each arrow, and drops the XML prolog so the SVG can be inlined.
 */
export function annotateSvg(svg: string, chart: Statechart): string {
  const arrows = groupArrows(chart.transitions);
  return svg
    .replace(/^[\s\S]*?(?=<svg\b)/, '')
    .replace(/<!--[\s\S]*?-->\n?/g, '')
    .replace(/<g id="state_(\d+)" class="([^"]*)">/g, (whole, i: string, cls: string) => {
      const state = chart.states[Number(i)];
      return state === undefined ? whole : `<g id="state_${i}" class="${cls}" data-state="${escapeHtml(state.name)}">`;
    })
    .replace(/<g id="edge_(\d+)" class="([^"]*)">/g, (whole, i: string, cls: string) => {
      const arrow = arrows[Number(i)];
      if (arrow === undefined) return whole;
      return `<g id="edge_${i}" class="${cls}" data-from="${escapeHtml(arrow.from)}" data-to="${escapeHtml(arrow.to ?? arrow.from)}">`;
    });
}

/** The chart as an inline SVG string, with `data-state` on every state (DESIGN §11). */
export async function renderStatechartSvg(chart: Statechart): Promise<string> {
  const viz = await instance();
  const result = viz.render(statechartToDot(chart), { format: 'svg' });
  if (result.status !== 'success' || result.output === undefined) {
    throw new Error(`Graphviz could not draw the statechart: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  return annotateSvg(result.output, chart);
}
