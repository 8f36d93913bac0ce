// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './eslint/layer-imports.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-output/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': 'off',
    },
  },
  {
    // Which layer may import which: the one table in eslint/layer-imports.js.
    files: ['src/**/*.ts', 'migrations/**/*.ts'],
    plugins: { layers: layersPlugin },
    rules: { 'layers/imports': 'error' },
  },
  {
    files: ['src/machines/**', 'src/formats/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:fs', 'node:fs/*', 'fs', 'fs-extra', 'got', 'node:http', 'node:net'], message: 'machines and formats do no I/O' },
      ] }],
    },
  },
  {
    // The rollout rules (DESIGN §13) are pure, like formats: the station and the CLI do the I/O.
    files: ['src/rollout/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/services/**', '**/persistence/**', '**/cli/**', '**/server/**', '**/runner/**', '**/inspector/**', '**/machines/**'], message: 'src/rollout decides and does no I/O' },
        { group: ['node:fs', 'node:fs/*', 'fs', 'fs-extra', 'got', 'node:http', 'node:net'], message: 'src/rollout does no I/O' },
      ] }],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
