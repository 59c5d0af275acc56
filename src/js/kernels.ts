// The pure-TypeScript kernels: the fallback where Wasm SIMD is missing, and the readable
// reference for assembly/. Same operations over the same row-major [N, C, S] view, with
// JavaScript's f64 arithmetic and two-pass statistics (mean, then squared deviations).
// Each operation has a loop for S == 1 (features contiguous in a row) and one for S > 1
// (contiguous runs per channel), so that both walk memory in order.

/** Per-channel mean and M2 (sum of squared deviations from the mean) over N*S elements. */
export function stats(x: Float32Array, N: number, C: number, S: number, mean: Float64Array, m2: Float64Array): void {
  mean.fill(0, 0, C);
  m2.fill(0, 0, C);
  const count = N * S;
  if (S === 1) {
    for (let n = 0, row = 0; n < N; n++, row += C) for (let c = 0; c < C; c++) mean[c] += x[row + c];
    for (let c = 0; c < C; c++) mean[c] /= count;
    for (let n = 0, row = 0; n < N; n++, row += C) {
      for (let c = 0; c < C; c++) {
        const d = x[row + c] - mean[c];
        m2[c] += d * d;
      }
    }
    return;
  }
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let n = 0; n < N; n++) {
      const run = (n * C + c) * S;
      for (let s = 0; s < S; s++) sum += x[run + s];
    }
    const m = sum / count;
    let sq = 0;
    for (let n = 0; n < N; n++) {
      const run = (n * C + c) * S;
      for (let s = 0; s < S; s++) {
        const d = x[run + s] - m;
        sq += d * d;
      }
    }
    mean[c] = m;
    m2[c] = sq;
  }
}

/** Running-stat update, saved mean and invstd, alpha = gamma * invstd (see assembly/channel.ts). */
export function trainFinalize(C: number, count: number, mean: Float64Array, m2: Float64Array, gamma: Float32Array,
  runMean: Float32Array, runVar: Float32Array, momentum: number, eps: number, unbiased: boolean,
  saveMean: Float32Array, saveInvstd: Float32Array, alpha: Float32Array): void {
  const runDenom = unbiased && count > 1 ? count - 1 : count;
  for (let c = 0; c < C; c++) {
    const invstd = 1 / Math.sqrt(m2[c] / count + eps);
    runMean[c] = momentum * runMean[c] + (1 - momentum) * mean[c];
    runVar[c] = momentum * runVar[c] + (1 - momentum) * (m2[c] / runDenom);
    saveMean[c] = mean[c];
    saveInvstd[c] = invstd;
    alpha[c] = gamma[c] * invstd;
  }
}

/** Folded inference scale: gamma / sqrt(runVar + eps). */
export function fold(C: number, gamma: Float32Array, runVar: Float32Array, eps: number, scale: Float32Array): void {
  for (let c = 0; c < C; c++) scale[c] = gamma[c] / Math.sqrt(runVar[c] + eps);
}

/** y = (x - center) * scale + bias per channel, then ReLU if asked. y may be x. */
export function normalize(x: Float32Array, y: Float32Array, N: number, C: number, S: number,
  center: Float32Array, scale: Float32Array, bias: Float32Array, relu: boolean): void {
  if (S === 1) {
    for (let n = 0, row = 0; n < N; n++, row += C) {
      for (let c = 0; c < C; c++) {
        const v = (x[row + c] - center[c]) * scale[c] + bias[c];
        y[row + c] = relu && !(v > 0) && v === v ? 0 : v;
      }
    }
    return;
  }
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const m = center[c], a = scale[c], b = bias[c];
      const end = (n * C + c + 1) * S;
      for (let i = end - S; i < end; i++) {
        const v = (x[i] - m) * a + b;
        y[i] = relu && !(v > 0) && v === v ? 0 : v;
      }
    }
  }
}

// dy where the fused ReLU let the forward value through, else 0 (the forward's arithmetic).
function masked(dy: number, xc: number, a: number, b: number, relu: boolean): number {
  return relu && !(xc * a + b > 0) ? 0 : dy;
}

/** Per channel sum(dy') and sum(dy' * (x - center)), dy' masked by the fused ReLU. */
export function backwardReduce(x: Float32Array, dy: Float32Array, N: number, C: number, S: number,
  center: Float32Array, alpha: Float32Array, beta: Float32Array, sumDy: Float64Array, sumDyXc: Float64Array, relu: boolean): void {
  sumDy.fill(0, 0, C);
  sumDyXc.fill(0, 0, C);
  if (S === 1) {
    for (let n = 0, row = 0; n < N; n++, row += C) {
      for (let c = 0; c < C; c++) {
        const xc = x[row + c] - center[c];
        const g = masked(dy[row + c], xc, alpha[c], beta[c], relu);
        sumDy[c] += g;
        sumDyXc[c] += g * xc;
      }
    }
    return;
  }
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const m = center[c], a = alpha[c], b = beta[c];
      let s1 = 0, s2 = 0;
      const end = (n * C + c + 1) * S;
      for (let i = end - S; i < end; i++) {
        const xc = x[i] - m;
        const g = masked(dy[i], xc, a, b, relu);
        s1 += g;
        s2 += g * xc;
      }
      sumDy[c] += s1;
      sumDyXc[c] += s2;
    }
  }
}

/** dgamma, dbeta and the coefficients of dx = ka*(dy' - kc) + kb*(x - mean) (see assembly/channel.ts). */
export function backwardFinalize(C: number, M: number, gamma: Float32Array, saveInvstd: Float32Array,
  sumDy: Float64Array, sumDyXc: Float64Array, dgamma: Float32Array, dbeta: Float32Array,
  ka: Float32Array, kb: Float32Array, kc: Float32Array): void {
  for (let c = 0; c < C; c++) {
    const invstd = saveInvstd[c];
    const a = gamma[c] * invstd;
    const dg = sumDyXc[c] * invstd;
    dbeta[c] = sumDy[c];
    dgamma[c] = dg;
    ka[c] = a;
    kb[c] = (-a * invstd * dg) / M;
    kc[c] = sumDy[c] / M;
  }
}

/** dx = ka*(dy' - kc) + kb*(x - center). dx may be dy. */
export function backwardApply(x: Float32Array, dy: Float32Array, dx: Float32Array, N: number, C: number, S: number,
  center: Float32Array, alpha: Float32Array, beta: Float32Array,
  ka: Float32Array, kb: Float32Array, kc: Float32Array, relu: boolean): void {
  if (S === 1) {
    for (let n = 0, row = 0; n < N; n++, row += C) {
      for (let c = 0; c < C; c++) {
        const xc = x[row + c] - center[c];
        dx[row + c] = (masked(dy[row + c], xc, alpha[c], beta[c], relu) - kc[c]) * ka[c] + xc * kb[c];
      }
    }
    return;
  }
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const m = center[c], a = alpha[c], b = beta[c], k1 = ka[c], k2 = kb[c], k3 = kc[c];
      const end = (n * C + c + 1) * S;
      for (let i = end - S; i < end; i++) {
        const xc = x[i] - m;
        dx[i] = (masked(dy[i], xc, a, b, relu) - k3) * k1 + xc * k2;
      }
    }
  }
}
