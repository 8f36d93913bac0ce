// Configuration precedence (DESIGN §4): defaults → lib/mosip-application.properties →
// lib/spring.properties → REG_UPGRADER_* environment → flags; later wins, for every kind of value.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type SettingSource } from '../../src/config/load-config.js';
import { SETTINGS } from '../../src/config/settings.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A client folder whose lib/ holds the given properties files. */
async function station(files: { app?: string; spring?: string }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rcu-config-'));
  dirs.push(dir);
  await mkdir(path.join(dir, 'lib'));
  if (files.app !== undefined) await writeFile(path.join(dir, 'lib', 'mosip-application.properties'), files.app);
  if (files.spring !== undefined) await writeFile(path.join(dir, 'lib', 'spring.properties'), files.spring);
  return dir;
}

type Present = { app: boolean; spring: boolean; env: boolean; flag: boolean };
const S = (app: 0 | 1, spring: 0 | 1, env: 0 | 1, flag: 0 | 1): Present => ({
  app: app === 1,
  spring: spring === 1,
  env: env === 1,
  flag: flag === 1,
});

// Which sources set the value → the source that wins. Every one of the 16 combinations.
const PRECEDENCE: [Present, SettingSource, 'app' | 'spring' | 'env' | 'flag' | 'default'][] = [
  [S(0, 0, 0, 0), 'default', 'default'],
  [S(1, 0, 0, 0), 'properties', 'app'],
  [S(0, 1, 0, 0), 'properties', 'spring'],
  [S(1, 1, 0, 0), 'properties', 'spring'],
  [S(0, 0, 1, 0), 'env', 'env'],
  [S(1, 0, 1, 0), 'env', 'env'],
  [S(0, 1, 1, 0), 'env', 'env'],
  [S(1, 1, 1, 0), 'env', 'env'],
  [S(0, 0, 0, 1), 'flag', 'flag'],
  [S(1, 0, 0, 1), 'flag', 'flag'],
  [S(0, 1, 0, 1), 'flag', 'flag'],
  [S(1, 1, 0, 1), 'flag', 'flag'],
  [S(0, 0, 1, 1), 'flag', 'flag'],
  [S(1, 0, 1, 1), 'flag', 'flag'],
  [S(0, 1, 1, 1), 'flag', 'flag'],
  [S(1, 1, 1, 1), 'flag', 'flag'],
];

/** One setting of each kind, with a distinct value per source (as text, and as loaded). */
const KINDS = {
  number: { name: 'concurrency', text: { app: '5', spring: '6', env: '7', flag: '8' }, value: { app: 5, spring: 6, env: 7, flag: 8 } },
  url: {
    name: 'serverUrl',
    text: { app: 'http://app.example/', spring: 'http://spring.example/', env: 'http://env.example/', flag: 'http://flag.example/' },
    value: { app: 'http://app.example/', spring: 'http://spring.example/', env: 'http://env.example/', flag: 'http://flag.example/' },
  },
  list: {
    name: 'extraBackupPaths',
    text: { app: 'a', spring: 'b,c', env: 'd', flag: 'e,f' },
    value: { app: ['a'], spring: ['b', 'c'], env: ['d'], flag: ['e', 'f'] },
  },
} as const;

const kindRows = Object.entries(KINDS).flatMap(([kind, setting]) =>
  PRECEDENCE.map(([present, source, winner]) => [kind, present, source, winner, setting] as const),
);

describe('loadConfig: defaults → properties → environment → flags', () => {
  it.each(kindRows)('%s setting set by %o: %s wins', async (_kind, present, source, winner, setting) => {
    const spec = SETTINGS[setting.name];
    const line = (where: 'app' | 'spring') => `${spec.property}=${setting.text[where]}\n`;
    const dir = await station({
      ...(present.app ? { app: line('app') } : {}),
      ...(present.spring ? { spring: line('spring') } : {}),
    });
    const config = await loadConfig({
      clientDir: dir,
      env: present.env ? { [spec.env]: setting.text.env } : {},
      flags: present.flag ? { [spec.flag]: setting.text.flag } : {},
    });
    expect(config.sources[setting.name]).toBe(source);
    expect(config[setting.name]).toEqual(winner === 'default' ? spec.default : setting.value[winner]);
  });

  it.each<[string, Record<string, string>, Record<string, unknown>, boolean, SettingSource]>([
    ['nothing', {}, {}, false, 'default'],
    ['the environment', { REG_UPGRADER_ALLOW_DOWNGRADE: 'true' }, {}, true, 'env'],
    ['the flag', {}, { allowDowngrade: true }, true, 'flag'],
    ['the environment, turned off', { REG_UPGRADER_ALLOW_DOWNGRADE: 'false' }, {}, false, 'env'],
  ])('a switch set by %s', async (_by, env, flags, value, source) => {
    const dir = await station({ app: 'reg.upgrader.allow-downgrade=false\n' });
    const config = await loadConfig({ clientDir: dir, env, flags });
    expect(config.allowDowngrade).toBe(value);
    expect(config.sources.allowDowngrade).toBe(source === 'default' ? 'properties' : source);
  });

  it('derives the metadata URL from the server URL of whichever source won', async () => {
    const dir = await station({ app: 'mosip.reg.client.url=http://app.example/rc\n' });
    const config = await loadConfig({ clientDir: dir, env: { REG_UPGRADER_SERVER_URL: 'http://env.example/rc' }, flags: {} });
    expect(config.serverUrl).toBe('http://env.example/rc/');
    expect(config.metadataUrl).toBe('http://env.example/rc/maven-metadata.xml');
  });

  it.each<[string, { app?: string }, Record<string, string>, Record<string, unknown>, string]>([
    ['properties', { app: 'reg.upgrader.download.concurrency=lots\n' }, {}, {}, 'reg.upgrader.download.concurrency'],
    ['environment', {}, { REG_UPGRADER_CONCURRENCY: '0' }, {}, 'REG_UPGRADER_CONCURRENCY'],
    ['flag', {}, {}, { concurrency: '65' }, '--concurrency'],
    ['unknown environment variable', {}, { REG_UPGRADER_CONCURRENCYY: '4' }, {}, 'REG_UPGRADER_CONCURRENCYY'],
  ])('an invalid value from the %s stops with exit 64 naming its key', async (_source, files, env, flags, key) => {
    const dir = await station(files);
    await expect(loadConfig({ clientDir: dir, env, flags })).rejects.toMatchObject({ code: 'CONFIG_INVALID', exitCode: 64, details: { key } });
  });

  it('an invalid value in lib/ points to an override that lasts, and that override works', async () => {
    const dir = await station({ app: 'reg.upgrader.download.concurrency=lots\n' });
    const failed = loadConfig({ clientDir: dir, env: {}, flags: {} });
    await expect(failed).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { key: 'reg.upgrader.download.concurrency' } });
    await expect(failed).rejects.toThrow(/next patch.*REG_UPGRADER_CONCURRENCY in the launcher's environment or --concurrency/);
    expect((await loadConfig({ clientDir: dir, env: { REG_UPGRADER_CONCURRENCY: '3' }, flags: {} })).concurrency).toBe(3);
    expect((await loadConfig({ clientDir: dir, env: {}, flags: { concurrency: '2' } })).concurrency).toBe(2);
  });
});
