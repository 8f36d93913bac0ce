// Reads the fleet service's summary, for `fleet report` and scripts.
import { NetworkError, redactUrl } from '../errors.js';
import type { FleetSummary } from './fleet-store.js';

/** GETs `<baseUrl>fleet/v1/summary`; throws FLEET_UNREACHABLE naming the URL when it cannot. */
export async function fetchFleetSummary(baseUrl: string, timeoutMs = 10_000): Promise<FleetSummary> {
  const url = new URL('fleet/v1/summary', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
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
  let summary: unknown;
  try {
    summary = JSON.parse(text);
  } catch {
    summary = undefined;
  }
  if (!response.ok || typeof summary !== 'object' || summary === null || typeof (summary as FleetSummary).stations !== 'number') {
    throw new NetworkError('FLEET_UNREACHABLE', `the fleet service at ${shown} answered HTTP ${response.status} without a summary`, {
      details: { url: shown, status: response.status },
    });
  }
  return summary as FleetSummary;
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
