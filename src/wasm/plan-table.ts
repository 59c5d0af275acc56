// Written by `npm run tune` (scripts/tune.mjs): do not edit by hand; run the tune on the
// machine at hand instead. Read by src/wasm/plan.ts.
import type { PlanTable } from './plan.js';

export const PLAN_TABLE: PlanTable = {
  measuredOn: 'not measured: hand-set defaults',
  inCacheBytes: 1048576,
  rows: {
    stats: [{ maxC: 4096, inCache: { V: 2, R: 8 }, outOfCache: { V: 2, R: 8 } }],
    normalize: [{ maxC: 64, inCache: { V: 4, R: 1 }, outOfCache: { V: 4, R: 1 } }, { maxC: 4096, inCache: { V: 4, R: 8 }, outOfCache: { V: 4, R: 8 } }],
    backwardReduce: [{ maxC: 4096, inCache: { V: 2, R: 8 }, outOfCache: { V: 2, R: 8 } }],
    backwardApply: [{ maxC: 64, inCache: { V: 2, R: 1 }, outOfCache: { V: 2, R: 1 } }, { maxC: 4096, inCache: { V: 2, R: 8 }, outOfCache: { V: 2, R: 8 } }],
  },
  runs: { stats: { V: 2, R: 1 }, normalize: { V: 2, R: 1 }, backwardReduce: { V: 2, R: 1 }, backwardApply: { V: 2, R: 1 } },
  slab: { bytes: 524288, maxRows: 32 },
};
