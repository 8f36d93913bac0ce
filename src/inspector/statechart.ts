// The statechart as plain data, read from the machine definition itself (never a hard-coded list),
// so the inspector draws whatever states and transitions the machine has today.
import type { AnyStateMachine } from 'xstate';

type AnyStateNode = AnyStateMachine['root'];
type AnyTransition = NonNullable<AnyStateNode['always']>[number];

/** One state of the chart. */
export interface StatechartState {
  name: string;
  /** Tags of the state (e.g. `resting`). */
  tags: string[];
  /** Ids of the actors the state invokes (the services it runs). */
  invokes: string[];
}

/** One transition of the chart; `to` is null for a transition that stays (actions only). */
export interface StatechartTransition {
  from: string;
  to: string | null;
  /** The raw event type (`xstate.done.actor.probeServer`, `LAUNCH`, `` for always). */
  event: string;
  /** Guard name, when the transition is guarded. */
  guard: string | null;
  /** What a person reads on the arrow: `probeServer done [isOnline]`. */
  label: string;
}

/** The machine's states and transitions, in definition order. */
export interface Statechart {
  id: string;
  initial: string | null;
  states: StatechartState[];
  transitions: StatechartTransition[];
}

/** `xstate.done.actor.verifyFiles` → `verifyFiles done`; `` → `always`; other events unchanged. */
export function describeTransitionEvent(event: string): string {
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event);
  if (actor?.[1] !== undefined && actor[2] !== undefined) return `${actor[2]} ${actor[1] === 'done' ? 'done' : 'error'}`;
  const after = /^xstate\.after\.(\d+)\./.exec(event);
  if (after?.[1] !== undefined) return `after ${after[1]} ms`;
  if (event.startsWith('xstate.done.state.')) return 'done';
  if (event === '') return 'always';
  if (event === '*') return 'any event';
  return event;
}

function guardName(guard: AnyTransition['guard']): string | null {
  if (guard === undefined) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name === '' ? 'guard' : guard.name;
  return typeof guard.type === 'string' ? guard.type : 'guard';
}

/** The top-level state a (possibly nested) state node belongs to. */
function topLevelName(node: AnyStateNode): string | null {
  return node.path[0] ?? null;
}

function describeTransition(from: string, transition: AnyTransition): StatechartTransition {
  const target = transition.target?.[0];
  const guard = guardName(transition.guard);
  const event = String(transition.eventType);
  const base = describeTransitionEvent(event);
  return {
    from,
    to: target === undefined ? null : topLevelName(target),
    event,
    guard,
    label: guard === null ? base : `${base} [${guard}]`,
  };
}

/** Reads the top-level states of a machine and every transition out of them (flat machine, DESIGN §5). */
export function describeStatechart(machine: AnyStateMachine): Statechart {
  const root = machine.root;
  const states: StatechartState[] = [];
  const transitions: StatechartTransition[] = [];
  for (const [name, node] of Object.entries(root.states)) {
    states.push({
      name,
      tags: [...node.tags],
      invokes: node.invoke.map((invoke) => invoke.id),
    });
    for (const transition of node.always ?? []) transitions.push(describeTransition(name, transition));
    for (const list of node.transitions.values()) {
      for (const transition of list) transitions.push(describeTransition(name, transition));
    }
  }
  const initial = root.initial.target[0];
  return { id: root.id, initial: initial === undefined ? null : topLevelName(initial), states, transitions };
}

/** The top-level state of a snapshot value: `'ready'` → `ready`; `{ upgrading: 'backup' }` → `upgrading`. */
export function topLevelState(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return Object.keys(value)[0] ?? null;
  return null;
}
