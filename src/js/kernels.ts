// The readable reference of the kernels: the same operations as assembly/ over the same
// row-major [N, C, S] view, one plain loop per layout (S == 1: features contiguous in a row;
// S > 1: a contiguous run per channel), in JavaScript's f64 arithmetic. Same names and
// parameter order as the Wasm exports (src/wasm/abi.ts), with arrays for pointers and
// without the Wasm scratch and plan words; test/kernels.test.ts runs each Wasm export against
// its twin here. The JS backend runs the faster loops of fast-kernels.ts, which
// test/js-kernels.test.ts checks against these. The arrays are of the layer's dtype (Float32Array
// or Float64Array): the arithmetic is f64 either way, and a store rounds to the array's type.
import { ACTIVATIONS } from '../activation.js';
import type { FloatArray } from '../types.js';

/** Per-channel mean and M2 (sum of squared deviations from the mean) over N*S elements: two passes. */
export function stats(x: FloatArray, N: number, C: number, S: number, mean: Float64Array, m2: Float64Array): void {
  mean.fill(0, 0, C);
  m2.fill(0, 0, C);
  const count = N * S;
  if (S === 1) {
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) mean[c] += x[n * C + c];
    for (let c = 0; c < C; c++) mean[c] /= count;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const d = x[n * C + c] - mean[c];
        m2[c] += d * d;
      }
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) sum += x[(n * C + c) * S + s];
    const m = sum / count;
    let sq = 0;
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) {
        const d = x[(n * C + c) * S + s] - m;
        sq += d * d;
      }
    }
    mean[c] = m;
    m2[c] = sq;
  }
}

/**
 * Running-stat update, saved statistics, alpha = gamma * invstd and the shift of
 * y = (x - meanHi) * alpha + shift, with the mean split as meanHi + meanLo exactly as in
 * assembly/channel.ts (see there why), so that both backends round alike (in float64 arrays
 * meanHi is the mean and meanLo 0, as there).
 */
export function trainFinalize(C: number, count: number, mean: Float64Array, m2: Float64Array, gamma: FloatArray,
  beta: FloatArray, runMean: FloatArray, runVar: FloatArray, momentum: number, eps: number, unbiased: boolean,
  meanHi: FloatArray, meanLo: FloatArray, saveInvstd: FloatArray, alpha: FloatArray, shift: FloatArray): void {
  // Reciprocals once: a division per channel cost as much as a pass over the book's layout.
  const invCount = 1 / count;
  const invDenom = 1 / (unbiased && count > 1 ? count - 1 : count);
  for (let c = 0; c < C; c++) {
    const invstd = 1 / Math.sqrt(m2[c] * invCount + eps);
    meanHi[c] = mean[c];
    const hi = meanHi[c]; // the mean as the array holds it: rounded to f32, or itself in f64 (then lo is 0)
    const lo = mean[c] - hi;
    const a = gamma[c] * invstd;
    runMean[c] = momentum * runMean[c] + (1 - momentum) * mean[c];
    runVar[c] = momentum * runVar[c] + (1 - momentum) * (m2[c] * invDenom);
    meanLo[c] = lo;
    saveInvstd[c] = invstd;
    alpha[c] = a;
    shift[c] = beta[c] - lo * a;
  }
}

/** Folded inference scale: gamma / sqrt(runVar + eps). */
export function fold(C: number, gamma: FloatArray, runVar: FloatArray, eps: number, scale: FloatArray): void {
  for (let c = 0; c < C; c++) scale[c] = gamma[c] / Math.sqrt(runVar[c] + eps);
}

/** y = (x - center) * scale + bias per channel, then the activation (src/activation.ts). y may be x. */
export function normalize(x: FloatArray, y: FloatArray, N: number, C: number, S: number,
  center: FloatArray, scale: FloatArray, bias: FloatArray, activation: number): void {
  const act = ACTIVATIONS[activation].apply;
  if (S === 1) {
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) y[n * C + c] = act((x[n * C + c] - center[c]) * scale[c] + bias[c]);
    }
    return;
  }
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let s = 0; s < S; s++) {
        const i = (n * C + c) * S + s;
        y[i] = act((x[i] - center[c]) * scale[c] + bias[c]);
      }
    }
  }
}

/**
 * dy where the activation passed the forward's pre-activation value xc * a + b through, else 0
 * (that value recomputed with the forward's arithmetic).
 */
export function masked(dy: number, xc: number, a: number, b: number, passes: (y: number) => boolean): number {
  return passes(xc * a + b) ? dy : 0;
}

/** Per channel sum(dy') and sum(dy' * (x - center)), dy' masked by the activation's gradient. */
export function backwardReduce(x: FloatArray, dy: FloatArray, N: number, C: number, S: number,
  center: FloatArray, alpha: FloatArray, shift: FloatArray, sumDy: Float64Array, sumDyXc: Float64Array, activation: number): void {
  sumDy.fill(0, 0, C);
  sumDyXc.fill(0, 0, C);
  const passes = ACTIVATIONS[activation].passes;
  if (S === 1) {
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const xc = x[n * C + c] - center[c];
        const g = masked(dy[n * C + c], xc, alpha[c], shift[c], passes);
        sumDy[c] += g;
        sumDyXc[c] += g * xc;
      }
    }
    return;
  }
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let s = 0; s < S; s++) {
        const i = (n * C + c) * S + s;
        const xc = x[i] - center[c];
        const g = masked(dy[i], xc, alpha[c], shift[c], passes);
        sumDy[c] += g;
        sumDyXc[c] += g * xc;
      }
    }
  }
}

/** dgamma, dbeta and the coefficients of dx = ka*(dy' - kc) + kb*(x - meanHi) (see assembly/channel.ts). */
export function backwardFinalize(C: number, M: number, gamma: FloatArray, meanLo: FloatArray, saveInvstd: FloatArray,
  sumDy: Float64Array, sumDyXc: Float64Array, dgamma: FloatArray, dbeta: FloatArray,
  ka: FloatArray, kb: FloatArray, kc: FloatArray): void {
  const invM = 1 / M;
  for (let c = 0; c < C; c++) {
    const invstd = saveInvstd[c];
    const lo = meanLo[c];
    const a = gamma[c] * invstd;
    const db = sumDy[c];
    const dg = (sumDyXc[c] - lo * db) * invstd;
    dbeta[c] = db;
    dgamma[c] = dg;
    ka[c] = a;
    kb[c] = -a * invstd * dg * invM;
    kc[c] = (db - lo * invstd * dg) * invM;
  }
}

/** dx = ka*(dy' - kc) + kb*(x - center). dx may be dy. */
export function backwardApply(x: FloatArray, dy: FloatArray, dx: FloatArray, N: number, C: number, S: number,
  center: FloatArray, alpha: FloatArray, shift: FloatArray,
  ka: FloatArray, kb: FloatArray, kc: FloatArray, activation: number): void {
  const passes = ACTIVATIONS[activation].passes;
  if (S === 1) {
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const xc = x[n * C + c] - center[c];
        dx[n * C + c] = (masked(dy[n * C + c], xc, alpha[c], shift[c], passes) - kc[c]) * ka[c] + xc * kb[c];
      }
    }
    return;
  }
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let s = 0; s < S; s++) {
        const i = (n * C + c) * S + s;
        const xc = x[i] - center[c];
        dx[i] = (masked(dy[i], xc, alpha[c], shift[c], passes) - kc[c]) * ka[c] + xc * kb[c];
      }
    }
  }
}
