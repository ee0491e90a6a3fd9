// Lint rules for correctness, not style. The engine gets extra bans because replaying the journal
// must rebuild the same books byte for byte: anything that reads the wall clock, randomness, the
// process or the event loop would make two runs differ.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const sequencerTime = 'time comes in with each command, stamped by the sequencer';
const engineBannedGlobals = [
  ['Date', sequencerTime],
  ['performance', sequencerTime],
  ['process', 'the engine is pure: no process state, no environment'],
  ['setTimeout', 'the engine is synchronous: no timers'],
  ['setInterval', 'the engine is synchronous: no timers'],
  ['setImmediate', 'the engine is synchronous: no timers'],
  ['queueMicrotask', 'the engine is synchronous: no deferred work'],
  ['console', 'the engine reports through its EngineSink, never by printing'],
  ['require', 'the engine imports only shared/, through ES modules'],
].map(([name, why]) => ({ name, message: `not in the engine: ${why}.` }));

const engineBannedSyntax = [
  {
    selector: "MemberExpression[object.name='Math'][property.name='random']",
    message: 'not in the engine: randomness breaks deterministic replay.',
  },
  {
    // globalThis.Date, globalThis.process, ... would slip past no-restricted-globals.
    selector: "MemberExpression[object.name='globalThis']",
    message: 'not in the engine: globalThis is a way around the bans on clocks, timers and I/O.',
  },
  {
    selector: 'ImportExpression',
    message: 'not in the engine: dynamic import; the engine imports only shared/, statically.',
  },
  {
    selector: 'ImportDeclaration[source.value=/^node:/]',
    message: 'not in the engine: node builtins.',
  },
];

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', 'web/dist/', 'test-artifacts/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The dashboard runs in the browser (tsc -p web, without Node's types, keeps Node's globals out).
    files: ['web/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...engineBannedGlobals],
      'no-restricted-syntax': ['error', ...engineBannedSyntax],
    },
  },
);
