import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const portEntryOnly =
  'The core imports a port package only through its `/port` entry, which has no adapters.';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware rules: a promise nobody awaits or handles is a failure nobody sees in a server.
    files: ['packages/*/src/**/*.ts', 'packages/*/test/**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // The core programs against the ports alone, so that no rule or service can come to depend on
    // one storage backend. Its tests compose it with real adapters, as the server does.
    files: ['packages/core/**/*.ts'],
    ignores: ['packages/core/**/*.test.ts', 'packages/core/test/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@berth/(blob-store|metadata-store|coordinator)(/(?!port$).*)?$',
              message: portEntryOnly,
            },
            {
              regex: '^[./](.*/)?(blob-store|metadata-store|coordinator)/(src|dist)(/|$)',
              message: portEntryOnly,
            },
          ],
        },
      ],
    },
  },
  {
    // The installed `berth` command: a CommonJS file npm links before the build has run.
    files: ['packages/cli/bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
