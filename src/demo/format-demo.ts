// The demo's story for a person: what was published, what broke, what each station command did
// (state, exit code, files, bytes, time), the checks, and where to look afterwards.
import type { DemoEvent, DemoReport, DemoStep } from './run-demo.js';

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A path as a shell argument (single-quoted when it needs it). */
export function shellArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function stepLines(step: DemoStep): string[] {
  const { result } = step;
  const mark = step.ok ? '✓' : '✗';
  const lines = [
    `  ${mark} ${result.command.padEnd(7)} ${step.title}`,
    `            → ${result.state}, exit ${result.exitCode} (${seconds(step.ms)})` +
      (step.ok ? '' : `  — expected ${step.expected.state}, exit ${step.expected.exitCode}`),
  ];
  const facts: string[] = [];
  // After a version upgrade `patched` lists every file applied from staging: a count reads better.
  if (result.state === 'done') facts.push(`applied ${result.patched.length} new or changed file(s)`);
  else if (result.patched.length > 0) facts.push(`patched ${result.patched.join(', ')}`);
  if (result.removed.length > 0) facts.push(`removed ${result.removed.length} file(s) the new manifest no longer lists`);
  facts.push(`${bytes(result.bytesFetched)} downloaded` + (result.bytesReused > 0 ? `, ${bytes(result.bytesReused)} reused from the station` : ''));
  if (result.state === 'upgradeAvailable') facts.push(`${result.latestVersion ?? '?'} announced`);
  if (result.state === 'staged') facts.push('backup taken, new release verified in .upgrade/staging');
  if (result.state === 'done') facts.push(`installed ${result.installedVersion ?? '?'}`);
  lines.push(`            ${facts.join('; ')}`);
  if (result.error !== null) lines.push(`            error ${result.error.code}: ${result.error.message}`);
  return lines;
}

/** Lines for one demo event, printed as it happens. */
export function formatDemoEvent(event: DemoEvent): string[] {
  switch (event.kind) {
    case 'published':
      return [`  published ${event.release.version.padEnd(8)} ${String(event.release.files).padStart(3)} files ${bytes(event.release.bytes).padStart(9)}  (${seconds(event.release.ms)})`];
    case 'serving':
      return [`  serving them at ${event.url} (embedded server: Range, ETag)`, '', 'Station'];
    case 'installed':
      return [
        `  installed ${event.version} in ${event.clientDir}: lib/, MANIFEST.MF, bin/, ` +
          (event.db === 'derby'
            ? `db/reg (Derby, encrypted, password-protected; credentials in .mosipkeys/db.conf as MOSIP keeps them) with ${event.registrations} registrations`
            : `db/reg.sqlite (${event.registrations} registrations)`),
      ];
    case 'damaged':
      return [...event.damage.map((d) => `  damaged lib/${d.name}: ${d.how}`), '', 'Station commands (the code path of the CLI)'];
    case 'step':
      return stepLines(event.step);
    case 'fleet': {
      const versions = Object.entries(event.fleet.summary.versions).map(([version, count]) => `${count} on ${version}`).join(', ');
      return [
        '',
        'Fleet',
        `  every run reported to the embedded fleet service at ${event.fleet.url} (SQLite in ${event.fleet.dataDir})`,
        `  summary: ${event.fleet.summary.stations} station(s), ${versions || 'no version yet'}; the station sent ${event.fleet.station?.reports ?? 0} report(s)`,
      ];
    }
    case 'checked':
      return [`  ${event.check.ok ? '✓' : '✗'} ${event.check.name}: ${event.check.detail}`];
  }
}

/** The heading printed before the first event. */
export function formatDemoHeading(dir: string): string[] {
  return [`reg-client-upgrader demo in ${dir}`, '', 'Release engineer'];
}

/** The closing lines: verdict, exit codes, and the commands to look further. */
export function formatDemoSummary(report: DemoReport, cli: string): string[] {
  const codes = report.steps.map((step) => `${step.result.command} ${step.result.exitCode}`).join(', ');
  const station = shellArg(report.clientDir);
  const verdict = report.ok ? `Demo passed in ${seconds(report.ms)}.` : `Demo FAILED after ${seconds(report.ms)}.`;
  const fetched = report.steps.reduce((sum, step) => sum + step.result.bytesFetched, 0);
  const reused = report.steps.reduce((sum, step) => sum + step.result.bytesReused, 0);
  const full = report.releases.at(-1)?.bytes ?? 0;
  return [
    '',
    `${verdict} Exit codes: ${codes}.`,
    `Downloaded ${bytes(fetched)} in all${reused > 0 ? ` (${bytes(reused)} reused from the station)` : ''}; the full ${report.releases.at(-1)?.version ?? ''} release is ${bytes(full)}: only damaged, new and changed files travel.`,
    '',
    'Look around (the server is stopped; these read the station only):',
    `  ${cli} status  --client-dir ${station}`,
    `  ${cli} history --client-dir ${station}`,
    `  ${cli} inspect --client-dir ${station}    # statechart and replay in a browser`,
    `  less ${shellArg(`${report.clientDir}/registration.log`)}`,
    ...(report.fleet === null
      ? []
      : [`  ${cli} fleet serve --data-dir ${shellArg(report.fleet.dataDir)} --token-file ${shellArg(report.fleet.tokenFile)}    # the fleet page again, at http://127.0.0.1:8090/fleet/`]),
    `Remove ${shellArg(report.dir)} when done.`,
  ];
}
