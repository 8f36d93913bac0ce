// The station log: registration.log for people (one line per step, local time, plain words) and
// the same lines as JSON in a second file for tools; credentials never in either.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileLogger, localTimestamp, readableLine } from '../../src/services/logger.js';

describe('station log', () => {
  it('local time with its offset, level, command, message and facts as key=value', () => {
    const at = new Date(2026, 11, 2, 9, 4, 5);
    expect(localTimestamp(at)).toMatch(/^2026-12-02 09:04:05 [+-]\d\d:\d\d$/);
    expect(readableLine(at, 'warn', 'start', 'patched 2 file(s)', { files: ['a.jar', 'b.jar'], bytes: 12 })).toMatch(
      /^2026-12-02 09:04:05 [+-]\d\d:\d\d {2}WARN {3}start {5}patched 2 file\(s\) {2}\(files=a\.jar,b\.jar; bytes=12\)\n$/,
    );
  });

  it('writes readable lines to the log and JSON lines to the second file, below the level to neither, URLs without credentials', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rcu-log-'));
    const file = path.join(dir, 'registration.log');
    const jsonFile = path.join(dir, '.upgrade', 'registration.jsonl');
    const logger = createFileLogger({ file, jsonFile, level: 'info', bindings: { command: 'upgrade', run: 'r1' } });
    logger.debug('hidden detail');
    logger.info('server reachable', { url: 'https://user:secret@example.org/registration-client/' });
    logger.error('download failed: lib/a.jar');
    logger.close();
    const lines = (await fs.readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/INFO +upgrade +server reachable {2}\(url=https:\/\/example\.org\/registration-client\/\)$/);
    expect(lines[1]).toMatch(/ERROR +upgrade +download failed: lib\/a\.jar$/);
    expect(lines.join('\n')).not.toMatch(/[{}"]|secret/);
    const json = (await fs.readFile(jsonFile, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(json.map((entry) => entry.msg)).toEqual(['server reachable', 'download failed: lib/a.jar']);
    expect(json[0]).toMatchObject({ level: 30, command: 'upgrade', run: 'r1', url: 'https://example.org/registration-client/' });
  });
});
