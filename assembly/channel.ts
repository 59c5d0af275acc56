// Per-channel O(C) steps between the O(N*C*S) passes, computed in f64 and stored as f32.

// From the batch statistics: running-stat update (book: running = m*running + (1-m)*batch),
// the saved mean and 1/sqrt(var + eps) for backward, alpha = gamma * invstd, and the shift
// of the normalisation y = (x - meanHi) * alpha + shift.
// The f64 mean is kept as meanHi + meanLo (two f32): the elementwise passes subtract meanHi,
// exact for data near the mean, and meanLo is folded into shift here and into the backward's
// coefficients, so that data far from zero (1e4 + noise) loses no precision to f32 rounding.
// unbiased != 0 feeds the running variance with M2 / (count - 1) (PyTorch's convention);
// the normalisation always uses the biased variance.
export function trainFinalize(C: i32, count: f64, mean64: usize, m2_64: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: f64, eps: f64, unbiased: i32,
  meanHi: usize, meanLo: usize, saveInvstd: usize, alpha: usize, shift: usize): void {
  const keep = momentum;
  const take = 1 - momentum;
  const runDenom = unbiased && count > 1 ? count - 1 : count;
  for (let c = 0; c < C; c++) {
    const q = <usize>c << 3;
    const p = <usize>c << 2;
    const mean = load<f64>(mean64 + q);
    const m2 = load<f64>(m2_64 + q);
    const invstd = 1 / Math.sqrt(m2 / count + eps);
    const hi = <f32>mean;
    const lo = mean - <f64>hi;
    const a = <f64>load<f32>(gamma + p) * invstd;
    store<f32>(runMean + p, <f32>(keep * <f64>load<f32>(runMean + p) + take * mean));
    store<f32>(runVar + p, <f32>(keep * <f64>load<f32>(runVar + p) + take * (m2 / runDenom)));
    store<f32>(meanHi + p, hi);
    store<f32>(meanLo + p, <f32>lo);
    store<f32>(saveInvstd + p, <f32>invstd);
    store<f32>(alpha + p, <f32>a);
    store<f32>(shift + p, <f32>(<f64>load<f32>(beta + p) - lo * a));
  }
}

// Folded inference scale: gamma / sqrt(runVar + eps).
export function fold(C: i32, gamma: usize, runVar: usize, eps: f64, scale: usize): void {
  for (let c = 0; c < C; c++) {
    const p = <usize>c << 2;
    store<f32>(scale + p, <f32>(<f64>load<f32>(gamma + p) / Math.sqrt(<f64>load<f32>(runVar + p) + eps)));
  }
}

// From sum(dy) and sum(dy * (x - meanHi)) over M = N*S elements per channel:
//   dbeta = sum(dy), dgamma = sum(dy * xhat) = invstd * (sum(dy * (x - meanHi)) - meanLo * sum(dy)),
//   dx = a*(dy - kc) + kb*(x - meanHi) with a = gamma*invstd, kb = -a*invstd*dgamma/M and
//   kc = (dbeta - meanLo*invstd*dgamma) / M (the meanLo term corrects x - meanHi to x - mean).
export function backwardFinalize(C: i32, M: f64, gamma: usize, meanLo: usize, saveInvstd: usize, sumDy: usize, sumDyXc: usize,
  dgamma: usize, dbeta: usize, ka: usize, kb: usize, kc: usize): void {
  for (let c = 0; c < C; c++) {
    const q = <usize>c << 3;
    const p = <usize>c << 2;
    const invstd = <f64>load<f32>(saveInvstd + p);
    const lo = <f64>load<f32>(meanLo + p);
    const a = <f64>load<f32>(gamma + p) * invstd;
    const db = load<f64>(sumDy + q);
    const dg = (load<f64>(sumDyXc + q) - lo * db) * invstd;
    store<f32>(dbeta + p, <f32>db);
    store<f32>(dgamma + p, <f32>dg);
    store<f32>(ka + p, <f32>a);
    store<f32>(kb + p, <f32>(-a * invstd * dg / M));
    store<f32>(kc + p, <f32>((db - lo * invstd * dg) / M));
  }
}

// Chan et al.: merges partial statistics (nB, meanB, m2B) into (nA, meanA, m2A), per channel:
// how the threads' halves of a batch combine, exactly as one pass over the whole would.
export function mergeStats(C: i32, nA: f64, meanA: usize, m2A: usize, nB: f64, meanB: usize, m2B: usize): void {
  const n = nA + nB;
  for (let c = 0; c < C; c++) {
    const q = <usize>c << 3;
    const ma = load<f64>(meanA + q);
    const delta = load<f64>(meanB + q) - ma;
    store<f64>(meanA + q, ma + delta * (nB / n));
    store<f64>(m2A + q, load<f64>(m2A + q) + load<f64>(m2B + q) + delta * delta * (nA * nB / n));
  }
}

// dst[i] += src[i] for n f64: sums the threads' partial backward reductions.
export function addF64(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const q = <usize>i << 3;
    store<f64>(dst + q, load<f64>(dst + q) + load<f64>(src + q));
  }
}
