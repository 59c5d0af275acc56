import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The unit tests, for mutation testing (stryker.config.mjs): the Node suite without the tests
// that reach src/ only through the built package, a child process or the docs (package-*,
// readme, api-docs, architecture, node-versions, sync-processes, example-sync) or that test the
// experiment (experiment-*). MUTATE_TESTS (scripts/mutate.mjs --tests) narrows it to some files.
const only = process.env.MUTATE_TESTS?.split(',').filter(Boolean);

const config = mergeConfig(base, defineConfig({
  test: {
    exclude: [
      'test/package-*.test.ts', 'test/readme.test.ts', 'test/api-docs.test.ts', 'test/architecture.test.ts',
      'test/node-versions.test.ts', 'test/experiment-*.test.ts', 'test/sync-processes.test.ts', 'test/example-*.test.ts',
    ],
  },
}));
if (only?.length) config.test!.include = only; // replaced: mergeConfig would add to the list

export default config;
