import base from './vitest.config.js';
// Temporary: the tests that reach src/threads (static mutants run every included file).
export default {
  ...base,
  test: {
    ...base.test,
    include: ['test/threads.test.ts', 'test/threads-f64.test.ts', 'test/thread-pool.test.ts', 'test/threads-platform.test.ts', 'test/init.test.ts',
      'test/init-paths.test.ts', 'test/memory.test.ts', 'test/seams.test.ts', 'test/slabs.test.ts', 'test/kernels.test.ts', 'test/options.test.ts',
      'test/instantiate.test.ts', 'test/sync.test.ts', 'test/sync-collective.test.ts'],
  },
};
