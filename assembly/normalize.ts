// The elementwise pass over a row-major [N, C, S] view:
//   y = (x - center[c]) * scale[c] + bias[c], then the fused activation (activation.ts).
// Subtracting the centre first (instead of x * scale + shift) costs nothing in a
// memory-bound loop and avoids cancellation for data far from zero (x = 1e4 + noise).
// y may alias x (in-place inference).
import { Activation, activateS, activateV, clampHigh, clampLow, highV, lowV } from './activation';
import { streamRows } from './stats';

// Four rows per iteration share the per-feature loads (S == 1 layout), eight features a step
// and then four (eight: 0.80x-0.85x the time in cache, 0.91x-0.99x past it; bench/kernels.mjs).
@inline
function normRows(x: usize, y: usize, N: i32, C: i32, rowBytes: usize, center: usize, scale: usize, bias: usize, act: i32, clamp: bool): void {
  const lo = lowV(act), hi = highV(act), loS = clampLow(act), hiS = clampHigh(act);
  const C4 = C & ~3;
  let r = 0;
  for (; r + 4 <= N; r += 4) {
    const xr = x + <usize>r * rowBytes;
    const yr = y + <usize>r * rowBytes;
    let c = 0;
    for (; c + 8 <= C4; c += 8) {
      const o = <usize>c << 2;
      const m = v128.load(center + o), m2 = v128.load(center + o, 16);
      const a = v128.load(scale + o), a2 = v128.load(scale + o, 16);
      const b = v128.load(bias + o), b2 = v128.load(bias + o, 16);
      const p0 = xr + o, p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes;
      const q0 = yr + o, q1 = q0 + rowBytes, q2 = q1 + rowBytes, q3 = q2 + rowBytes;
      const v0 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p0), m), a), b);
      const w0 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p0, 16), m2), a2), b2);
      const v1 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p1), m), a), b);
      const w1 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p1, 16), m2), a2), b2);
      const v2 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p2), m), a), b);
      const w2 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p2, 16), m2), a2), b2);
      const v3 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p3), m), a), b);
      const w3 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(p3, 16), m2), a2), b2);
      v128.store(q0, activateV(v0, clamp, lo, hi));
      v128.store(q0, activateV(w0, clamp, lo, hi), 16);
      v128.store(q1, activateV(v1, clamp, lo, hi));
      v128.store(q1, activateV(w1, clamp, lo, hi), 16);
      v128.store(q2, activateV(v2, clamp, lo, hi));
      v128.store(q2, activateV(w2, clamp, lo, hi), 16);
      v128.store(q3, activateV(v3, clamp, lo, hi));
      v128.store(q3, activateV(w3, clamp, lo, hi), 16);
    }
    for (; c < C4; c += 4) {
      const o = <usize>c << 2;
      const m = v128.load(center + o);
      const a = v128.load(scale + o);
      const b = v128.load(bias + o);
      const v0 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), m), a), b);
      const v1 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + rowBytes + o), m), a), b);
      const v2 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + 2 * rowBytes + o), m), a), b);
      const v3 = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + 3 * rowBytes + o), m), a), b);
      v128.store(yr + o, activateV(v0, clamp, lo, hi));
      v128.store(yr + rowBytes + o, activateV(v1, clamp, lo, hi));
      v128.store(yr + 2 * rowBytes + o, activateV(v2, clamp, lo, hi));
      v128.store(yr + 3 * rowBytes + o, activateV(v3, clamp, lo, hi));
    }
    for (let c = C4; c < C; c++) {
      const o = <usize>c << 2;
      const m = load<f32>(center + o);
      const a = load<f32>(scale + o);
      const b = load<f32>(bias + o);
      for (let i: usize = 0; i < 4; i++) {
        store<f32>(yr + i * rowBytes + o, activateS((load<f32>(xr + i * rowBytes + o) - m) * a + b, clamp, loS, hiS));
      }
    }
  }
  for (; r < N; r++) normRow(x + <usize>r * rowBytes, y + <usize>r * rowBytes, C, center, scale, bias, act, clamp);
}

// One row, sixteen features a step: the rows past the last four, and a small call's one row
// ([1, 256]: 61 ns against 75 ns four features a step, kernel called directly).
@inline
function normRow(xr: usize, yr: usize, C: i32, center: usize, scale: usize, bias: usize, act: i32, clamp: bool): void {
  const lo = lowV(act), hi = highV(act), loS = clampLow(act), hiS = clampHigh(act);
  const C4 = C & ~3;
  const C16 = C & ~15;
  let c = 0;
  for (; c < C16; c += 16) {
    const o = <usize>c << 2;
    const p = xr + o, q = yr + o, m = center + o, a = scale + o, b = bias + o;
    v128.store(q, activateV(f32x4.add(f32x4.mul(f32x4.sub(v128.load(p), v128.load(m)), v128.load(a)), v128.load(b)), clamp, lo, hi));
    v128.store(q, activateV(f32x4.add(f32x4.mul(f32x4.sub(v128.load(p, 16), v128.load(m, 16)), v128.load(a, 16)), v128.load(b, 16)), clamp, lo, hi), 16);
    v128.store(q, activateV(f32x4.add(f32x4.mul(f32x4.sub(v128.load(p, 32), v128.load(m, 32)), v128.load(a, 32)), v128.load(b, 32)), clamp, lo, hi), 32);
    v128.store(q, activateV(f32x4.add(f32x4.mul(f32x4.sub(v128.load(p, 48), v128.load(m, 48)), v128.load(a, 48)), v128.load(b, 48)), clamp, lo, hi), 48);
  }
  for (; c < C4; c += 4) {
    const o = <usize>c << 2;
    v128.store(yr + o, activateV(f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), v128.load(center + o)), v128.load(scale + o)), v128.load(bias + o)), clamp, lo, hi));
  }
  for (; c < C; c++) {
    const o = <usize>c << 2;
    store<f32>(yr + o, activateS((load<f32>(xr + o) - load<f32>(center + o)) * load<f32>(scale + o) + load<f32>(bias + o), clamp, loS, hiS));
  }
}

// Short rows (streamRows, see stats.ts): one row at a time, in memory order, sixteen
// features a step; the per-feature arrays stay in L1 at these widths.
@inline
function normRowsStream(x: usize, y: usize, N: i32, C: i32, center: usize, scale: usize, bias: usize, act: i32, clamp: bool): void {
  const rowBytes = <usize>C << 2;
  for (let r = 0; r < N; r++) normRow(x + <usize>r * rowBytes, y + <usize>r * rowBytes, C, center, scale, bias, act, clamp);
}

// One (n, c) run of S contiguous elements at a time (S > 1 layout).
@inline
function normRuns(x: usize, y: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, scale: usize, bias: usize, act: i32, clamp: bool): void {
  const lo = lowV(act), hi = highV(act), loS = clampLow(act), hiS = clampHigh(act);
  const S8 = S & ~7;
  const S4 = S & ~3;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const off = <usize>n * sampleBytes + (<usize>c * <usize>S << 2);
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
        v128.store(yr + o, activateV(v0, clamp, lo, hi));
        v128.store(yr + o, activateV(v1, clamp, lo, hi), 16);
      }
      for (; s < S4; s += 4) {
        const o = <usize>s << 2;
        const v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xr + o), m), a), b);
        v128.store(yr + o, activateV(v, clamp, lo, hi));
      }
      for (; s < S; s++) {
        const o = <usize>s << 2;
        store<f32>(yr + o, activateS((load<f32>(xr + o) - ms) * as + bs, clamp, loS, hiS));
      }
    }
  }
}

@inline
function normalizeWith(x: usize, y: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, scale: usize, bias: usize, act: i32, clamp: bool): void {
  if (S > 1) normRuns(x, y, N, C, S, sampleBytes, center, scale, bias, act, clamp);
  else if (streamRows(N, C) && sampleBytes == <usize>C << 2) normRowsStream(x, y, N, C, center, scale, bias, act, clamp);
  else normRows(x, y, N, C, sampleBytes, center, scale, bias, act, clamp);
}

// Two bodies, none and clamp, each a function of its own, so that each is specialised before
// it is inlined below (inlined into one function, the bodies of the activations were merged
// back into one that tested the code inside its loops: 1.4x slower in cache).
function normalizeNone(x: usize, y: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, scale: usize, bias: usize): void {
  normalizeWith(x, y, N, C, S, sampleBytes, center, scale, bias, Activation.None, false);
}
function normalizeClamp(x: usize, y: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, scale: usize, bias: usize, act: i32): void {
  normalizeWith(x, y, N, C, S, sampleBytes, center, scale, bias, act, true);
}

/** normalize over an [N, C, S] view whose samples are sampleBytes apart (a slab of channels: slab.ts). */
export function normalizeView(x: usize, y: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, scale: usize, bias: usize,
  activation: i32): void {
  if (activation == Activation.None) normalizeNone(x, y, N, C, S, sampleBytes, center, scale, bias);
  else normalizeClamp(x, y, N, C, S, sampleBytes, center, scale, bias, activation);
}

export function normalize(x: usize, y: usize, N: i32, C: i32, S: i32, center: usize, scale: usize, bias: usize, activation: i32): void {
  normalizeView(x, y, N, C, S, <usize>C * <usize>S << 2, center, scale, bias, activation);
}
