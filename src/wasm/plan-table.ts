// Written by `npm run tune` (scripts/tune.mjs): do not edit by hand; run the tune on the
// machine at hand instead. Read by src/wasm/plan.ts, which gives it its type (PlanTable).
export const PLAN_TABLE = {
  measuredOn: 'AMD EPYC, 2 cores, Node v26.12.1, 23.5 GiB, linux-x64',
  inCacheBytes: 1048576,
  rows: {
    stats: [
      { maxC: 16, inCache: { V: 2, R: 32 }, outOfCache: { V: 4, R: 32 } },
      { maxC: 64, inCache: { V: 2, R: 32 }, outOfCache: { V: 4, R: 8 } },
      { maxC: 256, inCache: { V: 2, R: 8 }, outOfCache: { V: 4, R: 4 } },
      { maxC: 1024, inCache: { V: 4, R: 8 }, outOfCache: { V: 4, R: 16 } },
      { maxC: 4096, inCache: { V: 4, R: 8 }, outOfCache: { V: 4, R: 8 } },
      { maxC: 2147483647, inCache: { V: 4, R: 4 }, outOfCache: { V: 4, R: 8 } },
    ],
    normalize: [
      { maxC: 16, inCache: { V: 4, R: 32 }, outOfCache: { V: 4, R: 16 } },
      { maxC: 64, inCache: { V: 4, R: 32 }, outOfCache: { V: 4, R: 2 } },
      { maxC: 256, inCache: { V: 4, R: 16 }, outOfCache: { V: 4, R: 1 } },
      { maxC: 1024, inCache: { V: 4, R: 4 }, outOfCache: { V: 4, R: 1 } },
      { maxC: 4096, inCache: { V: 4, R: 4 }, outOfCache: { V: 4, R: 8 } },
      { maxC: 2147483647, inCache: { V: 4, R: 4 }, outOfCache: { V: 4, R: 4 } },
    ],
    backwardReduce: [
      { maxC: 16, inCache: { V: 2, R: 32 }, outOfCache: { V: 4, R: 32 } },
      { maxC: 64, inCache: { V: 4, R: 32 }, outOfCache: { V: 4, R: 4 } },
      { maxC: 256, inCache: { V: 4, R: 16 }, outOfCache: { V: 2, R: 4 } },
      { maxC: 1024, inCache: { V: 2, R: 8 }, outOfCache: { V: 2, R: 4 } },
      { maxC: 4096, inCache: { V: 2, R: 8 }, outOfCache: { V: 2, R: 4 } },
      { maxC: 2147483647, inCache: { V: 2, R: 4 }, outOfCache: { V: 2, R: 4 } },
    ],
    backwardApply: [
      { maxC: 16, inCache: { V: 4, R: 32 }, outOfCache: { V: 4, R: 32 } },
      { maxC: 64, inCache: { V: 4, R: 32 }, outOfCache: { V: 4, R: 2 } },
      { maxC: 256, inCache: { V: 4, R: 32 }, outOfCache: { V: 2, R: 1 } },
      { maxC: 1024, inCache: { V: 2, R: 8 }, outOfCache: { V: 2, R: 4 } },
      { maxC: 4096, inCache: { V: 2, R: 4 }, outOfCache: { V: 2, R: 4 } },
      { maxC: 2147483647, inCache: { V: 2, R: 4 }, outOfCache: { V: 2, R: 4 } },
    ],
  },
  runs: { stats: { V: 4, R: 1 }, normalize: { V: 4, R: 1 }, backwardReduce: { V: 4, R: 1 }, backwardApply: { V: 4, R: 1 } },
  slab: { bytes: 1048576, maxRows: 32 },
} as const;
