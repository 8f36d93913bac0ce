// Is the upgrade server reachable? Online means any HTTP answer at all (DESIGN §8); a refused
// connection, a DNS failure or a timeout means offline.
import type { Got } from 'got';
import { redactUrl } from '../errors.js';
import type { ProbeOutput } from '../machines/station-services.js';

/** Probes `url` once with a short timeout; never throws for network failures. */
export async function probeServer(client: Got, url: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutput> {
  try {
    const response = await client.get(url, {
      throwHttpErrors: false,
      timeout: { request: timeoutMs },
      retry: { limit: 0 },
      followRedirect: false,
      signal,
    });
    response.destroy?.();
    return { online: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
    return { online: false, reason: `${redactUrl(url)}: ${code}` };
  }
}
