// The body of a hash pool thread, as TypeScript: type-checked and linted with the rest, and run in
// the worker by its source text (`Function.toString`), so the same code serves the build and the
// tests that load src/ directly. It must stay self-contained: everything it uses comes in as an
// argument, since nothing around it exists in the worker.
import type * as Crypto from 'node:crypto';
import type * as Fs from 'node:fs';
import type { MessagePort } from 'node:worker_threads';

/** What the pool asks a thread: hash this file. */
export interface HashRequest {
  id: number;
  file: string;
}

/** What a thread answers: the digest, or the failure with its fs code. */
export interface HashReply {
  id: number;
  hash?: string;
  size?: number;
  error?: string;
  code?: string;
}

/** Answers every HashRequest on `port`: SHA-256 (uppercase hex) and size, read in 1 MiB blocks. */
export function serveHashRequests(port: MessagePort, fs: typeof Fs, crypto: typeof Crypto): void {
  const block = Buffer.allocUnsafe(1 << 20);
  port.on('message', ({ id, file }: HashRequest) => {
    let fd: number | undefined;
    let reply: HashReply;
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
      reply = { id, hash: hash.digest('hex').toUpperCase(), size };
    } catch (error) {
      const { message, code } = error as NodeJS.ErrnoException;
      reply = { id, error: String(message), ...(code === undefined ? {} : { code }) };
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    port.postMessage(reply);
  });
}

/**
 * The worker's whole program: serveHashRequests started on the thread's parent port. The modules come
 * from process.getBuiltinModule, which an evaluated worker has whether it runs as CommonJS or, when the
 * process was started with --input-type=module, as an ES module (where `require` does not exist).
 */
export const HASH_WORKER_SOURCE = `(${serveHashRequests.toString()})(
  process.getBuiltinModule('node:worker_threads').parentPort,
  process.getBuiltinModule('node:fs'),
  process.getBuiltinModule('node:crypto'));\n`;
