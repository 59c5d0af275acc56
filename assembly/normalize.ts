// normalize over a row-major [N, C, S] view of T (f32, or f64; index.ts exports both):
// y = act((x - center[c]) * scale[c] + bias[c]) (formulas.ts). Subtracting the centre first
// (instead of x * scale + shift) costs nothing in a memory-bound loop and avoids cancellation
// for data far from zero (x = 1e4 + noise).
// y may alias x (in-place inference). `plan` picks the loop shape (drivers.ts).
import { Activation } from './activation';
import { elementwise, Op, planVectors } from './drivers';

// One function per activation body (none, clamp) and vectors a step (2, 4), each
// specialised on its own: inlined into one function, the bodies were merged back into one
// that tested the constants inside its loops (the activations: 1.4x slower in cache).
function none2<T>(x: usize, y: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, plan: i32): void {
  elementwise<T>(Op.Normalize, 2, false, Activation.None, plan, x, 0, y, N, C, S, sb, m, a, b, 0, 0, 0);
}
function none4<T>(x: usize, y: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, plan: i32): void {
  elementwise<T>(Op.Normalize, 4, false, Activation.None, plan, x, 0, y, N, C, S, sb, m, a, b, 0, 0, 0);
}
function clamp2<T>(x: usize, y: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, act: i32, plan: i32): void {
  elementwise<T>(Op.Normalize, 2, true, act, plan, x, 0, y, N, C, S, sb, m, a, b, 0, 0, 0);
}
function clamp4<T>(x: usize, y: usize, N: i32, C: i32, S: i32, sb: usize, m: usize, a: usize, b: usize, act: i32, plan: i32): void {
  elementwise<T>(Op.Normalize, 4, true, act, plan, x, 0, y, N, C, S, sb, m, a, b, 0, 0, 0);
}

/** normalize over an [N, C, S] view whose samples are sampleBytes apart (a slab of channels: slab.ts). */
export function normalizeView<T>(x: usize, y: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, scale: usize, bias: usize,
  activation: i32, plan: i32): void {
  const V = planVectors(plan);
  if (activation == Activation.None) {
    if (V >= 4) none4<T>(x, y, N, C, S, sampleBytes, center, scale, bias, plan);
    else none2<T>(x, y, N, C, S, sampleBytes, center, scale, bias, plan);
  } else if (V >= 4) clamp4<T>(x, y, N, C, S, sampleBytes, center, scale, bias, activation, plan);
  else clamp2<T>(x, y, N, C, S, sampleBytes, center, scale, bias, activation, plan);
}

export function normalize(x: usize, y: usize, N: i32, C: i32, S: i32, center: usize, scale: usize, bias: usize, activation: i32, plan: i32): void {
  normalizeView<f32>(x, y, N, C, S, <usize>C * <usize>S << 2, center, scale, bias, activation, plan);
}
export function normalizeF64(x: usize, y: usize, N: i32, C: i32, S: i32, center: usize, scale: usize, bias: usize, activation: i32, plan: i32): void {
  normalizeView<f64>(x, y, N, C, S, <usize>C * <usize>S << 3, center, scale, bias, activation, plan);
}
