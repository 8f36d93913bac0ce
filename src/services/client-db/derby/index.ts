// PLACEHOLDER until the Derby bridge lands (branch `derby`): replaced by the real adapter at merge.
import { ConfigError } from '../../../errors.js';
import type { ClientDbAdapter } from '../client-db-port.js';

/** Options of the Derby adapter. */
export interface DerbyClientDbOptions {
  clientDir: string;
  dbDir: string;
  classpath?: string[];
  credentialsFile?: string;
  env?: NodeJS.ProcessEnv;
  bridgeDir?: string;
}

/** The client database of a MOSIP station (encrypted Derby at db/reg). */
export function createDerbyClientDb(options: DerbyClientDbOptions): ClientDbAdapter {
  const unavailable = () => Promise.reject(new ConfigError('JAVA_NOT_FOUND', 'the Derby bridge is not built'));
  return { kind: 'derby', location: options.dbDir, exists: () => Promise.resolve(true), open: unavailable, peekVersion: unavailable, restore: unavailable };
}
