// ESLint: typescript-eslint's recommended rules, and the layering of the data path as import
// rules (each folder lists what it must not import). Svelte components are checked by
// svelte-check and by test/renderer/layering.test.ts.
import tseslint from 'typescript-eslint';

const UP = (...folders) => folders.map((folder) => `**/${folder}/**`);

/** One restriction per layer: `files` may not import from `forbidden` (gitignore-style patterns, or one regex). */
const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: [forbidden instanceof RegExp ? { regex: forbidden.source, message } : { group: forbidden, message }] }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'models/training/**', '**/*.svelte', 'src-main/app/electron-main.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  layer(
    ['src-main/contract/**'],
    [...UP('domain', 'pipeline', 'store', 'services', 'transport', 'app', 'cli', 'evaluate', 'analysis', 'settings'), '**/log.js', 'node:*'],
    'contract/ is pure TypeScript both ends import: it imports nothing else of the engine and no Node API.',
  ),
  layer(['src-main/domain/**'], UP('pipeline', 'store', 'services', 'transport', 'app', 'cli', 'evaluate', 'settings'), 'domain/ holds types and rules; it imports only contract/.'),
  layer(['src-main/analysis/**'], UP('domain', 'pipeline', 'store', 'services', 'transport', 'app', 'cli', 'evaluate'), 'analysis/ is pure (the renderer imports it): contract/ only.'),
  layer(
    ['src-main/pipeline/*/**'],
    UP('store', 'services', 'transport', 'app', 'cli', 'evaluate', 'settings'),
    'A pipeline stage has typed input and output; persisting and serving happen above it (pipeline/compose.ts, services/).',
  ),
  layer(['src-main/store/**'], UP('pipeline', 'services', 'transport', 'app', 'cli', 'evaluate', 'settings'), 'The store persists and reads; it never calls into the pipeline or the services.'),
  layer(
    ['src-main/services/**', 'src-main/evaluate/**'],
    [...UP('transport', 'app', 'cli'), '**/pipeline/*/*', '!**/pipeline/*/index.js'],
    'Use-cases reach a pipeline stage only through its index.ts, and never a transport or the app.',
  ),
  layer(['src-main/transport/**'], UP('pipeline', 'store', 'services', 'app', 'cli', 'evaluate', 'settings'), 'A transport serves the contract; it knows no engine internals.'),
  layer(
    ['src-renderer/**'],
    /^(node:|(\.\.\/)+src-main\/(?!contract\/|analysis\/(compare|csv-format|metrics)\.js$))/,
    'The renderer runs in a page: it imports itself, the contract and pure analysis code only.',
  ),
);
