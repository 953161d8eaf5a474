// ESLint flat config. The engine and the algorithm stay framework-free: they take plain inputs and
// callbacks so a script, a test and the worker can all run them (docs/architecture.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const frameworkImports = {
  patterns: [
    { group: ['@nestjs/*', '@nestjs/**'], message: 'src/engine and src/rzero must not import NestJS.' },
    { group: ['typeorm', 'typeorm/*', 'pg', 'pg/*'], message: 'src/engine and src/rzero must not import TypeORM or pg.' },
    { group: ['bull', 'bull/*', 'bullmq', 'bullmq/*'], message: 'src/engine and src/rzero must not import Bull.' },
    { group: ['redis', 'redis/*', 'ioredis', 'ioredis/*'], message: 'src/engine and src/rzero must not import Redis clients.' },
  ],
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'openapi/schema.d.ts', '.scratch/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['src/engine/**/*.ts', 'src/rzero/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', frameworkImports] },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', __dirname: 'readonly', module: 'writable', Buffer: 'readonly', setTimeout: 'readonly', URL: 'readonly' } },
  },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
