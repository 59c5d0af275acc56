// The JS backend's fast loops, for the layout where plain loops leave most speed behind:
// features contiguous in a row (S == 1) without an activation. Every other case runs the
// reference (kernels.ts), which test/js-kernels.test.ts checks these against: the elementwise
// results to the last bit (the same f64 arithmetic per element), the sums within the f64
// reference's bound (they add in another order). The same signatures as the reference.
import type { FloatArray } from '../types.js';
import * as reference from './kernels.js';

export { backwardFinalize, fold, trainFinalize } from './kernels.js';

/**
 * Per-channel mean and M2. S == 1: one pass of sums of d = x - pivot and d^2 (in mean and m2
 * until the end), the pivot the feature's first value, so that M2 = sum(d^2) - sum(d)^2/n
 * loses a few of f64's bits at most (two passes took 1.5x-2x the time); four rows a step.
 */
export function stats(x: FloatArray, N: number, C: number, S: number, mean: Float64Array, m2: Float64Array): void {
  if (S !== 1) return reference.stats(x, N, C, S, mean, m2);
  mean.fill(0, 0, C);
  m2.fill(0, 0, C);
  const count = N;
  const N4 = N & ~3;
  let n = 0;
  for (; n < N4; n += 4) {
    const r0 = n * C, r1 = r0 + C, r2 = r1 + C, r3 = r2 + C;
    let c = 0;
    for (; c + 2 <= C; c += 2) { // two features a step, loads first (see normalize)
      const p = x[c], q = x[c + 1];
      const d0 = x[r0 + c] - p, d1 = x[r1 + c] - p, d2 = x[r2 + c] - p, d3 = x[r3 + c] - p;
      const e0 = x[r0 + c + 1] - q, e1 = x[r1 + c + 1] - q, e2 = x[r2 + c + 1] - q, e3 = x[r3 + c + 1] - q;
      const s = mean[c], t = mean[c + 1], u = m2[c], v = m2[c + 1];
      mean[c] = s + (d0 + d1 + d2 + d3);
      mean[c + 1] = t + (e0 + e1 + e2 + e3);
      m2[c] = u + (d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3);
      m2[c + 1] = v + (e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3);
    }
    for (; c < C; c++) {
      const p = x[c];
      const d0 = x[r0 + c] - p, d1 = x[r1 + c] - p, d2 = x[r2 + c] - p, d3 = x[r3 + c] - p;
      mean[c] += d0 + d1 + d2 + d3;
      m2[c] += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
    }
  }
  for (; n < N; n++) {
    for (let c = 0, row = n * C; c < C; c++) {
      const d = x[row + c] - x[c];
      mean[c] += d;
      m2[c] += d * d;
    }
  }
  for (let c = 0; c < C; c++) {
    const s = mean[c];
    mean[c] = x[c] + s / count;
    m2[c] -= (s * s) / count;
  }
}

// One row of the S == 1 layout without activation, four features a step, loads first (as above).
function normalizeRow(x: FloatArray, y: FloatArray, row: number, C: number, center: FloatArray, scale: FloatArray, bias: FloatArray): void {
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const i = row + c;
    const x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
    const m0 = center[c], m1 = center[c + 1], m2 = center[c + 2], m3 = center[c + 3];
    const a0 = scale[c], a1 = scale[c + 1], a2 = scale[c + 2], a3 = scale[c + 3];
    const b0 = bias[c], b1 = bias[c + 1], b2 = bias[c + 2], b3 = bias[c + 3];
    y[i] = (x0 - m0) * a0 + b0;
    y[i + 1] = (x1 - m1) * a1 + b1;
    y[i + 2] = (x2 - m2) * a2 + b2;
    y[i + 3] = (x3 - m3) * a3 + b3;
  }
  for (; c < C; c++) y[row + c] = (x[row + c] - center[c]) * scale[c] + bias[c];
}

/** normalize (kernels.ts); S == 1 without an activation four rows a step. */
export function normalize(x: FloatArray, y: FloatArray, N: number, C: number, S: number,
  center: FloatArray, scale: FloatArray, bias: FloatArray, activation: number): void {
  if (S !== 1 || activation !== 0) return reference.normalize(x, y, N, C, S, center, scale, bias, activation);
  // Four rows per step share the per-feature loads. Every load of a step comes before its
  // first store: V8 (Node 20) reloads a typed array's length and data pointer after any
  // store to a typed array, so loads between stores cost 1.1x to 1.5x (measured here).
  const N4 = N & ~3;
  let n = 0;
  for (; n < N4; n += 4) {
    const r0 = n * C, r1 = r0 + C, r2 = r1 + C, r3 = r2 + C;
    let c = 0;
    for (; c + 2 <= C; c += 2) { // two features a step: half the reloads per element
      const m = center[c], a = scale[c], b = bias[c], m1 = center[c + 1], a1 = scale[c + 1], b1 = bias[c + 1];
      const x0 = x[r0 + c], x1 = x[r1 + c], x2 = x[r2 + c], x3 = x[r3 + c];
      const u0 = x[r0 + c + 1], u1 = x[r1 + c + 1], u2 = x[r2 + c + 1], u3 = x[r3 + c + 1];
      y[r0 + c] = (x0 - m) * a + b;
      y[r0 + c + 1] = (u0 - m1) * a1 + b1;
      y[r1 + c] = (x1 - m) * a + b;
      y[r1 + c + 1] = (u1 - m1) * a1 + b1;
      y[r2 + c] = (x2 - m) * a + b;
      y[r2 + c + 1] = (u2 - m1) * a1 + b1;
      y[r3 + c] = (x3 - m) * a + b;
      y[r3 + c + 1] = (u3 - m1) * a1 + b1;
    }
    for (; c < C; c++) {
      const m = center[c], a = scale[c], b = bias[c];
      const x0 = x[r0 + c], x1 = x[r1 + c], x2 = x[r2 + c], x3 = x[r3 + c];
      y[r0 + c] = (x0 - m) * a + b;
      y[r1 + c] = (x1 - m) * a + b;
      y[r2 + c] = (x2 - m) * a + b;
      y[r3 + c] = (x3 - m) * a + b;
    }
  }
  for (; n < N; n++) normalizeRow(x, y, n * C, C, center, scale, bias);
}

/** backwardReduce (kernels.ts); S == 1 without an activation four rows a step. */
export function backwardReduce(x: FloatArray, dy: FloatArray, N: number, C: number, S: number,
  center: FloatArray, alpha: FloatArray, shift: FloatArray, sumDy: Float64Array, sumDyXc: Float64Array, activation: number): void {
  if (S !== 1 || activation !== 0) return reference.backwardReduce(x, dy, N, C, S, center, alpha, shift, sumDy, sumDyXc, activation);
  sumDy.fill(0, 0, C);
  sumDyXc.fill(0, 0, C);
  // Four rows per step, as in stats: fewer accumulator read-modify-writes.
  const N4 = N & ~3;
  let n = 0;
  for (; n < N4; n += 4) {
    const r0 = n * C, r1 = r0 + C, r2 = r1 + C, r3 = r2 + C;
    for (let c = 0; c < C; c++) {
      const m = center[c];
      const g0 = dy[r0 + c], g1 = dy[r1 + c], g2 = dy[r2 + c], g3 = dy[r3 + c];
      const x0 = x[r0 + c], x1 = x[r1 + c], x2 = x[r2 + c], x3 = x[r3 + c]; // before the stores (see normalize)
      sumDy[c] += g0 + g1 + g2 + g3;
      sumDyXc[c] += g0 * (x0 - m) + g1 * (x1 - m) + g2 * (x2 - m) + g3 * (x3 - m);
    }
  }
  for (; n < N; n++) {
    for (let c = 0, row = n * C; c < C; c++) {
      sumDy[c] += dy[row + c];
      sumDyXc[c] += dy[row + c] * (x[row + c] - center[c]);
    }
  }
}

/** backwardApply (kernels.ts); S == 1 without an activation four rows a step. dx may be dy. */
export function backwardApply(x: FloatArray, dy: FloatArray, dx: FloatArray, N: number, C: number, S: number,
  center: FloatArray, alpha: FloatArray, shift: FloatArray,
  ka: FloatArray, kb: FloatArray, kc: FloatArray, activation: number): void {
  if (S !== 1 || activation !== 0) return reference.backwardApply(x, dy, dx, N, C, S, center, alpha, shift, ka, kb, kc, activation);
  const N4 = N & ~3;
  let n = 0;
  for (; n < N4; n += 4) {
    const r0 = n * C, r1 = r0 + C, r2 = r1 + C, r3 = r2 + C;
    let c = 0;
    for (; c + 2 <= C; c += 2) { // two features a step (as normalize)
      const m = center[c], k1 = ka[c], k2 = kb[c], k3 = kc[c];
      const n1 = center[c + 1], j1 = ka[c + 1], j2 = kb[c + 1], j3 = kc[c + 1];
      // Every load before the first store (see normalize); dx may be dy.
      const g0 = dy[r0 + c], g1 = dy[r1 + c], g2 = dy[r2 + c], g3 = dy[r3 + c];
      const h0 = dy[r0 + c + 1], h1 = dy[r1 + c + 1], h2 = dy[r2 + c + 1], h3 = dy[r3 + c + 1];
      const x0 = x[r0 + c], x1 = x[r1 + c], x2 = x[r2 + c], x3 = x[r3 + c];
      const u0 = x[r0 + c + 1], u1 = x[r1 + c + 1], u2 = x[r2 + c + 1], u3 = x[r3 + c + 1];
      dx[r0 + c] = (g0 - k3) * k1 + (x0 - m) * k2;
      dx[r0 + c + 1] = (h0 - j3) * j1 + (u0 - n1) * j2;
      dx[r1 + c] = (g1 - k3) * k1 + (x1 - m) * k2;
      dx[r1 + c + 1] = (h1 - j3) * j1 + (u1 - n1) * j2;
      dx[r2 + c] = (g2 - k3) * k1 + (x2 - m) * k2;
      dx[r2 + c + 1] = (h2 - j3) * j1 + (u2 - n1) * j2;
      dx[r3 + c] = (g3 - k3) * k1 + (x3 - m) * k2;
      dx[r3 + c + 1] = (h3 - j3) * j1 + (u3 - n1) * j2;
    }
    for (; c < C; c++) {
      const m = center[c], k1 = ka[c], k2 = kb[c], k3 = kc[c];
      const g0 = dy[r0 + c], g1 = dy[r1 + c], g2 = dy[r2 + c], g3 = dy[r3 + c];
      const x0 = x[r0 + c], x1 = x[r1 + c], x2 = x[r2 + c], x3 = x[r3 + c];
      dx[r0 + c] = (g0 - k3) * k1 + (x0 - m) * k2;
      dx[r1 + c] = (g1 - k3) * k1 + (x1 - m) * k2;
      dx[r2 + c] = (g2 - k3) * k1 + (x2 - m) * k2;
      dx[r3 + c] = (g3 - k3) * k1 + (x3 - m) * k2;
    }
  }
  for (; n < N; n++) {
    for (let c = 0, row = n * C; c < C; c++) dx[row + c] = (dy[row + c] - kc[c]) * ka[c] + (x[row + c] - center[c]) * kb[c];
  }
}
