// Which Java runs the bridge (DESIGN §12): the station's own <client>/jre/bin/java first (what MOSIP
// ships and runs the client with), then $JAVA_HOME/bin/java, then java on PATH.
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../../errors.js';

/** The places to look, in order (pure: a table-tested plan). */
export function javaCandidates(clientDir: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string[] {
  const windows = platform === 'win32';
  const pathModule = windows ? path.win32 : path.posix;
  const exe = windows ? 'java.exe' : 'java';
  const candidates = [pathModule.join(clientDir, 'jre', 'bin', exe)];
  const javaHome = env['JAVA_HOME'];
  if (javaHome !== undefined && javaHome.trim() !== '') candidates.push(pathModule.join(javaHome, 'bin', exe));
  const searchPath = env['PATH'] ?? env['Path'] ?? '';
  for (const dir of searchPath.split(windows ? ';' : ':')) {
    if (dir.trim() !== '') candidates.push(pathModule.join(dir, exe));
  }
  return candidates;
}

/** The first runnable Java of `javaCandidates`; throws ConfigError JAVA_NOT_FOUND naming where it looked. */
export async function findJava(clientDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const candidates = javaCandidates(clientDir, env);
  for (const candidate of candidates) {
    try {
      await access(candidate, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next place
    }
  }
  throw new ConfigError(
    'JAVA_NOT_FOUND',
    `No Java to open the station's Derby database: looked for ${candidates[0] ?? 'jre/bin/java'}, $JAVA_HOME/bin/java and java on PATH. ` +
      'Install Java 11 or later, or set JAVA_HOME.',
    { details: { clientDir } },
  );
}
