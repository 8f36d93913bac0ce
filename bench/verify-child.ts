// The product's verify step alone (verifyLib over the hashing pool), in its own process: what the
// CLI's `start` spends on hashing, without its start-up, state database and log.
// Usage: node verify-child.js <clientDir>; prints the findings as JSON.
import path from 'node:path';
import { createHashPool } from '../src/services/hash-pool.js';
import { readLocalManifest } from '../src/services/local-manifest.js';
import { verifyLib } from '../src/services/verify-lib.js';

const clientDir = process.argv[2];
if (clientDir === undefined) throw new Error('usage: verify-child.js <clientDir>');
const pool = createHashPool();
try {
  const { manifest } = await readLocalManifest(clientDir);
  const findings = await verifyLib(path.join(clientDir, 'lib'), manifest, pool);
  process.stdout.write(`${JSON.stringify({ ...findings, missing: findings.missing.length, mismatched: findings.mismatched.length })}\n`);
  if (findings.missing.length + findings.mismatched.length > 0) process.exitCode = 1;
} finally {
  await pool.close();
}
