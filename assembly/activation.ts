// The fused activations, by code. The codes must match ACTIVATIONS in src/activation.ts
// (test/kernels.test.ts compares this enum, exported by the module, with that table).
// Each is a clamp of the pre-activation value y to [lo, hi]: forward min(max(y, lo), hi),
// the gradient passed where lo < y < hi (an infinite hi bounds nothing, so ReLU passes
// y = +inf). A kernel specialises two bodies, none and clamp (a constant `clamp` after
// inlining), and takes the bounds of its code once, before its loops. A new clamp is one line
// in clampLow/clampHigh here and one entry in src/activation.ts.
// Generic over the element type T (f32; f64 for a float64 build): v128 holds 16 / sizeof<T>() lanes.

export const enum Activation {
  None = 0,
  Relu = 1, // max(y, 0)
  Relu6 = 2, // min(max(y, 0), 6): MobileNet's
}

@inline
export function clampLow<T>(act: i32): T {
  return act == Activation.None ? <T>-Infinity : <T>0;
}

@inline
export function clampHigh<T>(act: i32): T {
  return act == Activation.Relu6 ? <T>6 : <T>Infinity;
}

@inline
export function lowV<T>(act: i32): v128 {
  return v128.splat<T>(clampLow<T>(act));
}

@inline
export function highV<T>(act: i32): v128 {
  return v128.splat<T>(clampHigh<T>(act));
}

// All lanes set where hi is infinite: then no value is too high to pass.
@inline
export function openV<T>(act: i32): v128 {
  return v128.eq<T>(highV<T>(act), v128.splat<T>(<T>Infinity));
}

// Forward: min and max keep NaN (as the JS backend does) and give +0 for -0.
@inline
export function activateV<T>(v: v128, clamp: bool, lo: v128, hi: v128): v128 {
  return clamp ? v128.min<T>(v128.max<T>(v, lo), hi) : v;
}

@inline
export function activateS<T>(v: T, clamp: bool, lo: T, hi: T): T {
  return clamp ? min<T>(max<T>(v, lo), hi) : v;
}

// Backward: dy where the clamp passed the pre-activation value y through (its derivative is
// 1 there), else 0. NaN passes nowhere (y > lo is false).
@inline
export function passV<T>(dy: v128, y: v128, lo: v128, hi: v128, open: v128): v128 {
  return v128.and(dy, v128.and(v128.gt<T>(y, lo), v128.or(v128.lt<T>(y, hi), open)));
}

@inline
export function passS<T>(dy: T, y: T, lo: T, hi: T): T {
  return y > lo && (y < hi || hi == <T>Infinity) ? dy : <T>0;
}
