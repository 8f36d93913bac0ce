// @ts-check
// The layout's import rules (STYLE.md rule 1, README "Layout of the code"), written once: every folder
// of src/ is a layer, and each layer lists what it may import. An ESLint rule checks every static
// import, `export … from`, dynamic `import()` and `typeof import()` against this table, so a change
// that breaks the layout fails `npm run lint`.
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * @typedef {object} Layer
 * @property {string} name  how messages and other rows name it
 * @property {string} path  its files: a folder ending in `/`, or one file without its extension
 * @property {string[]} imports  layers it may import
 * @property {string[]} [types]  layers it may import types from only (`import type`)
 * @property {string[]} [files]  single files of other layers it may import (path without extension), each with its reason
 */

/** The layers, most specific path first (a file belongs to the first row whose path holds it). */
export const LAYERS = /** @type {Layer[]} */ ([
  { name: 'errors', path: 'src/errors', imports: [] },
  { name: 'library', path: 'src/index', imports: ['runner', 'machines', 'rollout', 'formats', 'errors'] },
  { name: 'migrations', path: 'migrations/', imports: [] },
  { name: 'formats', path: 'src/formats/', imports: ['errors'] },
  // Staged rollout: pure rules over rollout.json (DESIGN §13), like formats.
  { name: 'rollout', path: 'src/rollout/', imports: ['formats', 'errors'] },
  { name: 'machines', path: 'src/machines/', imports: ['rollout', 'formats', 'errors'] },
  {
    name: 'client-db',
    path: 'src/services/client-db/',
    imports: ['services', 'rollout', 'formats', 'errors', 'migrations'],
    types: ['machines'],
    // The one way to open SQLite through TypeORM (pragmas, migrations only), shared with state.db.
    files: ['src/persistence/data-source'],
  },
  { name: 'services', path: 'src/services/', imports: ['client-db', 'rollout', 'formats', 'errors'], types: ['machines', 'persistence'] },
  { name: 'persistence', path: 'src/persistence/', imports: ['rollout', 'formats', 'errors', 'migrations'] },
  { name: 'config', path: 'src/config/', imports: ['rollout', 'formats', 'errors'] },
  {
    name: 'runner',
    path: 'src/runner/',
    imports: ['machines', 'services', 'client-db', 'persistence', 'config', 'rollout', 'formats', 'errors'],
  },
  {
    name: 'server',
    path: 'src/server/',
    imports: ['rollout', 'formats', 'errors'],
    // File primitives: the same SHA-256 the stations check, and the same fsync-then-rename. publish's
    // release checks read what stations read the same way: the settings table and the trusted key.
    files: ['src/services/hash-file', 'src/services/atomic-file', 'src/config/settings', 'src/services/manifest-signature'],
  },
  // The fleet service (DESIGN §13): its own storage on SQLite or PostgreSQL through the one TypeORM opener.
  { name: 'fleet', path: 'src/fleet/', imports: ['rollout', 'formats', 'errors', 'migrations'], files: ['src/persistence/data-source'] },
  { name: 'inspector', path: 'src/inspector/', imports: ['rollout', 'formats', 'errors'] },
  {
    name: 'demo',
    path: 'src/demo/',
    imports: ['runner', 'server', 'fleet', 'services', 'client-db', 'persistence', 'config', 'machines', 'rollout', 'formats', 'errors', 'migrations'],
  },
  {
    name: 'cli',
    path: 'src/cli/',
    imports: ['demo', 'runner', 'server', 'fleet', 'inspector', 'services', 'client-db', 'persistence', 'config', 'machines', 'rollout', 'formats', 'errors', 'migrations'],
  },
]);

/**
 * The layer a repository path (relative, `/`-separated) belongs to; null outside src/ and migrations/.
 * @param {string} relative
 * @returns {Layer | null | undefined} undefined: under src/ but in no layer
 */
function layerOf(relative) {
  const withoutExt = relative.replace(/\.[cm]?[jt]s$/, '');
  const layer = LAYERS.find((row) => (row.path.endsWith('/') ? relative.startsWith(row.path) : withoutExt === row.path));
  if (layer !== undefined) return layer;
  return relative.startsWith('src/') ? undefined : null;
}

/** @param {string} file */
function repoPath(file) {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

/** @type {import('eslint').Rule.RuleModule} */
const layerImportsRule = {
  meta: {
    type: 'problem',
    docs: { description: "Imports follow the layout's one-way rules (STYLE.md rule 1)" },
    schema: [],
    messages: {
      forbidden: '{{from}} may not import {{to}} ({{target}}); {{from}} may import: {{allowed}}. See STYLE.md rule 1.',
      typesOnly: '{{from}} may import only types from {{to}} ({{target}}): use `import type`. See STYLE.md rule 1.',
      unknownLayer: '{{file}} is in no layer of eslint/layer-imports.js: put it in a layer folder or add a row.',
    },
  },
  create(context) {
    const file = repoPath(context.filename);
    const from = layerOf(file);
    if (from === null) return {};
    if (from === undefined) {
      return {
        Program(node) {
          context.report({ node, messageId: 'unknownLayer', data: { file } });
        },
      };
    }

    /**
     * @param {import('estree').Node} node
     * @param {unknown} specifier
     * @param {boolean} typeOnly
     */
    function check(node, specifier, typeOnly) {
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const target = repoPath(path.resolve(path.dirname(context.filename), specifier));
      const to = layerOf(target);
      if (to === null || to === undefined || to === from) return;
      if (from.imports.includes(to.name)) return;
      if ((from.files ?? []).includes(target.replace(/\.[cm]?[jt]s$/, ''))) return;
      if ((from.types ?? []).includes(to.name)) {
        if (typeOnly) return;
        context.report({ node, messageId: 'typesOnly', data: { from: from.name, to: to.name, target } });
        return;
      }
      const allowed = [...from.imports, ...(from.types ?? []).map((name) => `types of ${name}`), ...(from.files ?? [])];
      context.report({
        node,
        messageId: 'forbidden',
        data: { from: from.name, to: to.name, target, allowed: allowed.length > 0 ? allowed.join(', ') : 'nothing of ours' },
      });
    }

    /** @param {any} node */
    const typeOnlyImport = (node) =>
      node.importKind === 'type' ||
      (node.specifiers.length > 0 && node.specifiers.every((/** @type {any} */ s) => s.importKind === 'type'));

    return {
      /** @param {any} node */
      ImportDeclaration(node) {
        check(node, node.source.value, typeOnlyImport(node));
      },
      /** @param {any} node */
      ExportNamedDeclaration(node) {
        if (node.source) check(node, node.source.value, node.exportKind === 'type');
      },
      /** @param {any} node */
      ExportAllDeclaration(node) {
        check(node, node.source.value, node.exportKind === 'type');
      },
      /** @param {any} node */
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node, node.source.value, false);
      },
      /** @param {any} node */
      TSImportType(node) {
        const literal = node.argument?.literal ?? node.argument;
        check(node, literal?.value, true);
      },
    };
  },
};

/** The plugin: `layers/imports`. */
export const layersPlugin = { rules: { imports: layerImportsRule } };
