// The chart is read from the machine definition (whatever states it has today), drawn offline by
// Graphviz, and annotated with the page's contract; the page itself loads nothing from elsewhere.
import vm from 'node:vm';
import { createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { renderInspectorPage } from '../../src/inspector/page/inspector-page.js';
import { PAGE_SCRIPT } from '../../src/inspector/page/page-script.js';
import { describeStatechart, describeTransitionEvent, topLevelState } from '../../src/inspector/statechart.js';
import { renderStatechartSvg, statechartToDot } from '../../src/inspector/statechart-svg.js';
import { STATION_STATES, stationMachine } from '../../src/machines/station-machine.js';

const toy = createMachine({
  id: 'toy',
  initial: 'idle',
  states: {
    idle: { on: { GO: 'busy', PING: { actions: () => undefined } } },
    busy: {
      invoke: { id: 'work', src: 'work', onDone: 'done', onError: { target: 'idle', guard: 'retryable' } },
      after: { 5000: 'idle' },
    },
    done: { tags: ['resting'], always: { guard: 'again', target: 'idle' } },
  },
});

describe('describeStatechart', () => {
  it('lists every state of the station machine, in definition order, starting at probing', () => {
    const chart = describeStatechart(stationMachine);
    expect(chart.states.map((state) => state.name)).toEqual(STATION_STATES);
    expect(chart.initial).toBe('probing');
    const probing = chart.states.find((state) => state.name === 'probing');
    expect(probing?.invokes).toEqual(['probeServer']);
    expect(chart.transitions).toContainEqual(
      expect.objectContaining({ from: 'probing', to: 'manifest', event: 'xstate.done.actor.probeServer', guard: 'isOnline', label: 'probeServer done [isOnline]' }),
    );
    expect(chart.transitions).toContainEqual(expect.objectContaining({ from: 'ready', to: 'probing', label: 'LAUNCH' }));
    for (const transition of chart.transitions) {
      expect(STATION_STATES).toContain(transition.from);
      if (transition.to !== null) expect(STATION_STATES).toContain(transition.to);
    }
  });

  it('reads any machine: events, delays, always, guards, tags and targetless transitions', () => {
    const chart = describeStatechart(toy);
    expect(chart).toMatchObject({ id: 'toy', initial: 'idle' });
    expect(chart.states).toEqual([
      { name: 'idle', tags: [], invokes: [] },
      { name: 'busy', tags: [], invokes: ['work'] },
      { name: 'done', tags: ['resting'], invokes: [] },
    ]);
    const labels = chart.transitions.map((t) => `${t.from} -> ${t.to ?? '(stays)'}: ${t.label}`);
    expect(labels.sort()).toEqual(
      [
        'idle -> busy: GO',
        'idle -> (stays): PING',
        'busy -> done: work done',
        'busy -> idle: work error [retryable]',
        'busy -> idle: after 5000 ms',
        'done -> idle: always [again]',
      ].sort(),
    );
  });

  it('describes events and state values as people read them', () => {
    expect(describeTransitionEvent('xstate.done.actor.verifyFiles')).toBe('verifyFiles done');
    expect(describeTransitionEvent('xstate.error.actor.patchFiles')).toBe('patchFiles error');
    expect(describeTransitionEvent('')).toBe('always');
    expect(describeTransitionEvent('UPGRADE')).toBe('UPGRADE');
    expect(topLevelState('ready')).toBe('ready');
    expect(topLevelState({ upgrading: 'backup' })).toBe('upgrading');
    expect(topLevelState(undefined)).toBeNull();
  });
});

describe('statechart drawing', () => {
  it('writes DOT with one node per state, merged labels, and restarts left out of the ranking', () => {
    const dot = statechartToDot(describeStatechart(toy));
    expect(dot).toContain('n0 [id="state_0"');
    expect(dot).toContain('start -> n0');
    expect(dot).toMatch(/n1 -> n0 \[id="edge_\d+", class="transition", label="work error \[retryable\]\\nafter 5000 ms", constraint=false\]/);
    expect(dot).toMatch(/n0 -> n0 \[[^\]]*label="PING", style=dashed/);
  });

  it('renders an SVG where every state of the machine carries data-state, with no external reference', async () => {
    const svg = await renderStatechartSvg(describeStatechart(stationMachine));
    expect(svg.startsWith('<svg')).toBe(true);
    const drawn = [...svg.matchAll(/data-state="([^"]+)"/g)].map((match) => match[1]);
    expect(drawn.sort()).toEqual([...STATION_STATES].sort());
    expect(svg).toMatch(/data-from="patch" data-to="checkingUpgrade"/);
    expect(svg).not.toContain('data-active');
    const urls = [...svg.matchAll(/(?:href|src)="([^"]*)"/g)].map((match) => match[1]);
    expect(urls).toEqual([]);
  });
});

describe('inspector page', () => {
  it('is one document whose script parses and that references nothing outside itself', () => {
    expect(() => new vm.Script(PAGE_SCRIPT)).not.toThrow();
    const html = renderInspectorPage('/srv/<station> & "kiosk"');
    expect(html).toContain('/srv/&lt;station&gt; &amp; &quot;kiosk&quot;');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+rel="stylesheet"/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/@import|url\(/);
  });
});
