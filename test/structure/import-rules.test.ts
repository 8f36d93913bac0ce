// The layout's import rules hold: for every layer, each import of another layer that STYLE.md rule 1
// forbids is rejected by the project's own ESLint configuration, and each allowed one passes. A probe
// file is linted through ESLint's Node API (not written to disk) as if it sat in the layer's folder.
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/station.js';

/** A real module of each layer, imported by the probes. */
const TARGETS = {
  errors: 'src/errors.ts',
  formats: 'src/formats/version.ts',
  rollout: 'src/rollout/rollout-bucket.ts',
  machines: 'src/machines/station-services.ts',
  services: 'src/services/download.ts',
  'client-db': 'src/services/client-db/plan-db-upgrade.ts',
  persistence: 'src/persistence/snapshot-store.ts',
  // Not settings.ts: the server may read that one table (publish checks a release's settings).
  config: 'src/config/load-config.ts',
  runner: 'src/runner/run-machine.ts',
  server: 'src/server/serve.ts',
  fleet: 'src/fleet/parse-duration.ts',
  inspector: 'src/inspector/statechart.ts',
  demo: 'src/demo/run-demo.ts',
  cli: 'src/cli/main.ts',
  migrations: 'migrations/1764201600000-CreateStateTables.ts',
} as const;
type Layer = keyof typeof TARGETS;
const ALL = Object.keys(TARGETS) as Layer[];
const but = (...excluded: Layer[]): Layer[] => ALL.filter((layer) => !excluded.includes(layer));

interface Rule {
  /** Where the probe sits. */
  probe: string;
  /** Layers it may import values from. */
  imports: Layer[];
  /** Layers it may import types from only. */
  types?: Layer[];
}

/** STYLE.md rule 1 and README's "Layout of the code", written out independently of eslint/layer-imports.js. */
const RULES: Record<string, Rule> = {
  formats: { probe: 'src/formats/__layer-probe.ts', imports: ['formats', 'errors'] },
  // Staged rollout: pure rules over rollout.json, beside formats; every layer above may use them.
  rollout: { probe: 'src/rollout/__layer-probe.ts', imports: ['rollout', 'formats', 'errors'] },
  machines: { probe: 'src/machines/__layer-probe.ts', imports: ['machines', 'rollout', 'formats', 'errors'] },
  services: {
    probe: 'src/services/__layer-probe.ts',
    imports: ['services', 'client-db', 'rollout', 'formats', 'errors'],
    types: ['machines', 'persistence'],
  },
  'client-db': {
    probe: 'src/services/client-db/__layer-probe.ts',
    imports: ['client-db', 'services', 'rollout', 'formats', 'errors', 'migrations'],
    types: ['machines'],
  },
  persistence: { probe: 'src/persistence/__layer-probe.ts', imports: ['persistence', 'rollout', 'formats', 'errors', 'migrations'] },
  config: { probe: 'src/config/__layer-probe.ts', imports: ['config', 'rollout', 'formats', 'errors'] },
  runner: {
    probe: 'src/runner/__layer-probe.ts',
    imports: ['runner', 'machines', 'services', 'client-db', 'persistence', 'config', 'rollout', 'formats', 'errors'],
  },
  server: { probe: 'src/server/__layer-probe.ts', imports: ['server', 'rollout', 'formats', 'errors'] },
  // The fleet service: its own store (migrations, through persistence's one TypeORM opener only), no station code.
  fleet: { probe: 'src/fleet/__layer-probe.ts', imports: ['fleet', 'rollout', 'formats', 'errors', 'migrations'] },
  inspector: { probe: 'src/inspector/__layer-probe.ts', imports: ['inspector', 'rollout', 'formats', 'errors'] },
  demo: { probe: 'src/demo/__layer-probe.ts', imports: but('cli', 'inspector') },
  cli: { probe: 'src/cli/__layer-probe.ts', imports: ALL },
  migrations: { probe: 'migrations/__layer-probe.ts', imports: ['migrations'] },
  errors: { probe: 'src/errors.ts', imports: ['errors'] },
  library: { probe: 'src/index.ts', imports: ['runner', 'machines', 'rollout', 'formats', 'errors'] },
};

/** The real configuration; only the parser may also see probe files that are not on disk. */
function projectEslint(): ESLint {
  return new ESLint({
    cwd: repoRoot,
    overrideConfig: {
      languageOptions: {
        parserOptions: {
          projectService: {
            allowDefaultProject: ['src/*/__layer-probe.ts', 'src/services/client-db/__layer-probe.ts', 'migrations/__layer-probe.ts'],
            // One probe per layer: more than the default 8.
            maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 32,
          },
        },
      },
    },
  });
}

function specifier(from: string, to: string): string {
  const relative = path.posix.relative(path.posix.dirname(from), to).replace(/\.ts$/, '.js');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

let eslint: ESLint;

/** Lints `code` as the file `probe`; returns the lines the layer rule rejected, with its messages. */
async function rejectedLines(probe: string, code: string): Promise<Map<number, string>> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, probe) });
  const fatal = result?.messages.find((message) => message.fatal === true);
  if (fatal !== undefined) throw new Error(`${probe}: ${fatal.message}`);
  const lines = new Map<number, string>();
  for (const message of result?.messages ?? []) {
    if (message.ruleId === 'layers/imports') lines.set(message.line, message.message);
  }
  return lines;
}

beforeAll(() => {
  eslint = projectEslint();
});

// The first lint starts TypeScript's project service: slow on a loaded machine.
describe('import rules of the layout (npm run lint)', { timeout: 240_000 }, () => {
  it.each(Object.entries(RULES))('%s: every other layer is rejected unless allowed', async (_name, rule) => {
    const lines: string[] = [];
    const expected: { line: number; target: Layer; kind: 'value' | 'type'; allowed: boolean }[] = [];
    for (const target of ALL) {
      if (TARGETS[target] === rule.probe) continue;
      const from = specifier(rule.probe, TARGETS[target]);
      lines.push(`import * as value${lines.length} from '${from}';`);
      expected.push({ line: lines.length, target, kind: 'value', allowed: rule.imports.includes(target) });
      lines.push(`import type * as type${lines.length} from '${from}';`);
      const typesAllowed = rule.imports.includes(target) || (rule.types ?? []).includes(target);
      expected.push({ line: lines.length, target, kind: 'type', allowed: typesAllowed });
    }
    const rejected = await rejectedLines(rule.probe, `${lines.join('\n')}\n`);
    const wrong = expected
      .filter((entry) => rejected.has(entry.line) === entry.allowed)
      .map((entry) => `${entry.kind} import of ${entry.target} ${entry.allowed ? 'rejected' : 'allowed'}: ${lines[entry.line - 1]}`);
    expect(wrong).toEqual([]);
  });

  it('rejects a forbidden dynamic import(), export … from and typeof import()', async () => {
    const code = [
      "export async function load(): Promise<unknown> { return import('../services/download.js'); }",
      "export * from '../persistence/snapshot-store.js';",
      "export type Store = typeof import('../runner/run-machine.js');",
      "export { sha256File } from '../services/hash-file.js';",
      '',
    ].join('\n');
    const rejected = await rejectedLines('src/machines/__layer-probe.ts', code);
    expect([...rejected.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect(rejected.get(1)).toContain('machines may not import services');
  });

  it('a service imports only types from the machine: a value import names the fix', async () => {
    const rejected = await rejectedLines(
      'src/services/__layer-probe.ts',
      "import { stationMachine } from '../machines/station-machine.js';\nexport const machine = stationMachine;\n",
    );
    expect(rejected.get(1)).toContain('use `import type`');
  });

  it('allows the named single-file edges and nothing else of that layer', async () => {
    const server = await rejectedLines(
      'src/server/__layer-probe.ts',
      [
        "import { sha256File } from '../services/hash-file.js';",
        "import { fsyncPath } from '../services/atomic-file.js';",
        "import { fetchBytes } from '../services/fetch-resource.js';",
        'export const used = [sha256File, fsyncPath, fetchBytes];',
        '',
      ].join('\n'),
    );
    expect([...server.keys()]).toEqual([3]);
    const clientDb = await rejectedLines(
      'src/services/client-db/__layer-probe.ts',
      [
        "import { createSqliteDataSource } from '../../persistence/data-source.js';",
        "import { createMemorySnapshotStore } from '../../persistence/memory-snapshot-store.js';",
        'export const used = [createSqliteDataSource, createMemorySnapshotStore];',
        '',
      ].join('\n'),
    );
    expect([...clientDb.keys()]).toEqual([2]);
    const fleet = await rejectedLines(
      'src/fleet/__layer-probe.ts',
      [
        "import { createSqliteDataSource } from '../persistence/data-source.js';",
        "import { openSqliteOutbox } from '../persistence/sqlite-outbox.js';",
        'export const used = [createSqliteDataSource, openSqliteOutbox];',
        '',
      ].join('\n'),
    );
    expect([...fleet.keys()]).toEqual([2]);
  });

  it('a file in a folder that is no layer fails lint until the table names it', async () => {
    const rejected = await rejectedLines('src/helpers/__layer-probe.ts', 'export const x = 1;\n');
    expect(rejected.get(1)).toContain('is in no layer');
  });
});
