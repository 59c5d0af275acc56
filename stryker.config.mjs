// Mutation testing of src/ (StrykerJS, its vitest runner): `npm run mutate`. See
// docs/MUTATION.md for how to run it, how the score is counted and the mutants judged
// equivalent.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  coverageAnalysis: 'perTest',
  // Not mutated: the generated files. kernel-bytes.generated.ts is the built Wasm as base64;
  // plan-table.ts is `npm run tune`'s measured choice of drivers: each value is a speed choice
  // (test/plan.test.ts checks the table's shape and holds every driver it can name to the
  // reference), so its mutants change the time, not the results.
  mutate: ['src/**/*.ts', '!src/wasm/kernel-bytes.generated.ts', '!src/wasm/plan-table.ts'],
  concurrency: 2,
  // A shared, busy machine: a mutant counts as a timeout only well past its tests' own time.
  timeoutFactor: 3,
  timeoutMS: 20000,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  ignorePatterns: ['dist', 'out', 'coverage', 'reports', 'bench/peers/node_modules', 'examples/browser/node_modules'],
  thresholds: { high: 95, low: 90, break: null },
};
