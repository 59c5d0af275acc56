// The two passes of the backward over a row-major [N, C, S] view of T (f32, or f64; index.ts
// exports both) (formulas.ts):
//   reduce: per channel sum(g) and sum(g * (x - center)), T blocks merged into f64
//   apply:  dx = (g - kc) * ka + (x - center) * kb
// g is dy masked by the fused activation's gradient (activation.ts) at the forward's
// pre-activation value (x - center) * alpha + shift, recomputed with the forward's arithmetic.
// dx may alias dy. `plan` picks each pass's loop shape (drivers.ts).
import { Activation } from './activation';
import { elementwise, Op, planVectors, reduction } from './drivers';

// One function per activation body and vectors a step (see normalize.ts for why).
function reduceNone2<T>(x: usize, dy: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, s1: usize, s2: usize, scratch: usize, plan: i32): void {
  reduction<T>(Op.Reduce, 2, false, Activation.None, plan, x, dy, N, C, S, sb, m, 0, 0, scratch, s1, s2);
}
function reduceNone4<T>(x: usize, dy: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, s1: usize, s2: usize, scratch: usize, plan: i32): void {
  reduction<T>(Op.Reduce, 4, false, Activation.None, plan, x, dy, N, C, S, sb, m, 0, 0, scratch, s1, s2);
}
function reduceClamp2<T>(x: usize, dy: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, s1: usize, s2: usize, scratch: usize, act: i32, plan: i32): void {
  reduction<T>(Op.Reduce, 2, true, act, plan, x, dy, N, C, S, sb, m, a, b, scratch, s1, s2);
}
function reduceClamp4<T>(x: usize, dy: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, s1: usize, s2: usize, scratch: usize, act: i32, plan: i32): void {
  reduction<T>(Op.Reduce, 4, true, act, plan, x, dy, N, C, S, sb, m, a, b, scratch, s1, s2);
}

/** backwardReduce over an [N, C, S] view whose samples are sampleBytes apart, adding into sumDy and sumDyXc (slab.ts). */
export function reduceView<T>(x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, activation: i32, plan: i32): void {
  const V = planVectors(plan);
  if (activation == Activation.None) {
    if (V >= 4) reduceNone4<T>(x, dy, N, C, S, sampleBytes, center, sumDy, sumDyXc, scratch, plan);
    else reduceNone2<T>(x, dy, N, C, S, sampleBytes, center, sumDy, sumDyXc, scratch, plan);
  } else if (V >= 4) reduceClamp4<T>(x, dy, N, C, S, sampleBytes, center, alpha, shift, sumDy, sumDyXc, scratch, activation, plan);
  else reduceClamp2<T>(x, dy, N, C, S, sampleBytes, center, alpha, shift, sumDy, sumDyXc, scratch, activation, plan);
}

// The entry point's body: zeroes the sums, then runs the plan's driver. scratch: 2*C T.
@inline
function backwardReduceOf<T>(x: usize, dy: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, activation: i32, plan: i32): void {
  memory.fill(sumDy, 0, <usize>C << 3);
  memory.fill(sumDyXc, 0, <usize>C << 3);
  reduceView<T>(x, dy, N, C, S, <usize>C * <usize>S * sizeof<T>(), center, alpha, shift, sumDy, sumDyXc, scratch, activation, plan);
}

export function backwardReduce(x: usize, dy: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, activation: i32, plan: i32): void {
  backwardReduceOf<f32>(x, dy, N, C, S, center, alpha, shift, sumDy, sumDyXc, scratch, activation, plan);
}
export function backwardReduceF64(x: usize, dy: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, activation: i32, plan: i32): void {
  backwardReduceOf<f64>(x, dy, N, C, S, center, alpha, shift, sumDy, sumDyXc, scratch, activation, plan);
}

function applyNone2<T>(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, ka: usize, kb: usize, kc: usize, plan: i32): void {
  elementwise<T>(Op.Dx, 2, false, Activation.None, plan, x, dy, dx, N, C, S, sb, m, ka, kb, kc, 0, 0);
}
function applyNone4<T>(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, ka: usize, kb: usize, kc: usize, plan: i32): void {
  elementwise<T>(Op.Dx, 4, false, Activation.None, plan, x, dy, dx, N, C, S, sb, m, ka, kb, kc, 0, 0);
}
function applyClamp2<T>(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, ka: usize, kb: usize, kc: usize, act: i32, plan: i32): void {
  elementwise<T>(Op.Dx, 2, true, act, plan, x, dy, dx, N, C, S, sb, m, ka, kb, kc, a, b);
}
function applyClamp4<T>(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, ka: usize, kb: usize, kc: usize, act: i32, plan: i32): void {
  elementwise<T>(Op.Dx, 4, true, act, plan, x, dy, dx, N, C, S, sb, m, ka, kb, kc, a, b);
}

/** backwardApply over an [N, C, S] view whose samples are sampleBytes apart (slab.ts). */
export function applyView<T>(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize,
  ka: usize, kb: usize, kc: usize, activation: i32, plan: i32): void {
  const V = planVectors(plan);
  if (activation == Activation.None) {
    if (V >= 4) applyNone4<T>(x, dy, dx, N, C, S, sampleBytes, center, ka, kb, kc, plan);
    else applyNone2<T>(x, dy, dx, N, C, S, sampleBytes, center, ka, kb, kc, plan);
  } else if (V >= 4) applyClamp4<T>(x, dy, dx, N, C, S, sampleBytes, center, alpha, shift, ka, kb, kc, activation, plan);
  else applyClamp2<T>(x, dy, dx, N, C, S, sampleBytes, center, alpha, shift, ka, kb, kc, activation, plan);
}

export function backwardApply(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize,
  activation: i32, plan: i32): void {
  applyView<f32>(x, dy, dx, N, C, S, <usize>C * <usize>S << 2, center, alpha, shift, ka, kb, kc, activation, plan);
}
export function backwardApplyF64(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize,
  activation: i32, plan: i32): void {
  applyView<f64>(x, dy, dx, N, C, S, <usize>C * <usize>S << 3, center, alpha, shift, ka, kb, kc, activation, plan);
}
