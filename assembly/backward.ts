// The two passes of the backward over a row-major [N, C, S] view (formulas.ts):
//   reduce: per channel sum(g) and sum(g * (x - center)), f32 blocks merged into f64
//   apply:  dx = (g - kc) * ka + (x - center) * kb
// g is dy masked by the fused activation's gradient (activation.ts) at the forward's
// pre-activation value (x - center) * alpha + shift, recomputed with the forward's arithmetic.
// dx may alias dy. `plan` picks each pass's loop shape (drivers.ts).
import { Activation } from './activation';
import { elementwise, Op, reduction } from './drivers';

// Two bodies per pass, none and clamp, each a function of its own (see normalize.ts for why).
function reduceNone(x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, sumDy: usize, sumDyXc: usize, scratch: usize, plan: i32): void {
  reduction<f32>(Op.Reduce, false, Activation.None, plan, x, dy, N, C, S, sampleBytes, center, 0, 0, scratch, sumDy, sumDyXc);
}
function reduceClamp(x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, act: i32, plan: i32): void {
  reduction<f32>(Op.Reduce, true, act, plan, x, dy, N, C, S, sampleBytes, center, alpha, shift, scratch, sumDy, sumDyXc);
}

/** backwardReduce over an [N, C, S] view whose samples are sampleBytes apart, adding into sumDy and sumDyXc (slab.ts). */
export function reduceView(x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, activation: i32, plan: i32): void {
  if (activation == Activation.None) reduceNone(x, dy, N, C, S, sampleBytes, center, sumDy, sumDyXc, scratch, plan);
  else reduceClamp(x, dy, N, C, S, sampleBytes, center, alpha, shift, sumDy, sumDyXc, scratch, activation, plan);
}

// scratch: 2*C f32.
export function backwardReduce(x: usize, dy: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, activation: i32, plan: i32): void {
  memory.fill(sumDy, 0, <usize>C << 3);
  memory.fill(sumDyXc, 0, <usize>C << 3);
  reduceView(x, dy, N, C, S, <usize>C * <usize>S << 2, center, alpha, shift, sumDy, sumDyXc, scratch, activation, plan);
}

function applyNone(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, ka: usize, kb: usize, kc: usize, plan: i32): void {
  elementwise<f32>(Op.Dx, false, Activation.None, plan, x, dy, dx, N, C, S, sampleBytes, center, ka, kb, kc, 0, 0);
}
function applyClamp(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize,
  act: i32, plan: i32): void {
  elementwise<f32>(Op.Dx, true, act, plan, x, dy, dx, N, C, S, sampleBytes, center, ka, kb, kc, alpha, shift);
}

/** backwardApply over an [N, C, S] view whose samples are sampleBytes apart (slab.ts). */
export function applyView(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize,
  ka: usize, kb: usize, kc: usize, activation: i32, plan: i32): void {
  if (activation == Activation.None) applyNone(x, dy, dx, N, C, S, sampleBytes, center, ka, kb, kc, plan);
  else applyClamp(x, dy, dx, N, C, S, sampleBytes, center, alpha, shift, ka, kb, kc, activation, plan);
}

export function backwardApply(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize,
  activation: i32, plan: i32): void {
  applyView(x, dy, dx, N, C, S, <usize>C * <usize>S << 2, center, alpha, shift, ka, kb, kc, activation, plan);
}
