// Kernel entry points. Every function takes byte offsets into linear memory and sizes,
// allocates nothing and keeps no state in memory: the TypeScript side owns the layout.
// Shapes are a row-major [N, C, S] view with statistics per C (docs/NUMERICS.md).
// The exports and their parameters are listed once more in src/wasm/abi.ts, which the
// TypeScript side and the thread protocol are built from; test/kernels.test.ts checks that
// table against the declarations asc emits for this module (build/batchnorm.d.ts).
//
// Each operation is a sequence of steps (src/wasm/wasm-engine.ts yields them, src/drive.ts runs them):
//   training forward: stats -> [mergeStats] -> trainFinalize -> normalize
//   inference:        fold (when the parameters changed) -> normalize
//   backward:         backwardReduce -> [addF64] -> backwardFinalize -> backwardApply
// The O(N*C*S) steps take a block of rows, so that threads can split them; the bracketed
// steps merge the threads' partial results. Their element steps are written once
// (formulas.ts) and run by the loop shape their last argument, a plan word, names (drivers.ts;
// src/wasm/plan.ts picks it from the table `npm run tune` measured).
// On one thread the book's layout of few rows runs a training forward or a backward as one
// kernel instead, trainSlabs or backwardSlabs, slab by slab of channels (src/wasm/slabs.ts).
// Every kernel over tensors or per-channel arrays is generic over their element type: the
// float32 layer's kernels are the f32 instances, and each has an f64 twin of the same source,
// its name suffixed F64, for float64 layers (abi.ts derives their table from the f32 one).
// mergeStats and addF64 work on the f64 partial results of either.
export { Activation } from './activation';
export { stats, statsF64 } from './stats';
export { normalize, normalizeF64 } from './normalize';
export { backwardReduce, backwardApply, backwardReduceF64, backwardApplyF64 } from './backward';
export { trainFinalize, fold, backwardFinalize, trainFinalizeF64, foldF64, backwardFinalizeF64, mergeStats, addF64 } from './channel';
export { trainSlabs, backwardSlabs, trainSlabsF64, backwardSlabsF64 } from './slab';
