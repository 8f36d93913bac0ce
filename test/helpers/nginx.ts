// Starts a real nginx (Debian's package) on a temp config derived from deploy/nginx.conf, so tests
// exercise the production configuration itself. Use `describe.skipIf(!nginxAvailable)`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Options of startNginx. */
export interface NginxOptions {
  /** Folder nginx serves as its document root (the `--out` root of publish). */
  root: string;
  /** Port on 127.0.0.1; default: a free one. */
  port?: number;
  /** nginx `limit_rate` per connection, e.g. 65536 or '64k' (slow downloads for resume tests). */
  limitRate?: number | string;
  /** Serve HTTPS with this certificate and key (PEM files), as production does; default plain HTTP. */
  tls?: { cert: string; key: string };
}

/** A running nginx. */
export interface RunningNginx {
  /** `http://127.0.0.1:<port>/`, or `https://…` with `tls` */
  url: string;
  port: number;
  /** Folder holding the generated nginx.conf, logs and pid file. */
  prefix: string;
  /** Stops nginx (fast shutdown), waits for it to exit and removes its temp folder. */
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx', '/usr/local/nginx/sbin/nginx'];

/** Path of the nginx binary, or undefined when nginx is not installed. */
export const nginxBinary: string | undefined = CANDIDATES.find((candidate) => existsSync(candidate));

/** True when a real nginx can be started. */
export const nginxAvailable = nginxBinary !== undefined;

// From test/helpers/ or, compiled for `npm run torture`, from dist/test/helpers/.
const PRODUCTION_CONF = ['../../deploy/nginx.conf', '../../../deploy/nginx.conf']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((candidate) => existsSync(candidate)) ?? fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/** Starts nginx serving `root` and resolves once it answers TCP connections. */
export async function startNginx(options: NginxOptions): Promise<RunningNginx> {
  if (nginxBinary === undefined) throw new Error('nginx is not installed (apt-get install nginx-light)');
  const binary = nginxBinary;
  const prefix = await fs.mkdtemp(path.join(os.tmpdir(), 'nginx-test-'));
  const root = await fs.realpath(options.root);
  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort());
    const confPath = path.join(prefix, 'nginx.conf');
    await fs.writeFile(confPath, await testConfig({ root, port, prefix, limitRate: options.limitRate, tls: options.tls }));
    const child = spawn(binary, ['-p', `${prefix}/`, '-e', path.join(prefix, 'error.log'), '-c', confPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    try {
      await waitUntilListening(child, port, prefix);
    } catch (error) {
      process.off('exit', killOnExit);
      await stopChild(child);
      const inUse = error instanceof Error && /Address already in use/.test(error.message);
      if (inUse && options.port === undefined && attempt < 5) continue;
      await fs.rm(prefix, { recursive: true, force: true });
      throw error;
    }
    return {
      url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}/`,
      port,
      prefix,
      stop: async () => {
        process.off('exit', killOnExit);
        await stopChild(child);
        await fs.rm(prefix, { recursive: true, force: true });
      },
    };
  }
}

/**
 * deploy/nginx.conf with the machine-specific lines rewritten for a throwaway test instance. With
 * `tls` it serves HTTPS on the given certificate, exactly as production; without, the TLS lines are
 * dropped and it serves plain HTTP (every other directive unchanged), which most tests use.
 */
export async function testConfig(args: {
  root: string;
  port: number;
  prefix: string;
  limitRate?: number | string;
  tls?: { cert: string; key: string };
}): Promise<string> {
  let conf = await fs.readFile(PRODUCTION_CONF, 'utf8');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // Workers of a root master would run as `nobody` and could not read a 0700 temp folder.
  conf = replaceOnce(conf, /^user\s+[^;]*;/m, isRoot ? 'user root;' : '# user: unprivileged test run');
  conf = replaceOnce(conf, /^worker_processes\s+[^;]*;/m, 'worker_processes 1;');
  conf = replaceOnce(conf, /^pid\s+[^;]*;/m, `pid ${quote(path.join(args.prefix, 'nginx.pid'))};`);
  conf = replaceOnce(conf, /^error_log\s+[^;]*;/m, `error_log ${quote(path.join(args.prefix, 'error.log'))} warn;`);
  conf = replaceOnce(conf, /^(\s*)access_log\s+[^;]*;/m, `$1access_log ${quote(path.join(args.prefix, 'access.log'))};`);
  conf = replaceOnce(conf, /^(\s*)listen\s+[^;]*;/m, `$1listen 127.0.0.1:${args.port}${args.tls === undefined ? '' : ' ssl'};`);
  if (args.tls === undefined) {
    conf = conf.replace(/^\s*ssl_[a-z_]+\s[^;]*;\n/gm, '').replace(/^\s*add_header Strict-Transport-Security[^;]*;\n/m, '');
  } else {
    conf = replaceOnce(conf, /^(\s*)ssl_certificate\s+[^;]*;/m, `$1ssl_certificate ${quote(args.tls.cert)};`);
    conf = replaceOnce(conf, /^(\s*)ssl_certificate_key\s+[^;]*;/m, `$1ssl_certificate_key ${quote(args.tls.key)};`);
  }
  conf = replaceOnce(conf, /^(\s*)root\s+[^;]*;/m, `$1root ${quote(args.root)};`);
  const extra = tempPathDirectives(args.prefix);
  if (args.limitRate !== undefined) extra.push(`limit_rate ${String(args.limitRate)};`);
  conf = replaceOnce(conf, /^http\s*\{/m, `http {\n    ${extra.join('\n    ')}`);
  return `daemon off;\n${conf}`;
}

function replaceOnce(conf: string, pattern: RegExp, replacement: string): string {
  const global = new RegExp(pattern.source, `${pattern.flags}g`);
  const count = conf.match(global)?.length ?? 0;
  if (count !== 1) throw new Error(`deploy/nginx.conf: expected exactly one line matching ${pattern}, found ${count}`);
  return conf.replace(pattern, replacement);
}

function quote(value: string): string {
  return `"${value.replace(/(["\\$])/g, '\\$1')}"`;
}

// Each compiled-in module that buffers to disk has a temp path fixed at build time (Debian:
// /var/lib/nginx/…); point every one the binary knows into the prefix.
function tempPathDirectives(prefix: string): string[] {
  const info = spawnSync(nginxBinary ?? 'nginx', ['-V'], { encoding: 'utf8' });
  const configure = `${info.stdout}${info.stderr}`;
  const directives: string[] = [];
  for (const [flag, directive] of [
    ['client-body', 'client_body_temp_path'],
    ['proxy', 'proxy_temp_path'],
    ['fastcgi', 'fastcgi_temp_path'],
    ['uwsgi', 'uwsgi_temp_path'],
    ['scgi', 'scgi_temp_path'],
  ] as const) {
    const module = flag === 'client-body' ? undefined : `--without-http_${flag}_module`;
    if (module !== undefined && configure.includes(module)) continue;
    directives.push(`${directive} ${quote(path.join(prefix, `${flag}-temp`))};`);
  }
  return directives;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilListening(child: ChildProcess, port: number, prefix: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      void fs
        .readFile(path.join(prefix, 'error.log'), 'utf8')
        .catch(() => '')
        .then((log) => reject(new Error(`nginx exited (${code ?? signal}) before answering: ${stderr}${log}`)));
    });
  });
  exited.catch(() => undefined);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const answered = await Promise.race([canConnect(port), exited]);
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not answer on 127.0.0.1:${port} within 10 s`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
