import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The unit tests, for mutation testing (stryker.config.mjs): the Node suite without the tests
// that reach src/ only through the built package, a child process or the docs (package-*,
// readme, api-docs, architecture, node-versions, sync-processes, example-sync) or that test the
// experiment (experiment-*).
export default mergeConfig(base, defineConfig({
  test: {
    exclude: [
      'test/package-*.test.ts', 'test/readme.test.ts', 'test/api-docs.test.ts', 'test/architecture.test.ts',
      'test/node-versions.test.ts', 'test/experiment-*.test.ts', 'test/sync-processes.test.ts', 'test/example-*.test.ts',
    ],
  },
}));
