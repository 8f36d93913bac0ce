// A throwaway PostgreSQL 15 cluster from Debian's packages, for the fleet tests and fleet-sim:
// initdb in a temporary folder owned by `postgres`, pg_ctl start on a free loopback port, stop and
// remove on `stop()`. Nothing of the machine's own clusters is touched.
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Folder of Debian's PostgreSQL 15 binaries. */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/** True when initdb and pg_ctl are installed (the tests skip otherwise). */
export const postgresAvailable = existsSync(path.join(POSTGRES_BIN, 'initdb')) && existsSync(path.join(POSTGRES_BIN, 'pg_ctl'));

/** A running cluster. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** URL of a fresh, empty database made in this cluster. */
  createDatabase(name: string): Promise<string>;
  /** CPU seconds the cluster's processes used so far (postmaster and backends, live and exited). */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as `postgres` when we are root (PostgreSQL refuses to run as root). */
async function pg(binary: string, args: string[]): Promise<void> {
  const file = path.join(POSTGRES_BIN, binary);
  const asRoot = process.getuid?.() === 0;
  await run(asRoot ? 'runuser' : file, asRoot ? ['-u', 'postgres', '--', file, ...args] : args, { timeout: 120_000 });
}

/** Starts a fresh cluster; `settings` are extra `-c name=value` server settings. */
export async function startPostgresCluster(settings: Record<string, string> = {}): Promise<PostgresCluster> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rcu-pg-'));
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', dir]);
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-instructions']);
  const port = await freePort();
  const options = { listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: dir, ...settings };
  const serverArgs = Object.entries(options).map(([name, value]) => `-c ${name}=${value}`).join(' ');
  await pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-o', serverArgs, '-w', '-t', '60', 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const { default: pgClient } = await import('pg');
  return {
    url,
    port,
    async createDatabase(name) {
      const client = new pgClient.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async cpuSeconds() {
      return clusterCpuSeconds(Number((await fs.readFile(path.join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]));
    },
    async stop() {
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** utime+stime of the postmaster with its waited-for children, plus its live children, from /proc (Linux, 100 ticks/s). */
async function clusterCpuSeconds(postmaster: number): Promise<number> {
  const fields = async (pid: string): Promise<string[] | undefined> => {
    const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    // The command name may hold spaces; the fields after it are fixed: state is field 3.
    return text?.slice(text.lastIndexOf(')') + 2).split(' ');
  };
  let ticks = 0;
  const main = await fields(String(postmaster));
  if (main !== undefined) ticks += Number(main[11]) + Number(main[12]) + Number(main[13]) + Number(main[14]);
  for (const pid of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const child = await fields(pid);
    if (child !== undefined && Number(child[1]) === postmaster) ticks += Number(child[11]) + Number(child[12]);
  }
  return ticks / 100;
}
