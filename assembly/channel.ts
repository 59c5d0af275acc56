// Per-channel O(C) steps between the O(N*C*S) passes, computed in f64 and stored as T (f32, or
// f64 for a float64 layer: then nothing is rounded). Two channels a step in f64x2 (the scalar
// loop after them does the last one of an odd C): the same IEEE operations in the same order,
// so the same results; with a few rows and many channels (the book's [32, 64, 56, 56]:
// 200,704 channels) these steps cost as much as a pass. Generic over T as the drivers are;
// index.ts exports each for f32 and for f64.

// Two T at p as an f64x2, and an f64x2 stored as two T at p.
@inline
function load2<T>(p: usize): v128 {
  return sizeof<T>() == 4 ? f64x2.promote_low_f32x4(v128.load64_zero(p)) : v128.load(p);
}

@inline
function store2<T>(p: usize, v: v128): void {
  if (sizeof<T>() == 4) v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
  else v128.store(p, v);
}

// An f64x2 rounded to T and back: the two lanes as T would hold them (f64: themselves).
@inline
function rounded<T>(v: v128): v128 {
  return sizeof<T>() == 4 ? f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v)) : v;
}

// From the batch statistics: running-stat update (book: running = m*running + (1-m)*batch),
// the saved mean and 1/sqrt(var + eps) for backward, alpha = gamma * invstd, and the shift
// of the normalisation y = (x - meanHi) * alpha + shift.
// The f64 mean is kept as meanHi + meanLo (two T): the elementwise passes subtract meanHi,
// exact for data near the mean, and meanLo is folded into shift here and into the backward's
// coefficients, so that data far from zero (1e4 + noise) loses no precision to f32 rounding.
// (With T = f64, meanHi is the mean and meanLo 0.)
// unbiased != 0 feeds the running variance with M2 / (count - 1) (PyTorch's convention);
// the normalisation always uses the biased variance.
export function trainFinalizeOf<T>(C: i32, count: f64, mean64: usize, m2_64: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: f64, eps: f64, unbiased: i32,
  meanHi: usize, meanLo: usize, saveInvstd: usize, alpha: usize, shift: usize): void {
  const keep = momentum;
  const take = 1 - momentum;
  // Reciprocals once: the divisions per channel were most of this step's time (0.9 ms of the
  // book's 200,704 channels here, a third of a pass over its 25.7 MB). x * (1/n) and x / n
  // differ by at most an ulp of f64.
  const invCount = 1 / count;
  const invDenom = 1 / (unbiased && count > 1 ? count - 1 : count);
  const one = f64x2.splat(1), invCountV = f64x2.splat(invCount), epsV = f64x2.splat(eps), keepV = f64x2.splat(keep);
  const takeV = f64x2.splat(take), invDenomV = f64x2.splat(invDenom);
  const size = <usize>sizeof<T>();
  let c = 0;
  for (; c + 2 <= C; c += 2) {
    const q = <usize>c << 3;
    const p = <usize>c * size;
    const mean = v128.load(mean64 + q);
    const m2 = v128.load(m2_64 + q);
    const invstd = f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.mul(m2, invCountV), epsV)));
    const hi = rounded<T>(mean);
    const lo = f64x2.sub(mean, hi);
    const a = f64x2.mul(load2<T>(gamma + p), invstd);
    store2<T>(runMean + p, f64x2.add(f64x2.mul(keepV, load2<T>(runMean + p)), f64x2.mul(takeV, mean)));
    store2<T>(runVar + p, f64x2.add(f64x2.mul(keepV, load2<T>(runVar + p)), f64x2.mul(takeV, f64x2.mul(m2, invDenomV))));
    store2<T>(meanHi + p, hi);
    store2<T>(meanLo + p, lo);
    store2<T>(saveInvstd + p, invstd);
    store2<T>(alpha + p, a);
    store2<T>(shift + p, f64x2.sub(load2<T>(beta + p), f64x2.mul(lo, a)));
  }
  for (; c < C; c++) {
    const q = <usize>c << 3;
    const p = <usize>c * size;
    const mean = load<f64>(mean64 + q);
    const m2 = load<f64>(m2_64 + q);
    const invstd = 1 / Math.sqrt(m2 * invCount + eps);
    const hi = <T>mean;
    const lo = mean - <f64>hi;
    const a = <f64>load<T>(gamma + p) * invstd;
    store<T>(runMean + p, <T>(keep * <f64>load<T>(runMean + p) + take * mean));
    store<T>(runVar + p, <T>(keep * <f64>load<T>(runVar + p) + take * (m2 * invDenom)));
    store<T>(meanHi + p, hi);
    store<T>(meanLo + p, <T>lo);
    store<T>(saveInvstd + p, <T>invstd);
    store<T>(alpha + p, <T>a);
    store<T>(shift + p, <T>(<f64>load<T>(beta + p) - lo * a));
  }
}

// Folded inference scale: gamma / sqrt(runVar + eps).
export function foldOf<T>(C: i32, gamma: usize, runVar: usize, eps: f64, scale: usize): void {
  const epsV = f64x2.splat(eps);
  const size = <usize>sizeof<T>();
  let c = 0;
  for (; c + 2 <= C; c += 2) {
    const p = <usize>c * size;
    store2<T>(scale + p, f64x2.div(load2<T>(gamma + p), f64x2.sqrt(f64x2.add(load2<T>(runVar + p), epsV))));
  }
  for (; c < C; c++) {
    const p = <usize>c * size;
    store<T>(scale + p, <T>(<f64>load<T>(gamma + p) / Math.sqrt(<f64>load<T>(runVar + p) + eps)));
  }
}

// From sum(dy) and sum(dy * (x - meanHi)) over M = N*S elements per channel:
//   dbeta = sum(dy), dgamma = sum(dy * xhat) = invstd * (sum(dy * (x - meanHi)) - meanLo * sum(dy)),
//   dx = a*(dy - kc) + kb*(x - meanHi) with a = gamma*invstd, kb = -a*invstd*dgamma/M and
//   kc = (dbeta - meanLo*invstd*dgamma) / M (the meanLo term corrects x - meanHi to x - mean).
export function backwardFinalizeOf<T>(C: i32, M: f64, gamma: usize, meanLo: usize, saveInvstd: usize, sumDy: usize, sumDyXc: usize,
  dgamma: usize, dbeta: usize, ka: usize, kb: usize, kc: usize): void {
  const invM = 1 / M; // a multiply, not a division, per channel (see trainFinalizeOf)
  const invMV = f64x2.splat(invM);
  const size = <usize>sizeof<T>();
  let c = 0;
  for (; c + 2 <= C; c += 2) {
    const q = <usize>c << 3;
    const p = <usize>c * size;
    const invstd = load2<T>(saveInvstd + p);
    const lo = load2<T>(meanLo + p);
    const a = f64x2.mul(load2<T>(gamma + p), invstd);
    const db = v128.load(sumDy + q);
    const dg = f64x2.mul(f64x2.sub(v128.load(sumDyXc + q), f64x2.mul(lo, db)), invstd);
    store2<T>(dbeta + p, db);
    store2<T>(dgamma + p, dg);
    store2<T>(ka + p, a);
    store2<T>(kb + p, f64x2.mul(f64x2.mul(f64x2.mul(f64x2.neg(a), invstd), dg), invMV));
    store2<T>(kc + p, f64x2.mul(f64x2.sub(db, f64x2.mul(f64x2.mul(lo, invstd), dg)), invMV));
  }
  for (; c < C; c++) {
    const q = <usize>c << 3;
    const p = <usize>c * size;
    const invstd = <f64>load<T>(saveInvstd + p);
    const lo = <f64>load<T>(meanLo + p);
    const a = <f64>load<T>(gamma + p) * invstd;
    const db = load<f64>(sumDy + q);
    const dg = (load<f64>(sumDyXc + q) - lo * db) * invstd;
    store<T>(dbeta + p, <T>db);
    store<T>(dgamma + p, <T>dg);
    store<T>(ka + p, <T>a);
    store<T>(kb + p, <T>(-a * invstd * dg * invM));
    store<T>(kc + p, <T>((db - lo * invstd * dg) * invM));
  }
}

export function trainFinalize(C: i32, count: f64, mean64: usize, m2_64: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: f64, eps: f64, unbiased: i32,
  meanHi: usize, meanLo: usize, saveInvstd: usize, alpha: usize, shift: usize): void {
  trainFinalizeOf<f32>(C, count, mean64, m2_64, gamma, beta, runMean, runVar, momentum, eps, unbiased, meanHi, meanLo, saveInvstd, alpha, shift);
}
export function trainFinalizeF64(C: i32, count: f64, mean64: usize, m2_64: usize, gamma: usize, beta: usize,
  runMean: usize, runVar: usize, momentum: f64, eps: f64, unbiased: i32,
  meanHi: usize, meanLo: usize, saveInvstd: usize, alpha: usize, shift: usize): void {
  trainFinalizeOf<f64>(C, count, mean64, m2_64, gamma, beta, runMean, runVar, momentum, eps, unbiased, meanHi, meanLo, saveInvstd, alpha, shift);
}

export function fold(C: i32, gamma: usize, runVar: usize, eps: f64, scale: usize): void {
  foldOf<f32>(C, gamma, runVar, eps, scale);
}
export function foldF64(C: i32, gamma: usize, runVar: usize, eps: f64, scale: usize): void {
  foldOf<f64>(C, gamma, runVar, eps, scale);
}

export function backwardFinalize(C: i32, M: f64, gamma: usize, meanLo: usize, saveInvstd: usize, sumDy: usize, sumDyXc: usize,
  dgamma: usize, dbeta: usize, ka: usize, kb: usize, kc: usize): void {
  backwardFinalizeOf<f32>(C, M, gamma, meanLo, saveInvstd, sumDy, sumDyXc, dgamma, dbeta, ka, kb, kc);
}
export function backwardFinalizeF64(C: i32, M: f64, gamma: usize, meanLo: usize, saveInvstd: usize, sumDy: usize, sumDyXc: usize,
  dgamma: usize, dbeta: usize, ka: usize, kb: usize, kc: usize): void {
  backwardFinalizeOf<f64>(C, M, gamma, meanLo, saveInvstd, sumDy, sumDyXc, dgamma, dbeta, ka, kb, kc);
}

// Chan et al.: merges partial statistics (nB, meanB, m2B) into (nA, meanA, m2A), per channel:
// how the threads' halves of a batch combine, exactly as one pass over the whole would.
// The same for both element types: the partial statistics are f64.
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

// dst[i] += src[i] for n f64: sums the threads' partial backward reductions (of either type).
export function addF64(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const q = <usize>i << 3;
    store<f64>(dst + q, load<f64>(dst + q) + load<f64>(src + q));
  }
}
