// Benchmark child: one Derby DB step through the adapter, as `start` runs it — open (one JVM), the
// mapped version's script in one transaction with its version key and history row, clean shutdown.
// argv: <clientDir> <credentialsFile> <version> <dbVersion>
import path from 'node:path';
import { createDerbyClientDb } from '../src/services/client-db/derby/index.js';
import { silentLogger } from '../src/services/logger.js';

const [clientDir = '', credentialsFile = '', version = '', dbVersion = ''] = process.argv.slice(2);
const db = createDerbyClientDb({ clientDir, dbDir: path.join(clientDir, 'db', 'reg'), credentialsFile });
const session = await db.open(silentLogger);
try {
  const outcome = await session.applyStep({ version, dbVersion, releaseOrder: 1 }, path.join(clientDir, 'lib'), { logger: silentLogger });
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
  if (outcome.outcome !== 'applied') process.exitCode = 1;
} finally {
  await session.close();
}
