import base from './stryker.config.mjs';
export default { ...base, vitest: { configFile: 'vitest.mutate-threads.config.ts' }, incrementalFile: 'reports/stryker-incremental-threads.json' };
