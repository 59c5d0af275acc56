// The fused activations, by code. The codes must match ACTIVATIONS in src/activation.ts
// (test/kernels.test.ts compares this enum, exported by the module, with that table).
// A kernel takes the code as an i32 and switches on it once, outside its loops: each case
// inlines the loop body with a constant code, so the checks below fold away.
// A new activation is one entry here (code, forward, gradient mask) and one case per
// dispatcher (normalize, backwardReduce, backwardApply).

export const enum Activation {
  None = 0,
  Relu = 1,
  Relu6 = 2, // min(max(y, 0), 6): MobileNet's
}

// Forward, four lanes: f32x4.max and min keep NaN (as the JS backend does) and give +0 for -0.
@inline
export function activateV(v: v128, act: i32): v128 {
  if (act == Activation.Relu) return f32x4.max(v, f32x4.splat(0));
  if (act == Activation.Relu6) return f32x4.min(f32x4.max(v, f32x4.splat(0)), f32x4.splat(6));
  return v;
}

@inline
export function activateS(v: f32, act: i32): f32 {
  if (act == Activation.Relu) return max<f32>(v, 0);
  if (act == Activation.Relu6) return min<f32>(max<f32>(v, 0), 6);
  return v;
}

// Backward: dy where the activation passed the pre-activation value y through (its
// derivative is 1 there), else 0. ReLU: y > 0; ReLU6: 0 < y < 6.
@inline
export function passV(dy: v128, y: v128, act: i32): v128 {
  if (act == Activation.Relu) return v128.and(dy, f32x4.gt(y, f32x4.splat(0)));
  if (act == Activation.Relu6) return v128.and(dy, v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.lt(y, f32x4.splat(6))));
  return dy;
}

@inline
export function passS(dy: f32, y: f32, act: i32): f32 {
  if (act == Activation.Relu) return y > 0 ? dy : 0;
  if (act == Activation.Relu6) return y > 0 && y < 6 ? dy : 0;
  return dy;
}
