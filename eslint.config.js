// Type-checked lint: floating promises, exhaustive switches, type-only imports, node: specifiers.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'bin/**', 'eslint.config.js', 'rolldown.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // The project service gives each file its nearest tsconfig.json: web/src/ gets web/tsconfig.json (DOM, bundler).
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['web/vite.config.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(fs|net|tls|dgram|http|http2|crypto|os|path|events|stream|util|url|child_process|worker_threads|dns|timers|zlib|assert|readline)(/.*)?$', message: 'use the node: specifier' }] }],
    },
  },
  { files: ['src/cli.ts', 'src/log.ts', 'test/**', 'bench/**', 'scripts/**'], rules: { 'no-console': 'off' } },
  // The dashboard runs in the browser: no Node built-ins (src/ modules it may take are checked by test/unit/import-graph).
  { files: ['web/src/**'], rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^node:', message: 'the dashboard runs in a browser' }] }] } },
  { files: ['test/**', 'bench/**'], rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off', '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unsafe-return': 'off', '@typescript-eslint/no-unsafe-call': 'off', '@typescript-eslint/no-unsafe-argument': 'off' } },
)
