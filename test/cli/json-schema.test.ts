// Every command's --json output, success and failure, validates against the JSON Schema that ships
// in the package (schema/cli-output.schema.json), checked with ajv.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { createClientDb } from '../helpers/client-db.js';
import { bytesFor, cliPath, installStation, publish, repoRoot, runCli, tempDir, writeTree } from '../helpers/station.js';

const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schema', 'cli-output.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function expectValid(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  expect(lines, stdout).toHaveLength(1);
  const value = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  expect(validate(value), `${JSON.stringify(validate.errors)}\n${stdout}`).toBe(true);
  expect(value.schemaVersion).toBe(1);
  return value;
}

const MAPPINGS = JSON.stringify({ '1.0.0': { dbVersion: '1.0.0', releaseOrder: 1 }, '1.1.0': { dbVersion: '1.1.0', releaseOrder: 2 } });
const release = (version: string): Record<string, Buffer | string> => ({
  [`registration-client-${version}.jar`]: bytesFor(`client-${version}`, 5_000),
  [`registration-services-${version}.jar`]: bytesFor(`services-${version}`, 5_000),
  'spring.properties': `mosip.registration.verion.upgrade.version-mappings=${MAPPINGS}\n`,
  'sql/1.1.0/initial_db_scripts.sql': 'CREATE TABLE notes (id INTEGER);\n',
});

describe('--json output of every command validates against schema/cli-output.schema.json', () => {
  let root: string;
  let client: string;
  let server: StaticServer;
  let url: string;
  beforeAll(async () => {
    root = await tempDir('rcu-schema-root-');
    await publish(root, '1.0.0', release('1.0.0'));
    client = path.join(await tempDir('rcu-schema-client-'), 'station');
    await installStation(root, '1.0.0', client);
    createClientDb(client, '1.0.0', 5);
    server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
    url = `${server.url}registration-client/`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('publish: published, --check, refused', async () => {
    const lib = await tempDir('rcu-schema-lib-');
    await writeTree(lib, release('1.1.0'));
    expect(expectValid((await runCli(['publish', '1.1.0', lib, '--out', root, '--check', '--json'])).stdout)).toMatchObject({ checked: true });
    expect(expectValid((await runCli(['publish', '1.1.0', lib, '--out', root, '--json'])).stdout)).toMatchObject({ command: 'publish', latest: '1.1.0' });
    const refused = await runCli(['publish', '0.9.0', lib, '--out', root, '--json']);
    expect(refused.code).toBe(65);
    expect(expectValid(refused.stdout)).toMatchObject({ command: 'publish', error: { code: 'RELEASE_REFUSED' } });
  });

  it('start, upgrade, start, status, history, rollback; a usage error and a configuration error', async () => {
    const station = (...args: string[]) => runCli([...args, '--client-dir', client, '--server-url', url, '--json']);
    expect(expectValid((await station('start')).stdout)).toMatchObject({ state: 'upgradeAvailable' });
    expect(expectValid((await station('upgrade', '--yes')).stdout)).toMatchObject({ state: 'staged', exitCode: 10 });
    expect(expectValid((await station('start')).stdout)).toMatchObject({ state: 'done' });
    expect(expectValid((await station('status')).stdout)).toMatchObject({ command: 'status', installedVersion: '1.1.0' });
    expect(expectValid((await station('history')).stdout)).toMatchObject({ command: 'history' });
    expect(expectValid((await station('rollback', '--yes')).stdout)).toMatchObject({ command: 'rollback' });
    const usage = await runCli(['start', '--no-such-option', '--json']);
    expect(usage.code).toBe(64);
    expect(expectValid(usage.stdout)).toMatchObject({ command: 'start', error: { code: 'USAGE' } });
    const config = await runCli(['start', '--client-dir', client, '--concurrency', 'lots', '--json']);
    expect(config.code).toBe(64);
    expect(expectValid(config.stdout)).toMatchObject({ error: { code: 'CONFIG_INVALID' } });
  });

  it('inspect: serving (--host, --port) and --export', async () => {
    const file = path.join(await tempDir('rcu-schema-export-'), 'replay.html');
    const exported = expectValid((await runCli(['inspect', '--client-dir', client, '--export', file, '--json'])).stdout);
    expect(exported).toMatchObject({ command: 'inspect', exported: file, clientDir: client });
    expect((await fs.stat(file)).size).toBe(exported.bytes);
    const inspect = spawn(process.execPath, [cliPath, 'inspect', '--client-dir', client, '--host', '127.0.0.1', '--port', '0', '--json']);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        inspect.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out);
        });
        inspect.on('exit', (code) => reject(new Error(`inspect exited ${code}`)));
      });
      expect(expectValid(line)).toMatchObject({ command: 'inspect', host: '127.0.0.1', clientDir: client });
    } finally {
      inspect.kill('SIGTERM');
    }
  });

  it('publish --rollout-percent, rollout status|pause, a station held back by the rollout, fleet serve and fleet report', async () => {
    const own = await tempDir('rcu-schema-rollout-');
    const lib = await tempDir('rcu-schema-lib-');
    await writeTree(lib, release('1.1.0'));
    await publish(own, '1.0.0', release('1.0.0'));
    const published = await runCli(['publish', '1.1.0', lib, '--out', own, '--rollout-percent', '0', '--json']);
    expect(expectValid(published.stdout)).toMatchObject({ command: 'publish', rollout: { version: '1.1.0', percent: 0, serial: 1 } });
    expect(expectValid((await runCli(['rollout', 'status', own, '--json'])).stdout)).toMatchObject({ command: 'rollout', rollout: { percent: 0 }, signed: false });
    expect(expectValid((await runCli(['rollout', 'pause', own, '--reason', 'checking', '--json'])).stdout)).toMatchObject({ rollout: { paused: true, serial: 2 } });

    const held = path.join(await tempDir('rcu-schema-held-'), 'station');
    await installStation(own, '1.0.0', held);
    createClientDb(held, '1.0.0', 1);
    const served = await startStaticServer({ root: own, port: 0, host: '127.0.0.1' });
    try {
      const station = (...args: string[]) => runCli([...args, '--client-dir', held, '--server-url', `${served.url}registration-client/`, '--json']);
      expect(expectValid((await station('start')).stdout)).toMatchObject({ upgradeAvailable: false, bytesReused: 0, rollout: { version: '1.1.0', verdict: 'paused', included: false } });
      expect(expectValid((await station('status')).stdout)).toMatchObject({ rollout: { verdict: 'paused' } });
    } finally {
      await served.close();
    }

    const tokenFile = path.join(own, 'fleet-token');
    await fs.writeFile(tokenFile, 'a-fleet-token-of-some-length\n', { mode: 0o600 });
    const fleet = spawn(process.execPath, [cliPath, 'fleet', 'serve', '--port', '0', '--data-dir', path.join(own, 'fleet'), '--token-file', tokenFile, '--json']);
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        fleet.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out);
        });
        fleet.on('exit', (code) => reject(new Error(`fleet serve exited ${code}`)));
      });
      const listening = expectValid(line) as { url: string };
      expect(listening).toMatchObject({ command: 'fleet', database: 'sqlite' });
      expect(expectValid((await runCli(['fleet', 'report', '--fleet-url', listening.url, '--json'])).stdout)).toMatchObject({ command: 'fleet', stations: 0 });
    } finally {
      fleet.kill('SIGTERM');
    }
  });
});
