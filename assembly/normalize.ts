// The elementwise pass over a row-major [N, C, S] view:
//   y = (x - center[c]) * scale[c] + bias[c], then the fused activation (activation.ts).
// Subtracting the centre first (instead of x * scale + shift) costs nothing in a
// memory-bound loop and avoids cancellation for data far from zero (x = 1e4 + noise).
// y may alias x (in-place inference).
import { Activation, activateS, activateV } from './activation';

// Four rows per iteration share the per-feature loads (S == 1 layout).
@inline
function normRows(x: usize, y: usize, N: i32, C: i32, center: usize, scale: usize, bias: usize, act: i32): void {
  const rowBytes = <usize>C << 2;
  const C4 = C & ~3;
  let r = 0;
  for (; r + 4 <= N; r += 4) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const m = v128.load(center + o);
      const a = v128.load(scale + o);
      const b = v128.load(bias + o);
      const v0 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), m), a), b);
      const v1 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + rowBytes + o), m), a), b);
      const v2 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + 2 * rowBytes + o), m), a), b);
      const v3 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + 3 * rowBytes + o), m), a), b);
      v128.store(yr + o, activateV(v0, act));
      v128.store(yr + rowBytes + o, activateV(v1, act));
      v128.store(yr + 2 * rowBytes + o, activateV(v2, act));
      v128.store(yr + 3 * rowBytes + o, activateV(v3, act));
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      const m = load<f32>(center + o);
      const a = load<f32>(scale + o);
      const b = load<f32>(bias + o);
      for (let i: usize = 0; i < 4; i++) {
        store<f32>(yr + i * rowBytes + o, activateS((load<f32>(xr + i * rowBytes + o) - m) * a + b, act));
      }
    }
  }
  for (; r < N; r++) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(center + o)), v128.load(scale + o)), v128.load(bias + o));
      v128.store(yr + o, activateV(v, act));
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      store<f32>(yr + o, activateS((load<f32>(xr + o) - load<f32>(center + o)) * load<f32>(scale + o) + load<f32>(bias + o), act));
    }
  }
}

// One (n, c) run of S contiguous elements at a time (S > 1 layout).
@inline
function normRuns(x: usize, y: usize, N: i32, C: i32, S: i32, center: usize, scale: usize, bias: usize, act: i32): void {
  const S8 = S & ~7;
  const S4 = S & ~3;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const off = (<usize>n * <usize>C + <usize>c) * <usize>S << 2;
      const xr = x + off;
      const yr = y + off;
      const ms = load<f32>(center + (<usize>c << 2));
      const as = load<f32>(scale + (<usize>c << 2));
      const bs = load<f32>(bias + (<usize>c << 2));
      const m = f32x4.splat(ms);
      const a = f32x4.splat(as);
      const b = f32x4.splat(bs);
      let s = 0;
      for (; s < S8; s += 8) {
        const o = <usize>s << 2;
        const v0 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), m), a), b);
        const v1 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o, 16), m), a), b);
        v128.store(yr + o, activateV(v0, act));
        v128.store(yr + o, activateV(v1, act), 16);
      }
      for (; s < S4; s += 4) {
        const o = <usize>s << 2;
        const v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), m), a), b);
        v128.store(yr + o, activateV(v, act));
      }
      for (; s < S; s++) {
        const o = <usize>s << 2;
        store<f32>(yr + o, activateS((load<f32>(xr + o) - ms) * as + bs, act));
      }
    }
  }
}

@inline
function normalizeWith(x: usize, y: usize, N: i32, C: i32, S: i32, center: usize, scale: usize, bias: usize, act: i32): void {
  if (S == 1) normRows(x, y, N, C, center, scale, bias, act);
  else normRuns(x, y, N, C, S, center, scale, bias, act);
}

export function normalize(x: usize, y: usize, N: i32, C: i32, S: i32, center: usize, scale: usize, bias: usize, activation: i32): void {
  // One case per activation, each with a constant code (see activation.ts).
  switch (activation) {
    case Activation.Relu: normalizeWith(x, y, N, C, S, center, scale, bias, Activation.Relu); break;
    case Activation.Relu6: normalizeWith(x, y, N, C, S, center, scale, bias, Activation.Relu6); break;
    default: normalizeWith(x, y, N, C, S, center, scale, bias, Activation.None);
  }
}
