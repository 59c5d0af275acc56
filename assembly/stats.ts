// Per-channel batch statistics over a row-major [N, C, S] view of T (f32, or f64 for a float64
// layer: index.ts exports both).
//
// Output: f64 mean[C] and M2[C] (sum of squared deviations), count = N*S.
// Numerics: small blocks (32 rows, or 1024-element chunks of a run) are reduced in T as
// deviations from a value of the block itself (a pivot: the block's first row; or the chunk's
// mean), which bounds the cancellation to log2(1 + 32) bits, and merged into f64 accumulators
// with Chan's formula (formulas.ts: termV, mergeV). Never E[x^2] - E[x]^2.
// Memory traffic: x is read once from main memory. `plan` picks the loop shape (drivers.ts).
import { Activation } from './activation';
import { Op, planVectors, reduction } from './drivers';

// One function per vectors a step (see normalize.ts for why).
function stats2<T>(x: usize, N: i32, C: i32, S: i32, sb: usize, mean: usize, m2: usize, scratch: usize, plan: i32): void {
  reduction<T>(Op.Stats, 2, false, Activation.None, plan, x, 0, N, C, S, sb, 0, 0, 0, scratch, mean, m2);
}
function stats4<T>(x: usize, N: i32, C: i32, S: i32, sb: usize, mean: usize, m2: usize, scratch: usize, plan: i32): void {
  reduction<T>(Op.Stats, 4, false, Activation.None, plan, x, 0, N, C, S, sb, 0, 0, 0, scratch, mean, m2);
}

/** stats over a view whose samples are sampleBytes apart, added into mean and m2 (slab.ts zeroes them). scratch: 2*C T. */
export function statsView<T>(x: usize, N: i32, C: i32, S: i32, sampleBytes: usize, mean: usize, m2: usize, scratch: usize, plan: i32): void {
  const V = planVectors(plan);
  if (V >= 4) stats4<T>(x, N, C, S, sampleBytes, mean, m2, scratch, plan);
  else stats2<T>(x, N, C, S, sampleBytes, mean, m2, scratch, plan);
}

// The entry point's body: zeroes the accumulators, then runs the plan's driver. scratch: 2*C T.
@inline
function statsOf<T>(x: usize, N: i32, C: i32, S: i32, mean: usize, m2: usize, scratch: usize, plan: i32): void {
  memory.fill(mean, 0, <usize>C << 3);
  memory.fill(m2, 0, <usize>C << 3);
  statsView<T>(x, N, C, S, <usize>C * <usize>S * sizeof<T>(), mean, m2, scratch, plan);
}

export function stats(x: usize, N: i32, C: i32, S: i32, mean: usize, m2: usize, scratch: usize, plan: i32): void {
  statsOf<f32>(x, N, C, S, mean, m2, scratch, plan);
}
export function statsF64(x: usize, N: i32, C: i32, S: i32, mean: usize, m2: usize, scratch: usize, plan: i32): void {
  statsOf<f64>(x, N, C, S, mean, m2, scratch, plan);
}
