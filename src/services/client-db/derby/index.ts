// The Derby adapter of the client database port (DESIGN §12), for the runner and the CLI.
export { createDerbyClientDb } from './derby-client-db.js';
export type { DerbyClientDb, DerbyClientDbOptions } from './derby-client-db.js';
export type { DerbyClientDbSession } from './derby-session.js';
export { findJava, javaCandidates } from './find-java.js';
export { findDerbyJars, pickDerbyJars } from './find-derby-jar.js';
export { locateDbCredentials } from './db-credentials.js';
export type { CredentialSource } from './db-credentials.js';
