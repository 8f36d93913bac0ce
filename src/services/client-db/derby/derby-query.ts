// Rows from the bridge's `query` answer as plain records keyed by column label.
import type { DerbyBridge } from './bridge-client.js';

/** Runs a query on the bridge; returns its rows as records (column label to value). */
export async function queryRows(bridge: DerbyBridge, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const answer = await bridge.request('query', { sql, params });
  const columns = Array.isArray(answer['columns']) ? answer['columns'].map(String) : [];
  const rows = Array.isArray(answer['rows']) ? (answer['rows'] as unknown[][]) : [];
  return rows.map((row) => Object.fromEntries(columns.map((column, index) => [column, row[index]])));
}
