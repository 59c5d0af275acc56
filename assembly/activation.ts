// The fused activations, by code. The codes must match ACTIVATIONS in src/activation.ts
// (test/kernels.test.ts compares this enum, exported by the module, with that table).
// Each is a clamp of the pre-activation value y to [lo, hi]: forward min(max(y, lo), hi),
// the gradient passed where lo < y < hi (an infinite hi bounds nothing, so ReLU passes
// y = +inf). A kernel specialises two bodies, none and clamp (a constant `clamp` after
// inlining), and takes the bounds of its code once, before its loops. A new clamp is one line
// in clampLow/clampHigh here and one entry in src/activation.ts.

export const enum Activation {
  None = 0,
  Relu = 1, // max(y, 0)
  Relu6 = 2, // min(max(y, 0), 6): MobileNet's
}

@inline
export function clampLow(act: i32): f32 {
  return act == Activation.None ? -Infinity : 0;
}

@inline
export function clampHigh(act: i32): f32 {
  return act == Activation.Relu6 ? 6 : Infinity;
}

@inline
export function lowV(act: i32): v128 {
  return f32x4.splat(clampLow(act));
}

@inline
export function highV(act: i32): v128 {
  return f32x4.splat(clampHigh(act));
}

// All lanes set where hi is infinite: then no value is too high to pass.
@inline
export function openV(act: i32): v128 {
  return f32x4.eq(highV(act), f32x4.splat(Infinity));
}

// Forward, four lanes: f32x4.max and min keep NaN (as the JS backend does) and give +0 for -0.
@inline
export function activateV(v: v128, clamp: bool, lo: v128, hi: v128): v128 {
  return clamp ? f32x4.min(f32x4.max(v, lo), hi) : v;
}

@inline
export function activateS(v: f32, clamp: bool, lo: f32, hi: f32): f32 {
  return clamp ? min<f32>(max<f32>(v, lo), hi) : v;
}

// Backward: dy where the clamp passed the pre-activation value y through (its derivative is
// 1 there), else 0. NaN passes nowhere (y > lo is false).
@inline
export function passV(dy: v128, y: v128, lo: v128, hi: v128, open: v128): v128 {
  return v128.and(dy, v128.and(f32x4.gt(y, lo), v128.or(f32x4.lt(y, hi), open)));
}

@inline
export function passS(dy: f32, y: f32, lo: f32, hi: f32): f32 {
  return y > lo && (y < hi || hi == Infinity) ? dy : 0;
}
