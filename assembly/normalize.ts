// normalize over a row-major [N, C, S] view: y = act((x - center[c]) * scale[c] + bias[c])
// (formulas.ts). Subtracting the centre first (instead of x * scale + shift) costs nothing in
// a memory-bound loop and avoids cancellation for data far from zero (x = 1e4 + noise).
// y may alias x (in-place inference). `plan` picks the loop shape (drivers.ts).
import { Activation } from './activation';
import { elementwise, Op } from './drivers';

// Two bodies, none and clamp, each a function of its own, so that each is specialised before
// it is inlined (inlined into one function, the bodies of the activations were merged back
// into one that tested the code inside its loops: 1.4x slower in cache).
function normalizeNone(x: usize, y: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, scale: usize, bias: usize, plan: i32): void {
  elementwise<f32>(Op.Normalize, false, Activation.None, plan, x, 0, y, N, C, S, sampleBytes, center, scale, bias, 0, 0, 0);
}
function normalizeClamp(x: usize, y: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, scale: usize, bias: usize, act: i32, plan: i32): void {
  elementwise<f32>(Op.Normalize, true, act, plan, x, 0, y, N, C, S, sampleBytes, center, scale, bias, 0, 0, 0);
}

/** normalize over an [N, C, S] view whose samples are sampleBytes apart (a slab of channels: slab.ts). */
export function normalizeView(x: usize, y: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, scale: usize, bias: usize,
  activation: i32, plan: i32): void {
  if (activation == Activation.None) normalizeNone(x, y, N, C, S, sampleBytes, center, scale, bias, plan);
  else normalizeClamp(x, y, N, C, S, sampleBytes, center, scale, bias, activation, plan);
}

export function normalize(x: usize, y: usize, N: i32, C: i32, S: i32, center: usize, scale: usize, bias: usize, activation: i32, plan: i32): void {
  normalizeView(x, y, N, C, S, <usize>C * <usize>S << 2, center, scale, bias, activation, plan);
}
