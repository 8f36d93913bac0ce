// Hashes many files on every core: a small pool of worker threads, each reading a file in 1 MiB
// blocks and hashing it. SHA-256 runs on the thread that calls update(), so streams alone use one core.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { HASH_WORKER_SOURCE, type HashReply } from './hash-worker.js';

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
    const worker = new Worker(HASH_WORKER_SOURCE, { eval: true });
    worker.unref();
    worker.on('message', (reply: HashReply) => {
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
