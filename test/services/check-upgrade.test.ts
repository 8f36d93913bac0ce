// The upgrade check on its own: what maven-metadata.xml announces against the installed version,
// a server that cannot be read (a warning, never a failure) and the freeze warning across runs.
import { afterEach, describe, expect, it } from 'vitest';
import { checkUpgrade, type CheckUpgradeDeps } from '../../src/services/check-upgrade.js';
import { createHttpClient } from '../../src/services/http-client.js';
import { createMemoryLogger } from '../../src/services/logger.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const retry = { retries: 0, baseDelayMs: 1, maxDelayMs: 1 };
let server: TestServer | undefined;
afterEach(async () => server?.close());

const metadata = (latest: string) =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<metadata><groupId>io.mosip</groupId><artifactId>registration-client</artifactId>` +
      `<versioning><latest>${latest}</latest><release>${latest}</release><versions><version>${latest}</version></versions></versioning></metadata>\n`,
  );

async function depsFor(latest: string | null, memory?: Map<string, string>): Promise<CheckUpgradeDeps> {
  server = await startTestServer(latest === null ? {} : { '/maven-metadata.xml': metadata(latest) });
  const seen = memory ?? new Map<string, string>();
  return {
    client: createHttpClient({ connectTimeoutMs: 2_000, readTimeoutMs: 2_000, retry, env: {} }),
    metadataUrl: `${server.url}maven-metadata.xml`,
    versionMappings: '',
    logger: createMemoryLogger(),
    latestSeen: { get: () => Promise.resolve(seen.get('v')), set: (v) => Promise.resolve(void seen.set('v', v)) },
  };
}

describe('checkUpgrade', () => {
  it.each<[string, string, boolean, number, boolean]>([
    // announced, installed, allowDowngrade → comparison, warning?
    ['1.3.0', '1.2.0', false, 1, false],
    ['1.2.0', '1.2.0', false, 0, false],
    ['1.1.0', '1.2.0', false, -1, true],
    ['1.1.0', '1.2.0', true, -1, true],
  ])('announced %s, installed %s (downgrades allowed: %s) → %i', async (announced, installed, allow, comparison, warns) => {
    const output = await checkUpgrade(await depsFor(announced), installed, allow);
    expect(output).toMatchObject({ latestVersion: announced, comparison });
    expect(output.warning !== undefined).toBe(warns);
  });

  it('a server that cannot be read is a warning, not a failure: the client still starts', async () => {
    const deps = await depsFor(null);
    const output = await checkUpgrade(deps, '1.2.0', false);
    expect(output).toMatchObject({ latestVersion: null, comparison: 0 });
    expect(output.warning).toMatch(/upgrade check skipped/);
  });

  it('malformed metadata is bad data (65)', async () => {
    const deps = await depsFor('1.3.0');
    server?.setFile('/maven-metadata.xml', Buffer.from('<metadata><versioning>'));
    await expect(checkUpgrade(deps, '1.2.0', false)).rejects.toMatchObject({ exitCode: 65 });
  });

  it('run twice against a server that went back to an older "latest": the second run warns of a freeze', async () => {
    const memory = new Map<string, string>();
    const first = await checkUpgrade(await depsFor('1.3.0', memory), '1.2.0', false);
    expect(first.warning).toBeUndefined();
    await server?.close();
    const second = await checkUpgrade(await depsFor('1.2.5', memory), '1.2.0', false);
    expect(second).toMatchObject({ latestVersion: '1.2.5', comparison: 1 });
    expect(second.warning).toMatch(/1\.3\.0/);
    expect(memory.get('v')).toBe('1.3.0');
  });
});
