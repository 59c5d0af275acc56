// The two passes of the backward over a row-major [N, C, S] view (formulas.ts):
//   reduce: per channel sum(g) and sum(g * (x - center)), f32 blocks merged into f64
//   apply:  dx = (g - kc) * ka + (x - center) * kb
// g is dy masked by the fused activation's gradient (activation.ts) at the forward's
// pre-activation value (x - center) * alpha + shift, recomputed with the forward's arithmetic.
// dx may alias dy. `plan` picks each pass's loop shape (drivers.ts).
import { Activation } from './activation';
import { elementwise, Op, planVectors, reduction } from './drivers';

// One function per activation body and vectors a step (see normalize.ts for why).
function reduceNone2(x: usize, dy: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, s1: usize, s2: usize, scratch: usize, plan: i32): void {
  reduction<f32>(Op.Reduce, 2, false, Activation.None, plan, x, dy, N, C, S, sb, m, 0, 0, scratch, s1, s2);
}
function reduceNone4(x: usize, dy: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, s1: usize, s2: usize, scratch: usize, plan: i32): void {
  reduction<f32>(Op.Reduce, 4, false, Activation.None, plan, x, dy, N, C, S, sb, m, 0, 0, scratch, s1, s2);
}
function reduceClamp2(x: usize, dy: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, s1: usize, s2: usize, scratch: usize, act: i32, plan: i32): void {
  reduction<f32>(Op.Reduce, 2, true, act, plan, x, dy, N, C, S, sb, m, a, b, scratch, s1, s2);
}
function reduceClamp4(x: usize, dy: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, s1: usize, s2: usize, scratch: usize, act: i32, plan: i32): void {
  reduction<f32>(Op.Reduce, 4, true, act, plan, x, dy, N, C, S, sb, m, a, b, scratch, s1, s2);
}

/** backwardReduce over an [N, C, S] view whose samples are sampleBytes apart, adding into sumDy and sumDyXc (slab.ts). */
export function reduceView(x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, activation: i32, plan: i32): void {
  const V = planVectors(plan);
  if (activation == Activation.None) {
    if (V >= 4) reduceNone4(x, dy, N, C, S, sampleBytes, center, sumDy, sumDyXc, scratch, plan);
    else reduceNone2(x, dy, N, C, S, sampleBytes, center, sumDy, sumDyXc, scratch, plan);
  } else if (V >= 4) reduceClamp4(x, dy, N, C, S, sampleBytes, center, alpha, shift, sumDy, sumDyXc, scratch, activation, plan);
  else reduceClamp2(x, dy, N, C, S, sampleBytes, center, alpha, shift, sumDy, sumDyXc, scratch, activation, plan);
}

// scratch: 2*C f32.
export function backwardReduce(x: usize, dy: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, activation: i32, plan: i32): void {
  memory.fill(sumDy, 0, <usize>C << 3);
  memory.fill(sumDyXc, 0, <usize>C << 3);
  reduceView(x, dy, N, C, S, <usize>C * <usize>S << 2, center, alpha, shift, sumDy, sumDyXc, scratch, activation, plan);
}

function applyNone2(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, ka: usize, kb: usize, kc: usize, plan: i32): void {
  elementwise<f32>(Op.Dx, 2, false, Activation.None, plan, x, dy, dx, N, C, S, sb, m, ka, kb, kc, 0, 0);
}
function applyNone4(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, ka: usize, kb: usize, kc: usize, plan: i32): void {
  elementwise<f32>(Op.Dx, 4, false, Activation.None, plan, x, dy, dx, N, C, S, sb, m, ka, kb, kc, 0, 0);
}
function applyClamp2(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, ka: usize, kb: usize, kc: usize, act: i32, plan: i32): void {
  elementwise<f32>(Op.Dx, 2, true, act, plan, x, dy, dx, N, C, S, sb, m, ka, kb, kc, a, b);
}
function applyClamp4(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, ka: usize, kb: usize, kc: usize, act: i32, plan: i32): void {
  elementwise<f32>(Op.Dx, 4, true, act, plan, x, dy, dx, N, C, S, sb, m, ka, kb, kc, a, b);
}

/** backwardApply over an [N, C, S] view whose samples are sampleBytes apart (slab.ts). */
export function applyView(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize,
  ka: usize, kb: usize, kc: usize, activation: i32, plan: i32): void {
  const V = planVectors(plan);
  if (activation == Activation.None) {
    if (V >= 4) applyNone4(x, dy, dx, N, C, S, sampleBytes, center, ka, kb, kc, plan);
    else applyNone2(x, dy, dx, N, C, S, sampleBytes, center, ka, kb, kc, plan);
  } else if (V >= 4) applyClamp4(x, dy, dx, N, C, S, sampleBytes, center, alpha, shift, ka, kb, kc, activation, plan);
  else applyClamp2(x, dy, dx, N, C, S, sampleBytes, center, alpha, shift, ka, kb, kc, activation, plan);
}

export function backwardApply(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize,
  activation: i32, plan: i32): void {
  applyView(x, dy, dx, N, C, S, <usize>C * <usize>S << 2, center, alpha, shift, ka, kb, kc, activation, plan);
}
