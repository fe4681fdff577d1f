import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'bin/**', '*.config.js', '*.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    // Build scripts and the test child-process launchers are plain CommonJS run by node.
    files: ['scripts/**/*.js', 'test/support/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
