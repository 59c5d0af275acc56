// The loop shapes (drivers), each able to run every operation: the operation is a constant
// (Op) that selects its formula (formulas.ts) and what it reads, writes or sums. A plan word
// (plan.ts; src/wasm/plan.ts picks it from the measured table) says which shape and how wide:
//
//   rows (S == 1, features contiguous in a row): blocks of R rows, V vectors of features a
//     step (2 or 4: 8 or 16 f32 features; then one vector, then a scalar tail). A step loads its features' per-feature values (centre, coefficients, a
//     reduction's sums) into registers once, walks the R rows with them, and stores the sums
//     back. R = 1 is a row at a time in memory order; larger R shares the per-feature loads.
//   runs (S > 1, each (n, c) a contiguous run of S): V vectors a step along the run, the
//     channel's values splatted once per run.
//
// Reductions sum each feature's terms in T over blocks of BLOCK rows in row order (the sums
// carried in scratch between the R-row steps of a block), then merge the block into f64
// (formulas.ts: mergeV). So with S == 1 every R and V gives the same bits; along runs the
// V chains of sums are added at the end of a chunk, so V changes the order there.
import { clampHigh, clampLow, highV, lowV, openV } from './activation';
import { dxS, dxV, mergeS, mergeV, normalizeS, normalizeV, termS, termV } from './formulas';

/** The operations a driver runs. */
export const enum Op {
  Normalize = 0, // out = normalize(x; p0 centre, p1 scale, p2 bias)
  Dx = 1, // out = dx(x, dy; p0 centre, p1 ka, p2 kb, p3 kc, p4 alpha, p5 shift)
  Stats = 2, // acc1 mean, acc2 M2 of x (pivot: the block's first row, or a chunk's mean)
  Reduce = 3, // acc1 += sum(g), acc2 += sum(g * (x - p0)); p4 alpha, p5 shift for the mask
}

/** Rows whose sums a reduction keeps in T before merging them into f64. */
export const BLOCK: i32 = 32;
// Elements of a run whose sums a reduction keeps in T (4 KiB of f32: stays in L1, where the
// statistics read it twice: its mean, then the deviations from it).
const RUN_CHUNK: i32 = 1024;

// Which per-feature values an operation reads: the centre (p0, or the pivot), p1 and p2
// (scale and bias, or ka and kb), p3 (kc), and alpha and shift (p4, p5) for a mask.
@inline function readsK(op: i32): bool { return op <= Op.Dx; }
@inline function readsKc(op: i32): bool { return op == Op.Dx; }
@inline function readsDy(op: i32): bool { return op == Op.Dx || op == Op.Reduce; }
@inline function readsAB(op: i32, clamp: bool): bool { return clamp && (op == Op.Dx || op == Op.Reduce); }

@inline function vload(read: bool, p: usize): v128 { return read ? v128.load(p) : v128.splat<i32>(0); }
@inline function sload<T>(read: bool, p: usize): T { return read ? load<T>(p) : <T>0; }

// The elementwise operations' step, by op.
@inline
function elementV<T>(op: i32, x: v128, dy: v128, m: v128, k1: v128, k2: v128, k3: v128, a: v128, b: v128, clamp: bool, lo: v128, hi: v128, open: v128): v128 {
  return op == Op.Normalize ? normalizeV<T>(x, m, k1, k2, clamp, lo, hi) : dxV<T>(x, dy, m, k1, k2, k3, a, b, clamp, lo, hi, open);
}

@inline
function elementS<T>(op: i32, x: T, dy: T, m: T, k1: T, k2: T, k3: T, a: T, b: T, clamp: bool, lo: T, hi: T): T {
  return op == Op.Normalize ? normalizeS<T>(x, m, k1, k2, clamp, lo, hi) : dxS<T>(x, dy, m, k1, k2, k3, a, b, clamp, lo, hi);
}

// ---- rows ----------------------------------------------------------------------------------

/**
 * An [N, C] block of rows rowBytes apart (a whole tensor's rows, or a slab of their features):
 * blocks of R rows, V vectors (2 or 4; 1 for the last vectors) of features a step, then the
 * scalar tail. sums: scratch of two T arrays of C (reductions).
 */
@inline
export function rows<T>(op: i32, V: i32, clamp: bool, act: i32, x: usize, dy: usize, out: usize, N: i32, C: i32, rowBytes: usize, R: i32,
  p0: usize, p1: usize, p2: usize, p3: usize, p4: usize, p5: usize, sums: usize, acc1: usize, acc2: usize): void {
  const size = <usize>sizeof<T>();
  const lanes = 16 / <i32>size;
  const featureBytes = <usize>C * size;
  const vecBytes = <usize>(C & ~(lanes - 1)) * size;
  const wideBytes = vecBytes - vecBytes % (<usize>V << 4);
  const reduce = op >= Op.Stats;
  const sums2 = sums + featureBytes;
  for (let b0 = 0; b0 < N; b0 += BLOCK) {
    const nb = min(BLOCK, N - b0);
    const pivots = x + <usize>b0 * rowBytes; // the block's first row: the statistics' pivots
    if (reduce) memory.fill(sums, 0, featureBytes << 1);
    for (let r0 = b0; r0 < b0 + nb; r0 += R) {
      const n = min(R, b0 + nb - r0);
      const off = <usize>r0 * rowBytes;
      let o: usize = 0;
      if (reduce) {
        for (; o < wideBytes; o += <usize>V << 4) sumStep<T>(op, V, clamp, act, x, dy, off, rowBytes, n, o, pivots, p0, p4, p5, sums, sums2);
        for (; o < vecBytes; o += 16) sumStep<T>(op, 1, clamp, act, x, dy, off, rowBytes, n, o, pivots, p0, p4, p5, sums, sums2);
        for (; o < featureBytes; o += size) sumStepS<T>(op, clamp, act, x, dy, off, rowBytes, n, o, pivots, p0, p4, p5, sums, sums2);
      } else {
        for (; o < wideBytes; o += <usize>V << 4) elementStep<T>(op, V, clamp, act, x, dy, out, off, rowBytes, n, o, p0, p1, p2, p3, p4, p5);
        for (; o < vecBytes; o += 16) elementStep<T>(op, 1, clamp, act, x, dy, out, off, rowBytes, n, o, p0, p1, p2, p3, p4, p5);
        for (; o < featureBytes; o += size) elementStepS<T>(op, clamp, act, x, dy, out, off, rowBytes, n, o, p0, p1, p2, p3, p4, p5);
      }
    }
    if (reduce) mergeBlock<T>(op == Op.Stats, C, pivots, sums, sums2, acc1, acc2, <f64>b0, <f64>nb);
  }
}

// V vectors of features at byte o of n rows from byte off: their per-feature values loaded
// once, then row after row.
@inline
function elementStep<T>(op: i32, V: i32, clamp: bool, act: i32, x: usize, dy: usize, out: usize, off: usize, rowBytes: usize, n: i32, o: usize,
  p0: usize, p1: usize, p2: usize, p3: usize, p4: usize, p5: usize): void {
  const lo = lowV<T>(act), hi = highV<T>(act), open = openV<T>(act);
  const k = readsK(op), kc = readsKc(op), ab = readsAB(op, clamp), g = readsDy(op);
  const m0 = v128.load(p0 + o), k10 = vload(k, p1 + o), k20 = vload(k, p2 + o), k30 = vload(kc, p3 + o), a0 = vload(ab, p4 + o), b0 = vload(ab, p5 + o);
  let m1 = m0, k11 = k10, k21 = k20, k31 = k30, a1 = a0, b1 = b0;
  let m2 = m0, k12 = k10, k22 = k20, k32 = k30, a2 = a0, b2 = b0;
  let m3 = m0, k13 = k10, k23 = k20, k33 = k30, a3 = a0, b3 = b0;
  if (V > 1) {
    m1 = v128.load(p0 + o + 16); k11 = vload(k, p1 + o + 16); k21 = vload(k, p2 + o + 16); k31 = vload(kc, p3 + o + 16);
    a1 = vload(ab, p4 + o + 16); b1 = vload(ab, p5 + o + 16);
  }
  if (V > 2) {
    m2 = v128.load(p0 + o + 32); k12 = vload(k, p1 + o + 32); k22 = vload(k, p2 + o + 32); k32 = vload(kc, p3 + o + 32);
    a2 = vload(ab, p4 + o + 32); b2 = vload(ab, p5 + o + 32);
    m3 = v128.load(p0 + o + 48); k13 = vload(k, p1 + o + 48); k23 = vload(k, p2 + o + 48); k33 = vload(kc, p3 + o + 48);
    a3 = vload(ab, p4 + o + 48); b3 = vload(ab, p5 + o + 48);
  }
  let p = off + o;
  for (let i = 0; i < n; i++) {
    // Each vector loaded, computed and stored before the next is loaded: out may be x or dy
    // (the same element, read before it is written), and no vector waits in a register. With
    // the four loaded first (as before), V = 4 kept three loaded vectors waiting beside its
    // twelve per-feature ones (x64 has sixteen vector registers), and the in-cache [64, 1024]
    // normalize took 1.16x the time (bench/kernels.mjs, A/B).
    v128.store(out + p, elementV<T>(op, v128.load(x + p), vload(g, dy + p), m0, k10, k20, k30, a0, b0, clamp, lo, hi, open));
    if (V > 1) v128.store(out + p, elementV<T>(op, v128.load(x + p, 16), vload(g, dy + p + 16), m1, k11, k21, k31, a1, b1, clamp, lo, hi, open), 16);
    if (V > 2) {
      v128.store(out + p, elementV<T>(op, v128.load(x + p, 32), vload(g, dy + p + 32), m2, k12, k22, k32, a2, b2, clamp, lo, hi, open), 32);
      v128.store(out + p, elementV<T>(op, v128.load(x + p, 48), vload(g, dy + p + 48), m3, k13, k23, k33, a3, b3, clamp, lo, hi, open), 48);
    }
    p += rowBytes;
  }
}

@inline
function elementStepS<T>(op: i32, clamp: bool, act: i32, x: usize, dy: usize, out: usize, off: usize, rowBytes: usize, n: i32, o: usize,
  p0: usize, p1: usize, p2: usize, p3: usize, p4: usize, p5: usize): void {
  const lo = clampLow<T>(act), hi = clampHigh<T>(act);
  const k = readsK(op), kc = readsKc(op), ab = readsAB(op, clamp), g = readsDy(op);
  const m = load<T>(p0 + o), k1 = sload<T>(k, p1 + o), k2 = sload<T>(k, p2 + o), k3 = sload<T>(kc, p3 + o), a = sload<T>(ab, p4 + o), b = sload<T>(ab, p5 + o);
  let p = off + o;
  for (let i = 0; i < n; i++) {
    store<T>(out + p, elementS<T>(op, load<T>(x + p), sload<T>(g, dy + p), m, k1, k2, k3, a, b, clamp, lo, hi));
    p += rowBytes;
  }
}

// A reduction's V vectors of features at byte o over n rows: the block's sums so far loaded
// from scratch, the rows' terms added in row order, the sums stored back.
@inline
function sumStep<T>(op: i32, V: i32, clamp: bool, act: i32, x: usize, dy: usize, off: usize, rowBytes: usize, n: i32, o: usize,
  pivots: usize, p0: usize, p4: usize, p5: usize, sums: usize, sums2: usize): void {
  const lo = lowV<T>(act), hi = highV<T>(act), open = openV<T>(act);
  const stats = op == Op.Stats, ab = readsAB(op, clamp), g = readsDy(op);
  const ref = stats ? pivots : p0;
  const m0 = v128.load(ref + o), a0 = vload(ab, p4 + o), b0 = vload(ab, p5 + o);
  let m1 = m0, a1 = a0, b1 = b0, m2 = m0, a2 = a0, b2 = b0, m3 = m0, a3 = a0, b3 = b0;
  let s0 = v128.load(sums + o), t0 = v128.load(sums2 + o);
  let s1 = s0, t1 = t0, s2 = s0, t2 = t0, s3 = s0, t3 = t0;
  if (V > 1) {
    m1 = v128.load(ref + o + 16); a1 = vload(ab, p4 + o + 16); b1 = vload(ab, p5 + o + 16);
    s1 = v128.load(sums + o, 16); t1 = v128.load(sums2 + o, 16);
  }
  if (V > 2) {
    m2 = v128.load(ref + o + 32); a2 = vload(ab, p4 + o + 32); b2 = vload(ab, p5 + o + 32);
    m3 = v128.load(ref + o + 48); a3 = vload(ab, p4 + o + 48); b3 = vload(ab, p5 + o + 48);
    s2 = v128.load(sums + o, 32); t2 = v128.load(sums2 + o, 32);
    s3 = v128.load(sums + o, 48); t3 = v128.load(sums2 + o, 48);
  }
  let p = off + o;
  for (let i = 0; i < n; i++) {
    const x0 = v128.load(x + p), d0 = vload(g, dy + p);
    s0 = v128.add<T>(s0, termV<T>(false, stats, x0, d0, m0, a0, b0, clamp, lo, hi, open));
    t0 = v128.add<T>(t0, termV<T>(true, stats, x0, d0, m0, a0, b0, clamp, lo, hi, open));
    if (V > 1) {
      const x1 = v128.load(x + p, 16), d1 = vload(g, dy + p + 16);
      s1 = v128.add<T>(s1, termV<T>(false, stats, x1, d1, m1, a1, b1, clamp, lo, hi, open));
      t1 = v128.add<T>(t1, termV<T>(true, stats, x1, d1, m1, a1, b1, clamp, lo, hi, open));
    }
    if (V > 2) {
      const x2 = v128.load(x + p, 32), d2 = vload(g, dy + p + 32);
      s2 = v128.add<T>(s2, termV<T>(false, stats, x2, d2, m2, a2, b2, clamp, lo, hi, open));
      t2 = v128.add<T>(t2, termV<T>(true, stats, x2, d2, m2, a2, b2, clamp, lo, hi, open));
      const x3 = v128.load(x + p, 48), d3 = vload(g, dy + p + 48);
      s3 = v128.add<T>(s3, termV<T>(false, stats, x3, d3, m3, a3, b3, clamp, lo, hi, open));
      t3 = v128.add<T>(t3, termV<T>(true, stats, x3, d3, m3, a3, b3, clamp, lo, hi, open));
    }
    p += rowBytes;
  }
  v128.store(sums + o, s0);
  v128.store(sums2 + o, t0);
  if (V > 1) {
    v128.store(sums + o, s1, 16);
    v128.store(sums2 + o, t1, 16);
  }
  if (V > 2) {
    v128.store(sums + o, s2, 32);
    v128.store(sums2 + o, t2, 32);
    v128.store(sums + o, s3, 48);
    v128.store(sums2 + o, t3, 48);
  }
}

@inline
function sumStepS<T>(op: i32, clamp: bool, act: i32, x: usize, dy: usize, off: usize, rowBytes: usize, n: i32, o: usize,
  pivots: usize, p0: usize, p4: usize, p5: usize, sums: usize, sums2: usize): void {
  const lo = clampLow<T>(act), hi = clampHigh<T>(act);
  const stats = op == Op.Stats, ab = readsAB(op, clamp), g = readsDy(op);
  const m = load<T>((stats ? pivots : p0) + o), a = sload<T>(ab, p4 + o), b = sload<T>(ab, p5 + o);
  let s = load<T>(sums + o), t = load<T>(sums2 + o);
  let p = off + o;
  for (let i = 0; i < n; i++) {
    const xv = load<T>(x + p), d = sload<T>(g, dy + p);
    s += termS<T>(false, stats, xv, d, m, a, b, clamp, lo, hi);
    t += termS<T>(true, stats, xv, d, m, a, b, clamp, lo, hi);
    p += rowBytes;
  }
  store<T>(sums + o, s);
  store<T>(sums2 + o, t);
}

// T lanes as f64x2: the low two, and (f32 only) the high two.
@inline function wideLow<T>(v: v128): v128 { return sizeof<T>() == 4 ? f64x2.promote_low_f32x4(v) : v; }
@inline function wideHigh(v: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)); }

// A block of nb rows after na: its sums merged into the f64 results (formulas.ts: mergeV).
@inline
function mergeBlock<T>(stats: bool, C: i32, pivots: usize, sums: usize, sums2: usize, acc1: usize, acc2: usize, na: f64, nb: f64): void {
  const size = <usize>sizeof<T>();
  const featureBytes = <usize>C * size;
  const vecBytes = <usize>(C & ~(16 / <i32>size - 1)) * size;
  const n = na + nb;
  const wNew = nb / n, wCross = na * nb / n, invNb = 1 / nb;
  const wNewV = f64x2.splat(wNew), wCrossV = f64x2.splat(wCross), invNbV = f64x2.splat(invNb);
  let o: usize = 0;
  for (; o < vecBytes; o += 16) {
    const q = o / size << 3;
    const pivot = stats ? v128.load(pivots + o) : v128.splat<i32>(0);
    const s = v128.load(sums + o), t = v128.load(sums2 + o);
    mergeV(stats, acc1, acc2, q, wideLow<T>(pivot), wideLow<T>(s), wideLow<T>(t), wNewV, wCrossV, invNbV);
    if (sizeof<T>() == 4) mergeV(stats, acc1, acc2, q + 16, wideHigh(pivot), wideHigh(s), wideHigh(t), wNewV, wCrossV, invNbV);
  }
  for (; o < featureBytes; o += size) {
    const pivot = stats ? <f64>load<T>(pivots + o) : 0;
    mergeS(stats, acc1, acc2, o / size << 3, pivot, <f64>load<T>(sums + o), <f64>load<T>(sums2 + o), wNew, wCross, invNb);
  }
}

// ---- runs ----------------------------------------------------------------------------------

/** The elementwise operations over [N, C, S] runs, samples sampleBytes apart: V vectors a step. */
@inline
export function runs<T>(op: i32, V: i32, clamp: bool, act: i32, x: usize, dy: usize, out: usize, N: i32, C: i32, S: i32, sampleBytes: usize,
  p0: usize, p1: usize, p2: usize, p3: usize, p4: usize, p5: usize): void {
  const size = <usize>sizeof<T>();
  const runBytes = <usize>S * size;
  const vecBytes = <usize>(S & ~(16 / <i32>size - 1)) * size;
  const wideBytes = vecBytes - vecBytes % (<usize>V << 4);
  const lo = lowV<T>(act), hi = highV<T>(act), open = openV<T>(act), loS = clampLow<T>(act), hiS = clampHigh<T>(act);
  const k = readsK(op), kc = readsKc(op), ab = readsAB(op, clamp), g = readsDy(op);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const cb = <usize>c * size;
      const ms = load<T>(p0 + cb), k1s = sload<T>(k, p1 + cb), k2s = sload<T>(k, p2 + cb), k3s = sload<T>(kc, p3 + cb);
      const as = sload<T>(ab, p4 + cb), bs = sload<T>(ab, p5 + cb);
      const m = v128.splat<T>(ms), k1 = v128.splat<T>(k1s), k2 = v128.splat<T>(k2s), k3 = v128.splat<T>(k3s), a = v128.splat<T>(as), b = v128.splat<T>(bs);
      const run = <usize>n * sampleBytes + <usize>c * runBytes;
      let p = run;
      const wideEnd = run + wideBytes, vecEnd = run + vecBytes, end = run + runBytes;
      for (; p < wideEnd; p += <usize>V << 4) {
        // A vector at a time, as in elementStep.
        v128.store(out + p, elementV<T>(op, v128.load(x + p), vload(g, dy + p), m, k1, k2, k3, a, b, clamp, lo, hi, open));
        if (V > 1) v128.store(out + p, elementV<T>(op, v128.load(x + p, 16), vload(g, dy + p + 16), m, k1, k2, k3, a, b, clamp, lo, hi, open), 16);
        if (V > 2) {
          v128.store(out + p, elementV<T>(op, v128.load(x + p, 32), vload(g, dy + p + 32), m, k1, k2, k3, a, b, clamp, lo, hi, open), 32);
          v128.store(out + p, elementV<T>(op, v128.load(x + p, 48), vload(g, dy + p + 48), m, k1, k2, k3, a, b, clamp, lo, hi, open), 48);
        }
      }
      for (; p < vecEnd; p += 16) v128.store(out + p, elementV<T>(op, v128.load(x + p), vload(g, dy + p), m, k1, k2, k3, a, b, clamp, lo, hi, open));
      for (; p < end; p += size) store<T>(out + p, elementS<T>(op, load<T>(x + p), sload<T>(g, dy + p), ms, k1s, k2s, k3s, as, bs, clamp, loS, hiS));
    }
  }
}

/**
 * The reductions over [N, C, S] runs in chunks of RUN_CHUNK: V chains of sums along a chunk,
 * added together and across lanes at its end, merged into f64. The statistics' reference is
 * the chunk's mean (a first pass over it, in L1); the backward's the centre p0.
 */
@inline
export function sumRuns<T>(op: i32, V: i32, clamp: bool, act: i32, x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize,
  p0: usize, p4: usize, p5: usize, acc1: usize, acc2: usize): void {
  const size = <usize>sizeof<T>();
  const stats = op == Op.Stats, ab = readsAB(op, clamp), g = readsDy(op);
  const lo = lowV<T>(act), hi = highV<T>(act), open = openV<T>(act), loS = clampLow<T>(act), hiS = clampHigh<T>(act);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const cb = <usize>c * size;
      const as = sload<T>(ab, p4 + cb), bs = sload<T>(ab, p5 + cb);
      const a = v128.splat<T>(as), b = v128.splat<T>(bs);
      const run = <usize>n * sampleBytes + <usize>c * <usize>S * size;
      for (let s0 = 0; s0 < S; s0 += RUN_CHUNK) {
        const len = min(RUN_CHUNK, S - s0);
        const start = run + <usize>s0 * size, end = start + <usize>len * size;
        const vecEnd = start + <usize>(len & ~(16 / <i32>size - 1)) * size;
        const wideEnd = vecEnd - (vecEnd - start) % (<usize>V << 4);
        const refS = stats ? runSum<T>(x + start, x + end) / <T>len : load<T>(p0 + cb);
        const ref = v128.splat<T>(refS);
        const zero = v128.splat<T>(0);
        let s0v = zero, t0 = zero, s1 = zero, t1 = zero, s2 = zero, t2 = zero, s3 = zero, t3 = zero;
        let p = start;
        for (; p < wideEnd; p += <usize>V << 4) {
          const x0 = v128.load(x + p), d0 = vload(g, dy + p);
          s0v = v128.add<T>(s0v, termV<T>(false, stats, x0, d0, ref, a, b, clamp, lo, hi, open));
          t0 = v128.add<T>(t0, termV<T>(true, stats, x0, d0, ref, a, b, clamp, lo, hi, open));
          if (V > 1) {
            const x1 = v128.load(x + p, 16), d1 = vload(g, dy + p + 16);
            s1 = v128.add<T>(s1, termV<T>(false, stats, x1, d1, ref, a, b, clamp, lo, hi, open));
            t1 = v128.add<T>(t1, termV<T>(true, stats, x1, d1, ref, a, b, clamp, lo, hi, open));
          }
          if (V > 2) {
            const x2 = v128.load(x + p, 32), d2 = vload(g, dy + p + 32);
            s2 = v128.add<T>(s2, termV<T>(false, stats, x2, d2, ref, a, b, clamp, lo, hi, open));
            t2 = v128.add<T>(t2, termV<T>(true, stats, x2, d2, ref, a, b, clamp, lo, hi, open));
            const x3 = v128.load(x + p, 48), d3 = vload(g, dy + p + 48);
            s3 = v128.add<T>(s3, termV<T>(false, stats, x3, d3, ref, a, b, clamp, lo, hi, open));
            t3 = v128.add<T>(t3, termV<T>(true, stats, x3, d3, ref, a, b, clamp, lo, hi, open));
          }
        }
        for (; p < vecEnd; p += 16) {
          const x0 = v128.load(x + p), d0 = vload(g, dy + p);
          s0v = v128.add<T>(s0v, termV<T>(false, stats, x0, d0, ref, a, b, clamp, lo, hi, open));
          t0 = v128.add<T>(t0, termV<T>(true, stats, x0, d0, ref, a, b, clamp, lo, hi, open));
        }
        let s = sumLanes<T>(v128.add<T>(v128.add<T>(s0v, s1), v128.add<T>(s2, s3)));
        let t = sumLanes<T>(v128.add<T>(v128.add<T>(t0, t1), v128.add<T>(t2, t3)));
        for (; p < end; p += size) {
          const xv = load<T>(x + p), d = sload<T>(g, dy + p);
          s += termS<T>(false, stats, xv, d, refS, as, bs, clamp, loS, hiS);
          t += termS<T>(true, stats, xv, d, refS, as, bs, clamp, loS, hiS);
        }
        const na = <f64>n * <f64>S + <f64>s0, nb = <f64>len;
        const all = na + nb;
        mergeS(stats, acc1, acc2, <usize>c << 3, <f64>refS, <f64>s, <f64>t, nb / all, na * nb / all, 1 / nb);
      }
    }
  }
}

// The sum of the T values in [p, end), four chains (a run chunk's mean for the statistics).
@inline
function runSum<T>(p: usize, end: usize): T {
  const size = <usize>sizeof<T>();
  const zero = v128.splat<T>(0);
  let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
  const vecEnd = p + ((end - p) & ~15);
  for (; p + 64 <= vecEnd; p += 64) {
    a0 = v128.add<T>(a0, v128.load(p));
    a1 = v128.add<T>(a1, v128.load(p, 16));
    a2 = v128.add<T>(a2, v128.load(p, 32));
    a3 = v128.add<T>(a3, v128.load(p, 48));
  }
  for (; p < vecEnd; p += 16) a0 = v128.add<T>(a0, v128.load(p));
  let s = sumLanes<T>(v128.add<T>(v128.add<T>(a0, a1), v128.add<T>(a2, a3)));
  for (; p < end; p += size) s += load<T>(p);
  return s;
}

@inline
function sumLanes<T>(v: v128): T {
  if (sizeof<T>() == 8) return v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
  return v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1) + v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3);
}

// ---- the plan word -------------------------------------------------------------------------

// A plan word (src/wasm/plan.ts writes it): V, the vectors a step (2 or 4; 4 from any value of
// at least 4), in its low three bits, and R, the rows of a rows step (1 to BLOCK), above them.
// Runs use V alone.
@inline export function planVectors(plan: i32): i32 { return plan & 7; }
@inline export function planRows(plan: i32): i32 { return min(BLOCK, max(1, plan >> 3)); }

// The plan word's V must be a constant where a driver is inlined: each op file gives every
// V a function of its own that calls these with a literal V (one function choosing among
// three inlined V at run time was folded by the optimiser into one body that tested V inside
// its loops).

/** An elementwise operation over [N, C, S] (samples sampleBytes apart), V vectors a step: rows, or runs for S > 1. */
@inline
export function elementwise<T>(op: i32, V: i32, clamp: bool, act: i32, plan: i32, x: usize, dy: usize, out: usize, N: i32, C: i32, S: i32, sampleBytes: usize,
  p0: usize, p1: usize, p2: usize, p3: usize, p4: usize, p5: usize): void {
  if (S > 1) runs<T>(op, V, clamp, act, x, dy, out, N, C, S, sampleBytes, p0, p1, p2, p3, p4, p5);
  else rows<T>(op, V, clamp, act, x, dy, out, N, C, sampleBytes, planRows(plan), p0, p1, p2, p3, p4, p5, 0, 0, 0);
}

/** A reduction over [N, C, S], V vectors a step, into acc1 and acc2 (f64; added to). */
@inline
export function reduction<T>(op: i32, V: i32, clamp: bool, act: i32, plan: i32, x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize,
  p0: usize, p4: usize, p5: usize, sums: usize, acc1: usize, acc2: usize): void {
  if (S > 1) sumRuns<T>(op, V, clamp, act, x, dy, N, C, S, sampleBytes, p0, p4, p5, acc1, acc2);
  else rows<T>(op, V, clamp, act, x, dy, 0, N, C, sampleBytes, planRows(plan), p0, 0, 0, 0, p4, p5, sums, acc1, acc2);
}
