// Training forward and backward over slabs of channels small enough to stay in the cache
// between the two passes: x (and dy) come from memory once instead of twice. A slab is
// `slab` channels of the [N, C, S] view (src/wasm/slabs.ts picks it; for S == 1 a multiple
// of 4). Each channel gets the same sums in the same order as in the two-pass steps
// (drivers.ts: a feature's sums do not depend on the other features, nor on the plan's R and
// V with S == 1), and the same per-channel arithmetic (channel.ts), so the results are the
// same bits. The plan words are those of the two-pass steps (src/wasm/plan.ts). Generic over
// the element type T as the passes are; index.ts exports both.
import { applyView, reduceView } from './backward';
import { backwardFinalizeOf, trainFinalizeOf } from './channel';
import { normalizeView } from './normalize';
import { statsView } from './stats';

// stats -> trainFinalize -> normalize, one slab at a time. mean64 and m2_64: f64 arrays of at
// least a slab's channels, the same for every slab (what a slab's statistics need is used
// up within it: kept at the front, they stay in cache instead of streaming 16 bytes a channel
// out and back, 3.2 MB on the book's layout).
@inline
function trainSlabsOf<T>(x: usize, y: usize, N: i32, C: i32, S: i32, slab: i32, mean64: usize, m2_64: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: f64, eps: f64, unbiased: i32,
  meanHi: usize, meanLo: usize, saveInvstd: usize, alpha: usize, shift: usize, scratch: usize, activation: i32, statsPlan: i32, normalizePlan: i32): void {
  const size = <usize>sizeof<T>();
  const sampleBytes = <usize>C * <usize>S * size;
  const count = <f64>N * <f64>S;
  for (let c0 = 0; c0 < C; c0 += slab) {
    const w = min(slab, C - c0);
    const p = <usize>c0 * size, o = <usize>c0 * <usize>S * size;
    memory.fill(mean64, 0, <usize>w << 3);
    memory.fill(m2_64, 0, <usize>w << 3);
    statsView<T>(x + o, N, w, S, sampleBytes, mean64, m2_64, scratch, statsPlan);
    trainFinalizeOf<T>(w, count, mean64, m2_64, gamma + p, beta + p, runMean + p, runVar + p, momentum, eps, unbiased,
      meanHi + p, meanLo + p, saveInvstd + p, alpha + p, shift + p);
    normalizeView<T>(x + o, y + o, N, w, S, sampleBytes, meanHi + p, alpha + p, shift + p, activation, normalizePlan);
  }
}

// backwardReduce -> backwardFinalize -> backwardApply, one slab at a time. sumDy and sumDyXc
// (f64) and the coefficients ka, kb and kc (f32): arrays of at least a slab's channels, the
// same for every slab, so that they stay in cache (as in trainSlabs; measured, the book's
// backward 0.94x to 1.06x the time: within the noise). dx may alias dy: a slab's dy is read by
// its reduce before its apply writes it.
@inline
function backwardSlabsOf<T>(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, slab: i32, center: usize, alpha: usize, shift: usize,
  sumDy: usize, sumDyXc: usize, gamma: usize, meanLo: usize, saveInvstd: usize, dgamma: usize, dbeta: usize,
  ka: usize, kb: usize, kc: usize, scratch: usize, activation: i32, reducePlan: i32, applyPlan: i32): void {
  const size = <usize>sizeof<T>();
  const sampleBytes = <usize>C * <usize>S * size;
  const M = <f64>N * <f64>S;
  for (let c0 = 0; c0 < C; c0 += slab) {
    const w = min(slab, C - c0);
    const p = <usize>c0 * size, o = <usize>c0 * <usize>S * size;
    memory.fill(sumDy, 0, <usize>w << 3);
    memory.fill(sumDyXc, 0, <usize>w << 3);
    reduceView<T>(x + o, dy + o, N, w, S, sampleBytes, center + p, alpha + p, shift + p, sumDy, sumDyXc, scratch, activation, reducePlan);
    backwardFinalizeOf<T>(w, M, gamma + p, meanLo + p, saveInvstd + p, sumDy, sumDyXc, dgamma + p, dbeta + p, ka, kb, kc);
    applyView<T>(x + o, dy + o, dx + o, N, w, S, sampleBytes, center + p, alpha + p, shift + p, ka, kb, kc, activation, applyPlan);
  }
}

export function trainSlabs(x: usize, y: usize, N: i32, C: i32, S: i32, slab: i32, mean64: usize, m2_64: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: f64, eps: f64, unbiased: i32,
  meanHi: usize, meanLo: usize, saveInvstd: usize, alpha: usize, shift: usize, scratch: usize, activation: i32, statsPlan: i32, normalizePlan: i32): void {
  trainSlabsOf<f32>(x, y, N, C, S, slab, mean64, m2_64, gamma, beta, runMean, runVar, momentum, eps, unbiased,
    meanHi, meanLo, saveInvstd, alpha, shift, scratch, activation, statsPlan, normalizePlan);
}
export function trainSlabsF64(x: usize, y: usize, N: i32, C: i32, S: i32, slab: i32, mean64: usize, m2_64: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: f64, eps: f64, unbiased: i32,
  meanHi: usize, meanLo: usize, saveInvstd: usize, alpha: usize, shift: usize, scratch: usize, activation: i32, statsPlan: i32, normalizePlan: i32): void {
  trainSlabsOf<f64>(x, y, N, C, S, slab, mean64, m2_64, gamma, beta, runMean, runVar, momentum, eps, unbiased,
    meanHi, meanLo, saveInvstd, alpha, shift, scratch, activation, statsPlan, normalizePlan);
}

export function backwardSlabs(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, slab: i32, center: usize, alpha: usize, shift: usize,
  sumDy: usize, sumDyXc: usize, gamma: usize, meanLo: usize, saveInvstd: usize, dgamma: usize, dbeta: usize,
  ka: usize, kb: usize, kc: usize, scratch: usize, activation: i32, reducePlan: i32, applyPlan: i32): void {
  backwardSlabsOf<f32>(x, dy, dx, N, C, S, slab, center, alpha, shift, sumDy, sumDyXc, gamma, meanLo, saveInvstd, dgamma, dbeta,
    ka, kb, kc, scratch, activation, reducePlan, applyPlan);
}
export function backwardSlabsF64(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, slab: i32, center: usize, alpha: usize, shift: usize,
  sumDy: usize, sumDyXc: usize, gamma: usize, meanLo: usize, saveInvstd: usize, dgamma: usize, dbeta: usize,
  ka: usize, kb: usize, kc: usize, scratch: usize, activation: i32, reducePlan: i32, applyPlan: i32): void {
  backwardSlabsOf<f64>(x, dy, dx, N, C, S, slab, center, alpha, shift, sumDy, sumDyXc, gamma, meanLo, saveInvstd, dgamma, dbeta,
    ka, kb, kc, scratch, activation, reducePlan, applyPlan);
}
