// Hashes many files on every core: a small pool of worker threads, each reading a file in 1 MiB
// blocks and hashing it. SHA-256 runs on the thread that calls update(), so streams alone use one core.
import os from 'node:os';
import { Worker } from 'node:worker_threads';

/** SHA-256 (uppercase hex) and size of one file. */
export interface FileDigest {
  hash: string;
  size: number;
}

/** A pool that hashes files in parallel; close it when done. */
export interface HashPool {
  hashFile(file: string): Promise<FileDigest>;
  close(): Promise<void>;
}

// Plain CommonJS source so the worker runs the same from TypeScript tests and from the build.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const block = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', ({ id, file }) => {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const hash = crypto.createHash('sha256');
    let size = 0;
    for (;;) {
      const n = fs.readSync(fd, block, 0, block.length, null);
      if (n === 0) break;
      hash.update(block.subarray(0, n));
      size += n;
    }
    parentPort.postMessage({ id, hash: hash.digest('hex').toUpperCase(), size });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message), code: error && error.code });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
});
`;

interface Reply {
  id: number;
  hash?: string;
  size?: number;
  error?: string;
  code?: string;
}

interface Job {
  id: number;
  file: string;
  resolve(digest: FileDigest): void;
  reject(error: Error): void;
}

/** Starts a pool of `size` hashing threads (default: one per core). */
export function createHashPool(size = os.availableParallelism()): HashPool {
  const queue: Array<Job | undefined> = [];
  const idle: Worker[] = [];
  const running = new Map<Worker, Job>();
  const workers: Worker[] = [];
  let nextId = 0;

  let head = 0; // queue.shift() moves the whole array: a head index keeps a long queue linear
  const pump = () => {
    while (idle.length > 0 && head < queue.length) {
      const worker = idle.pop() as Worker;
      const job = queue[head] as Job;
      queue[head] = undefined;
      head += 1;
      if (head === queue.length) queue.length = head = 0;
      running.set(worker, job);
      worker.postMessage({ id: job.id, file: job.file });
    }
  };

  for (let i = 0; i < Math.max(1, size); i += 1) {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const job = running.get(worker);
      running.delete(worker);
      idle.push(worker);
      if (job !== undefined) {
        if (reply.error !== undefined) {
          job.reject(Object.assign(new Error(`${job.file}: ${reply.error}`), { code: reply.code }));
        } else {
          job.resolve({ hash: reply.hash ?? '', size: reply.size ?? 0 });
        }
      }
      pump();
    });
    worker.on('error', (error) => {
      const job = running.get(worker);
      running.delete(worker);
      job?.reject(error);
    });
    workers.push(worker);
    idle.push(worker);
  }

  return {
    hashFile(file) {
      return new Promise<FileDigest>((resolve, reject) => {
        queue.push({ id: (nextId += 1), file, resolve, reject });
        pump();
      });
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
