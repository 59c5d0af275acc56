// Kernel entry points. Every function takes byte offsets into linear memory and sizes,
// allocates nothing and keeps no state in memory: the TypeScript side owns the layout.
// Shapes are a row-major [N, C, S] view with statistics per C (README: Backends and numerics).
import { stats } from './stats';
import { normalize } from './normalize';
import { backwardReduce, backwardApply } from './backward';
import { trainFinalize, fold, backwardFinalize, mergeStats, addF64 } from './channel';

export { stats, normalize, backwardReduce, backwardApply, trainFinalize, fold, backwardFinalize, mergeStats, addF64 };

// Training forward: statistics, running-stat update, normalisation with batch statistics.
// acc: 2*C f64 scratch (mean, M2). Saves meanHi, meanLo, invstd, alpha, shift for backward.
export function trainForward(x: usize, y: usize, N: i32, C: i32, S: i32, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: f64, eps: f64, unbiased: i32,
  meanHi: usize, meanLo: usize, saveInvstd: usize, alpha: usize, shift: usize, acc: usize, relu: i32): void {
  const m2 = acc + (<usize>C << 3);
  stats(x, N, C, S, acc, m2);
  trainFinalize(C, <f64>N * <f64>S, acc, m2, gamma, beta, runMean, runVar, momentum, eps, unbiased, meanHi, meanLo, saveInvstd, alpha, shift);
  normalize(x, y, N, C, S, meanHi, alpha, shift, relu);
}

// Backward from the training forward's saved statistics (alpha and shift recompute the
// forward value for the fused ReLU's mask). coef: 3*C f32 scratch (ka, kb, kc); acc: 2*C f64.
export function backward(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, gamma: usize,
  meanHi: usize, meanLo: usize, saveInvstd: usize, alpha: usize, shift: usize,
  dgamma: usize, dbeta: usize, coef: usize, acc: usize, relu: i32): void {
  const sumDyXc = acc + (<usize>C << 3);
  const kb = coef + (<usize>C << 2);
  const kc = kb + (<usize>C << 2);
  backwardReduce(x, dy, N, C, S, meanHi, alpha, shift, acc, sumDyXc, relu);
  backwardFinalize(C, <f64>N * <f64>S, gamma, meanLo, saveInvstd, acc, sumDyXc, dgamma, dbeta, coef, kb, kc);
  backwardApply(x, dy, dx, N, C, S, meanHi, alpha, shift, coef, kb, kc, relu);
}
