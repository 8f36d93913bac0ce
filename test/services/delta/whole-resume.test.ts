// A whole download killed early, then a differential attempt that finds too little to reuse in the
// part (over 80 % missing): the part is resumed by Range, not fetched again from its first byte.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexBlocks, serializeBlockIndex } from '../../../src/formats/block-index.js';
import { startStaticServer, type StaticServer } from '../../../src/server/serve.js';
import { downloadDelta } from '../../../src/services/delta/download-delta.js';
import { downloadFile, type DownloadJob } from '../../../src/services/download.js';
import { createHttpClient } from '../../../src/services/http-client.js';
import { randomContent, sha256, tempDir } from '../../helpers/station.js';

const retry = { retries: 0, baseDelayMs: 1, maxDelayMs: 5 };
const file = randomContent(2 * 1024 * 1024);
const index = serializeBlockIndex(indexBlocks(file));
const client = () => createHttpClient({ connectTimeoutMs: 5000, readTimeoutMs: 5000, retry });

describe('a whole fallback after a killed whole download', () => {
  let root: string;
  let server: StaticServer;
  let job: DownloadJob;
  const delta = () => ({ indexUrl: `${server.url}module.jar.blockmap`, indexSha256: sha256(index), localFiles: [] });

  beforeAll(async () => {
    root = await tempDir('rcu-whole-resume-');
    await fs.mkdir(path.join(root, 'srv'));
    await fs.writeFile(path.join(root, 'srv', 'module.jar'), file);
    await fs.writeFile(path.join(root, 'srv', 'module.jar.blockmap'), index);
    server = await startStaticServer({ root: path.join(root, 'srv') });
    const finalPath = path.join(root, 'station', 'module.jar');
    job = { url: `${server.url}module.jar`, partPath: `${finalPath}.part`, finalPath, expectedSha256: sha256(file), expectedSize: file.length, label: 'module.jar' };
  });
  afterAll(async () => {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('resumes the part by Range instead of starting over', async () => {
    const stop = new AbortController();
    const killed = downloadFile(client(), job, { retry, signal: stop.signal, onProgress: ({ bytes }) => (bytes >= 256 * 1024 ? stop.abort() : undefined) });
    await expect(killed).rejects.toThrow();
    const kept = (await fs.stat(job.partPath)).size;
    expect(kept).toBeGreaterThanOrEqual(256 * 1024);
    expect(kept).toBeLessThan(0.2 * file.length); // too little to assemble from: the plan says whole

    const logged: string[] = [];
    const result = await downloadDelta(client(), job, delta(), { retry, log: (message) => logged.push(message) });
    expect(sha256(await fs.readFile(job.finalPath))).toBe(sha256(file));
    expect(logged.some((message) => message.startsWith('fetching module.jar whole'))).toBe(true);
    expect(result.resumed).toBe(true);
    // The index, then the rest of the file after the part: the part's bytes are not fetched again.
    expect(result.bytesFetched).toBe(index.length + file.length - kept);
    expect((await fs.readdir(path.dirname(job.finalPath))).sort()).toEqual(['module.jar']);
  });
});
