// The Derby DB step (DESIGN §12): MOSIP's 1.2.0.1 upgrade script on an encrypted, password-protected
// 1.1.5.5 station database, through the adapter (one JVM, one transaction), beside Derby's own `ij`
// running the same script on a copy of the same database (one JVM, auto-commit, as MOSIP runs it).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { benchScript, sec, show, times, wallCpu, type BenchContext, type SectionResult } from '../context.js';
import { sideBySide, timeCommand, type CommandLine } from '../measure.js';

const DERBY_JAR = '/usr/share/java/derby.jar';
const DERBYTOOLS_JAR = '/usr/share/java/derbytools.jar';
const REGISTRATIONS = 2000;
const GOAL = 1.3;

/** INSERTs of a station's data: one centre (two languages), two operators, a machine, registrations. */
function stationData(): string {
  const lines = [
    ...['eng', 'ara'].map((lang) => `INSERT INTO "REG"."REGISTRATION_CENTER" ("ID", "NAME", "LOCATION_CODE", "LANG_CODE", "IS_ACTIVE", "CR_BY", "CR_DTIMES") VALUES ('10001', 'Centre', '14022', '${lang}', true, 'SYSTEM', current timestamp);`),
    ...['110011', '110012'].map((id) => `INSERT INTO "REG"."USER_DETAIL" ("ID", "NAME", "STATUS_CODE", "LANG_CODE", "IS_ACTIVE", "CR_BY", "CR_DTIMES") VALUES ('${id}', 'Operator', 'ACTIVE', 'eng', true, 'SYSTEM', current timestamp);`),
    `INSERT INTO "REG"."MACHINE_MASTER" ("ID", "NAME", "MAC_ADDRESS", "SERIAL_NUM", "PUBLIC_KEY", "KEY_INDEX", "MSPEC_ID", "LANG_CODE", "IS_ACTIVE", "CR_BY", "CR_DTIMES") VALUES ('10011', 'station-1', 'A4-BB', 'SN1', 'KEY', 'AB:CD', '1001', 'eng', true, 'SYSTEM', current timestamp);`,
  ];
  for (let index = 0; index < REGISTRATIONS; index += 1) {
    const id = `1000110001${String(index).padStart(5, '0')}20250103000000`;
    lines.push(`INSERT INTO "REG"."REGISTRATION" ("ID", "REG_TYPE", "STATUS_CODE", "LANG_CODE", "REG_USR_ID", "REGCNTR_ID", "APPROVER_USR_ID", "IS_ACTIVE", "CR_BY", "CR_DTIMES") VALUES ('${id}', 'NEW', 'REGISTERED', 'eng', '110011', '10001', '110012', true, '110011', current timestamp);`);
  }
  return `${lines.join('\n')}\n`;
}

/** The Derby step section; skipped (with a note) when Java or Debian's Derby jars are missing. */
export async function benchDerbyStep(ctx: BenchContext): Promise<SectionResult> {
  const title = 'Derby DB step: MOSIP 1.1.5.5 → 1.2.0.1';
  const repo = path.resolve(ctx.benchDir, '../..');
  if (!existsSync(DERBY_JAR) || !existsSync(DERBYTOOLS_JAR) || spawnSync('java', ['-version']).status !== 0) {
    return { title, method: 'Skipped: needs java and Debian\'s libderby-java/derby-tools.', rows: [], commands: [] };
  }
  const dir = path.join(ctx.work, 'derby');
  const fixtures = path.join(repo, 'test', 'fixtures', 'mosip', 'derby');
  const secrets = { boot: 'BenchBoot1234567890ab', user: 'BenchUserX', password: 'BenchPassword12345678' };
  const template = path.join(dir, 'template');
  await mkdir(template, { recursive: true });
  await writeFile(path.join(dir, 'data.sql'), stationData());
  ctx.log(`derby: building an encrypted 1.1.5.5 station database with ${REGISTRATIONS} registrations`);
  execFileSync('java', ['-cp', `${DERBY_JAR}:${DERBYTOOLS_JAR}`, path.join(repo, 'test/services/client-db/derby/MakeStation.java'),
    path.join(template, 'db', 'reg'), path.join(template, '.mosipkeys'), path.join(fixtures, 'initial-1.1.5.5-P1.sql'), path.join(dir, 'data.sql')],
  { input: `${secrets.boot}\n${secrets.user}\n${secrets.password}\n`, stdio: ['pipe', 'ignore', 'inherit'] });
  const credentials = path.join(dir, 'credentials.txt');
  await writeFile(credentials, `${secrets.boot}-BREAK-${secrets.user}-BREAK-${secrets.password}`);
  const ours = path.join(dir, 'ours');
  const ij = path.join(dir, 'ij');
  const script = path.join(fixtures, 'sql', '1.2.0.1', 'initial_db_scripts.sql');
  const ijInput = path.join(dir, 'ij-input.sql');
  await writeFile(ijInput, `connect 'jdbc:derby:${path.join(ij, 'db', 'reg')};bootPassword=${secrets.boot};user=${secrets.user};password=${secrets.password}';\nset schema REG;\nrun '${script}';\nexit;\n`);
  const fresh = async (client: string): Promise<void> => {
    await rm(client, { recursive: true, force: true });
    await cp(path.join(template, 'db'), path.join(client, 'db'), { recursive: true });
    await cp(DERBY_JAR, path.join(client, 'lib', 'derby-10.14.2.0.jar'));
    await cp(path.join(fixtures, 'sql', '1.2.0.1'), path.join(client, 'lib', 'sql', '1.2.0.1'), { recursive: true });
  };
  const oursLine = benchScript(ctx, 'derby-step-child.js', [ours, credentials, '1.2.0.1', '1.2.0.1']);
  const ijLine: CommandLine = { cmd: 'java', args: ['-Dderby.stream.error.file=/dev/null', '-cp', `${DERBY_JAR}:${DERBYTOOLS_JAR}`, 'org.apache.derby.tools.ij', ijInput], cwd: dir };
  try {
    ctx.log('derby: the 1.2.0.1 step through the adapter vs ij, each on a fresh copy');
    const m = await sideBySide(ctx.runs, { ours: () => timeCommand(oursLine), ij: () => timeCommand(ijLine) }, (tool) => fresh(tool === 'ours' ? ours : ij));
    const ratio = m.ours.ms / m.ij.ms;
    ctx.log(`derby: ours ${wallCpu(m.ours)}, ij ${wallCpu(m.ij)}`);
    return {
      title,
      method:
        `An encrypted (AES/CFB 256, boot password), BUILTIN-authenticated 1.1.5.5 station database built from MOSIP's initial.sql with ${REGISTRATIONS} registrations; ` +
        "MOSIP's sql/1.2.0.1/initial_db_scripts.sql (82 statements) run once per copy. Ours: `node` starting the adapter, which runs the bridge JVM with the station's " +
        'derby jar, opens the database, runs the script in one transaction with the version key and history row, and shuts Derby down cleanly. ' +
        "Baseline: Derby's `ij` running the same script on the same database in one JVM, auto-commit, as MOSIP does.",
      rows: [
        { measure: `Derby step 1.1.5.5 → 1.2.0.1, ${REGISTRATIONS} registrations (one JVM each)`, ours: wallCpu(m.ours), baseline: `${wallCpu(m.ij)} ij`, ratio: times(ratio), goal: `≤ ${GOAL}×`, met: ratio <= GOAL },
      ],
      notes: [`Ours includes Node's own start-up and the module loading of the adapter (${sec(m.ours.ms - m.ij.ms)} above ij in wall time).`],
      commands: [
        { label: 'ours', command: show(ctx, oursLine) },
        { label: 'baseline', command: show(ctx, ijLine) },
      ],
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
