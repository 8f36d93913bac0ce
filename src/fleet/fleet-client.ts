// Reads the fleet service's summary and rollout, for `fleet report` and scripts.
import { NetworkError, redactUrl } from '../errors.js';
import type { RolloutView } from '../rollout/rollout-monitor-view.js';
import type { FleetSummary } from './fleet-store.js';

/** What `fleet report` shows: the summary, and the rollout the service watches (null: none). */
export interface FleetReport {
  summary: FleetSummary;
  rollout: RolloutView | null;
}

async function getJson(baseUrl: string, route: string, timeoutMs: number): Promise<{ status: number; body: unknown; shown: string }> {
  const url = new URL(route, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const shown = redactUrl(url.toString());
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error instanceof Error ? error.message : String(error));
    throw new NetworkError('FLEET_UNREACHABLE', `cannot reach the fleet service at ${shown} (${cause}); check --fleet-url and that fleet serve runs`, {
      cause: error,
      details: { url: shown },
    });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, shown };
}

/** GETs `<baseUrl>fleet/v1/summary`; throws FLEET_UNREACHABLE naming the URL when it cannot. */
export async function fetchFleetSummary(baseUrl: string, timeoutMs = 10_000): Promise<FleetSummary> {
  const { status, body, shown } = await getJson(baseUrl, 'fleet/v1/summary', timeoutMs);
  if (status !== 200 || typeof body !== 'object' || body === null || typeof (body as FleetSummary).stations !== 'number') {
    throw new NetworkError('FLEET_UNREACHABLE', `the fleet service at ${shown} answered HTTP ${status} without a summary`, { details: { url: shown, status } });
  }
  return body as FleetSummary;
}

/** The summary and `<baseUrl>fleet/v1/rollout` (null when the service watches none). */
export async function fetchFleetReport(baseUrl: string, timeoutMs = 10_000): Promise<FleetReport> {
  const summary = await fetchFleetSummary(baseUrl, timeoutMs);
  const { status, body, shown } = await getJson(baseUrl, 'fleet/v1/rollout', timeoutMs);
  if (status === 200 && body === null) return { summary, rollout: null };
  if (status !== 200 || typeof body !== 'object' || body === null || typeof (body as RolloutView).rule !== 'string') {
    throw new NetworkError('FLEET_UNREACHABLE', `the fleet service at ${shown} answered HTTP ${status} without a rollout`, { details: { url: shown, status } });
  }
  return { summary, rollout: body as RolloutView };
}

/** The summary as lines of text for people. */
export function formatFleetSummary(summary: FleetSummary): string[] {
  const table = (title: string, counts: Record<string, number>): string[] => {
    const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
    return [`${title}:`, ...(rows.length === 0 ? ['  (none)'] : rows.map(([key, n]) => `  ${String(n).padStart(7)}  ${key}`))];
  };
  const days = Math.round((summary.overdueAfterMs / 86_400_000) * 10) / 10;
  return [
    `stations: ${summary.stations}   overdue (not heard from for ${days} d): ${summary.overdue}   at ${summary.at}`,
    ...table('versions', summary.versions),
    ...table('states', summary.states),
    ...table('failures in the last 24 h, by error code', summary.failures24h),
  ];
}

/** The rollout as lines of text for people; none without a rollout. */
export function formatRolloutView(view: RolloutView | null): string[] {
  if (view === null) return [];
  const { document, tally } = view;
  const head =
    document === null
      ? `rollout: ${view.problem ?? 'no rollout.json (every version is offered to every station)'}`
      : `rollout: ${document.version} at ${document.percent} %${document.paused ? ', PAUSED' : ''} (serial ${document.serial}, ${view.signed ? 'signed' : 'unsigned'}): ${tally.attempted} attempted, ${tally.succeeded} succeeded, ${tally.failed} failed`;
  return [
    head,
    ...(document?.paused === true ? [`  why: ${view.reason ?? '(no reason given)'}`] : []),
    `  pauses when: ${view.rule}`,
    ...view.versions.filter((v) => v.version !== document?.version).map((v) => `  earlier ${v.version}: ${v.attempted} attempted, ${v.succeeded} succeeded, ${v.failed} failed`),
  ];
}
