// Where the database's secrets are (DESIGN §12): a credentials file the operator names (its text is
// `<boot>-BREAK-<user>-BREAK-<password>[-BREAK-<state>]`), else MOSIP's own .mosipkeys/db.conf with
// the non-TPM key reg.key beside it — <client>/.mosipkeys first, then the legacy ~/.mosipkeys
// (registration-client DaoConfig.backwardCompatibleFix, keymanager LocalClientCryptoServiceImpl).
// Only paths are found here: the Java bridge reads and decrypts, so no secret passes through Node.
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../errors.js';

/** What the bridge's `open` request needs to find the secrets. */
export type CredentialSource = { credentialsFile: string } | { dbConf: string; regKey: string };

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * The credentials for the station's database. Throws ConfigError DB_CREDENTIALS_INVALID when there are
 * none, DB_CREDENTIALS_TPM when db.conf is protected by the machine's TPM (no reg.key anywhere).
 */
export async function locateDbCredentials(clientDir: string, credentialsFile: string | undefined, env: NodeJS.ProcessEnv): Promise<CredentialSource> {
  if (credentialsFile !== undefined) {
    const file = path.resolve(clientDir, credentialsFile);
    if (!(await isFile(file))) {
      throw new ConfigError('DB_CREDENTIALS_INVALID', `The DB credentials file ${file} does not exist or is not a file.`, {
        details: { path: file },
      });
    }
    return { credentialsFile: file };
  }
  const home = env['HOME'] ?? env['USERPROFILE'] ?? homedir();
  const keyDirs = [path.join(clientDir, '.mosipkeys'), path.join(home, '.mosipkeys')];
  let dbConf: string | undefined;
  for (const dir of keyDirs) {
    if (await isFile(path.join(dir, 'db.conf'))) {
      dbConf = path.join(dir, 'db.conf');
      break;
    }
  }
  if (dbConf === undefined) {
    throw new ConfigError(
      'DB_CREDENTIALS_INVALID',
      `No database credentials: neither ${keyDirs.map((dir) => path.join(dir, 'db.conf')).join(' nor ')} exists. ` +
        'Name a file holding <bootPassword>-BREAK-<user>-BREAK-<password> with --db-credentials-file.',
      { details: { clientDir } },
    );
  }
  // LocalClientCryptoServiceImpl copies ~/.mosipkeys to <client>/.mosipkeys when reg.key is missing: look in both.
  for (const dir of [path.dirname(dbConf), ...keyDirs]) {
    if (await isFile(path.join(dir, 'reg.key'))) return { dbConf, regKey: path.join(dir, 'reg.key') };
  }
  throw new ConfigError(
    'DB_CREDENTIALS_TPM',
    `${dbConf} is protected by this machine's TPM (there is no non-TPM key reg.key beside it), which only the ` +
      'registration client itself can use. Write the decrypted text <bootPassword>-BREAK-<user>-BREAK-<password> to a ' +
      'file readable only by the upgrader and name it with --db-credentials-file (reg.upgrader.db.credentials-file, ' +
      'REG_UPGRADER_DB_CREDENTIALS_FILE).',
    { details: { path: dbConf } },
  );
}
