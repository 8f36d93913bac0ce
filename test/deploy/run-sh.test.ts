// The Linux launcher template, run by sh against a served release: it acts on the upgrader's exit
// codes and starts the client the way MOSIP's run.bat does (the station's jre, lib/* on the
// classpath, MOSIP's main class), from a folder whose path has a space in it.
import { execFile, execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/formats/manifest.js';
import { startStaticServer, type StaticServer } from '../../src/server/serve.js';
import { javaToolsAvailable } from '../helpers/java-jars.js';
import { bytesFor, cliPath, installStation, publish, repoRoot, runCli, tempDir } from '../helpers/station.js';

const run = promisify(execFile);
const runSh = path.join(repoRoot, 'deploy/run.sh');
let server: StaticServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function launch(env: NodeJS.ProcessEnv): Promise<Outcome> {
  return run('sh', [runSh], { env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: Outcome) => error,
  );
}

async function launcherEnv(client: string, serverUrl: string, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const wrapper = path.join(await tempDir('rcu-wrap-'), 'rcu');
  await fs.writeFile(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@" --server-url "${serverUrl}"\n`, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { ...process.env, CLIENT_DIR: client, UPGRADER: wrapper, NO_COLOR: '1', ...extra };
  for (const key of ['JAVA', 'JAVA_OPTS', 'MAIN_CLASS', 'CLIENT_CMD', 'CLIENT_LOG']) if (!(key in extra)) delete env[key];
  return env;
}

/** A stand-in for the station's jre/bin/java that records its arguments, one per line. */
async function recordingJava(client: string): Promise<string> {
  const record = path.join(client, 'java-args.txt');
  await fs.mkdir(path.join(client, 'jre', 'bin'), { recursive: true });
  await fs.writeFile(path.join(client, 'jre', 'bin', 'java'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${record}"\necho java-ran\n`, { mode: 0o755 });
  return record;
}

async function station(prefix: string): Promise<{ root: string; client: string }> {
  const root = await tempDir(`${prefix}-root-`);
  const client = path.join(await tempDir(`${prefix}-`), 'station dir');
  return { root, client };
}

describe('deploy/run.sh launcher template', () => {
  it('applies a staged upgrade on launch, then starts the client with the station jre, lib/* and MOSIP main class', async () => {
    const { root, client } = await station('rcu-runsh');
    await publish(root, '1.0.0', { 'a.jar': bytesFor('a1', 1000) });
    await publish(root, '1.1.0', { 'a.jar': bytesFor('a2', 1000) });
    await installStation(root, '1.0.0', client);
    server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });
    const url = `${server.url}registration-client/`;
    expect((await runCli(['upgrade', '--yes', '--client-dir', client, '--server-url', url])).code).toBe(10);
    const record = await recordingJava(client);

    const result = await launch(await launcherEnv(client, url));
    expect(result.code).toBe(0);
    expect(parseManifest(await fs.readFile(path.join(client, 'MANIFEST.MF'))).version).toBe('1.1.0');
    expect((await fs.readFile(record, 'utf8')).trimEnd().split('\n')).toEqual([
      '-Xmx2048m',
      '-Xms2048m',
      '-Dfile.encoding=UTF-8',
      '-cp',
      `${client}/lib/*`,
      'io.mosip.registration.controller.Initialization',
    ]);
    // The client's output goes to startup.log, as with MOSIP's run.bat.
    expect(await fs.readFile(path.join(client, 'startup.log'), 'utf8')).toContain('java-ran');
    expect(result.stdout).not.toContain('java-ran');
  });

  it.runIf(javaToolsAvailable)('starts a real client jar from lib/ with real Java', async () => {
    const { root, client } = await station('rcu-runsh-java');
    const build = await tempDir('rcu-runsh-build-');
    const source = path.join(build, 'src', 'io', 'mosip', 'registration', 'controller');
    await fs.mkdir(source, { recursive: true });
    await fs.writeFile(
      path.join(source, 'Initialization.java'),
      'package io.mosip.registration.controller;\npublic class Initialization {\n  public static void main(String[] args) throws Exception {\n' +
        '    System.out.println("registration client started from " + new java.io.File(Initialization.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getPath()\n' +
        '      + " encoding " + System.getProperty("file.encoding"));\n  }\n}\n',
    );
    execFileSync('javac', ['--release', '11', '-d', path.join(build, 'classes'), path.join(source, 'Initialization.java')], { stdio: 'pipe' });
    const jar = path.join(build, 'registration-client-1.0.0.jar');
    execFileSync('jar', ['--create', '--file', jar, '-C', path.join(build, 'classes'), '.'], { stdio: 'pipe' });
    await publish(root, '1.0.0', { 'registration-client-1.0.0.jar': await fs.readFile(jar), 'a.jar': bytesFor('a1', 1000) });
    await installStation(root, '1.0.0', client);
    server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });

    const env = await launcherEnv(client, `${server.url}registration-client/`, { JAVA: 'java', JAVA_OPTS: '-Xmx64m -Dfile.encoding=UTF-8' });
    expect((await launch(env)).code).toBe(0);
    const log = await fs.readFile(path.join(client, 'startup.log'), 'utf8');
    expect(log).toContain(`registration client started from ${client}/lib/registration-client-1.0.0.jar encoding UTF-8`);
  });

  it('starts the installed version when the server sends a manifest that fails its checks (65)', async () => {
    const { root, client } = await station('rcu-runsh-65');
    await publish(root, '1.0.0', { 'a.jar': bytesFor('a1', 1000) });
    await installStation(root, '1.0.0', client);
    const before = await fs.readFile(path.join(client, 'lib', 'a.jar'));
    await fs.writeFile(path.join(root, 'registration-client', '1.0.0', 'MANIFEST.MF'), 'this is not a manifest\n\u0000\u0001');
    server = await startStaticServer({ root, port: 0, host: '127.0.0.1' });

    const result = await launch(await launcherEnv(client, `${server.url}registration-client/`, { CLIENT_CMD: 'echo client-started', CLIENT_LOG: '-' }));
    expect(result.stderr).toContain('failed their checks');
    expect(result.stderr).toContain('checking the installed client files');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('client-started');
    expect(await fs.readFile(path.join(client, 'lib', 'a.jar'))).toEqual(before);
  });

  it('does not start the client when files are damaged and the server is unreachable (21)', async () => {
    const { root, client } = await station('rcu-runsh-21');
    await publish(root, '1.0.0', { 'a.jar': bytesFor('a1', 1000) });
    await installStation(root, '1.0.0', client);
    await fs.rm(path.join(client, 'lib', 'a.jar'));
    const record = await recordingJava(client);
    const result = await launch(await launcherEnv(client, 'http://127.0.0.1:9/registration-client/'));
    expect(result.code).toBe(21);
    expect(result.stderr).toContain('missing or damaged');
    await expect(fs.access(record)).rejects.toThrow();
    await expect(fs.access(path.join(client, 'startup.log'))).rejects.toThrow();
  });
});
