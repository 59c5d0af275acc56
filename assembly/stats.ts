// Per-channel batch statistics over a row-major [N, C, S] view.
//
// Output: f64 mean[C] and M2[C] (sum of squared deviations), count = N*S.
// Numerics: small blocks (8 rows, or 1024-element chunks of a run) are reduced in f32 as
// deviations from a value of the block itself (a pivot, or the chunk's provisional mean),
// which bounds the cancellation, and merged into f64 accumulators with Chan's formula.
// Never E[x^2] - E[x]^2.
// Memory traffic: x is read exactly once from main memory.

// Rows per block in the S == 1 layout: the rows whose deviations from the block's first row
// are summed in f32 and merged into the f64 statistics once. statsRows walks a block
// SUB_BLOCK rows at a time (eight streams through memory), its f32 sums kept in scratch
// between them. Blocks of 8 rows, merged 4x as often, ran 1.3x to 1.55x slower on rows of 128
// features and more, in and out of cache, and 1.1x on rows of 64 (bench/kernels.mjs): the
// merges were about half of the work.
const ROW_BLOCK: i32 = 32;
const SUB_BLOCK: i32 = 8;
// Which S == 1 loop a pass takes: several rows at a time with the block's sums in registers
// (statsRows and its twins), or one row at a time, in memory order, with the sums in scratch
// (statsRowsStream and its twins). Measured here (AMD EPYC, kernels called directly): over
// 16 MB, rows of 128 to 512 features walked several at a time ran 1.4x to 2.5x slower than one
// at a time in normalize, backwardReduce and backwardApply, and rows of 128 and 256 features
// 1.1x to 1.6x slower in stats (at 512 stats ran as fast several rows at a time); rows of 64
// features, of 1024 and more, and tensors that sit in cache ([64, 256]) ran faster several at
// a time.
const STREAM_MIN_C: i32 = 65;
const STREAM_MAX_C: i32 = 1023;
const STREAM_STATS_MAX_C: i32 = 511;
const STREAM_MIN_ELEMENTS: i32 = 1 << 18; // 1 MiB of f32: past what the cache holds

/** Whether the S == 1 passes over an [N, C] block walk it one row at a time (stats: up to maxC). */
@inline
export function streamRows(N: i32, C: i32, maxC: i32 = STREAM_MAX_C): bool {
  return C >= STREAM_MIN_C && C <= maxC && <i64>N * <i64>C >= STREAM_MIN_ELEMENTS;
}
// Elements per chunk of one (n, c) run in the S > 1 layout (4 KiB: stays in L1).
const RUN_CHUNK: i32 = 1024;

// Chan et al.: merge a block (nb, bmean, bm2) into (na, mean, m2) at channel c.
@inline
function mergeScalar(mean: usize, m2: usize, c: i32, na: f64, nb: f64, bmean: f64, bm2: f64): void {
  const p = <usize>c << 3;
  const m = load<f64>(mean + p);
  const n = na + nb;
  const delta = bmean - m;
  store<f64>(mean + p, m + delta * (nb / n));
  store<f64>(m2 + p, load<f64>(m2 + p) + bm2 + delta * delta * (na * nb / n));
}

// The same merge for two adjacent channels held in one f64x2.
@inline
function mergePair(mean: usize, m2: usize, c: i32, wNew: v128, wCross: v128, bmean: v128, bm2: v128): void {
  const p = <usize>c << 3;
  const m = v128.load(mean + p);
  const delta = f64x2.sub(bmean, m);
  v128.store(mean + p, f64x2.add(m, f64x2.mul(delta, wNew)));
  const cross = f64x2.mul(f64x2.mul(delta, delta), wCross);
  v128.store(m2 + p, f64x2.add(v128.load(m2 + p), f64x2.add(bm2, cross)));
}

// Features contiguous: vectorise across C, stream blocks of rows. Rows are rowBytes apart
// (C*4 for a whole tensor; more for a slab of its features, slab.ts). scratch: 2*C f32.
export function statsRows(x: usize, N: i32, C: i32, rowBytes: usize, mean: usize, m2: usize, scratch: usize): void {
  const C4 = C & ~3;
  const sums = scratch, squares = scratch + (<usize>C << 2);
  for (let r0 = 0; r0 < N; r0 += ROW_BLOCK) {
    const nb = min(ROW_BLOCK, N - r0);
    const na = <f64>r0;
    const nbf = <f64>nb;
    const n = na + nbf;
    const wNew = f64x2.splat(nbf / n);
    const wCross = f64x2.splat(na * nbf / n);
    const invNb = f64x2.splat(1 / nbf);
    const base = x + <usize>r0 * rowBytes;
    for (let s0 = 0; s0 < nb; s0 += SUB_BLOCK) {
      const ns = min(SUB_BLOCK, nb - s0);
      const rows = base + <usize>s0 * rowBytes;
      // Four bodies, the flags constant in each: first starts the sums, last merges them
      // (with the flags tested at run time, 1.1x to 1.2x slower, bench/kernels.mjs).
      if (s0 == 0 && ns == nb) statsSub(base, rows, rowBytes, ns, C4, sums, squares, mean, m2, wNew, wCross, invNb, true, true);
      else if (s0 == 0) statsSub(base, rows, rowBytes, ns, C4, sums, squares, mean, m2, wNew, wCross, invNb, true, false);
      else if (s0 + ns == nb) statsSub(base, rows, rowBytes, ns, C4, sums, squares, mean, m2, wNew, wCross, invNb, false, true);
      else statsSub(base, rows, rowBytes, ns, C4, sums, squares, mean, m2, wNew, wCross, invNb, false, false);
    }
    for (let c = C4; c < C; c++) statsTail(base, rowBytes, nb, c, mean, m2, na);
  }
}

// ns rows of a block from `rows`, four features a step. One pass with deviations from the
// block's first row (the pivot): the sums of d and d^2 lose at most log2(1 + nb) bits (5 for
// 32 rows) to cancellation, since the pivot is one of the block's own values (its squared
// deviation is at most the block's M2).
@inline
function statsSub(base: usize, rows: usize, rowBytes: usize, ns: i32, C4: i32, sums: usize, squares: usize, mean: usize, m2: usize,
  wNew: v128, wCross: v128, invNb: v128, first: bool, last: bool): void {
  let c = 0;
  // Rows of more than 64 features: eight features a step, two independent chains of sums, so
  // that one's additions wait less on the other's (0.90x to 0.93x the time of four a step, in
  // cache and past it; at 64 features, the NHWC layout [100352, 64], 1.1x to 1.24x slower).
  // Each feature's sums keep their order: the same results either way.
  const pairs = rowBytes > 256 ? C4 : 0;
  for (; c + 8 <= pairs; c += 8) {
    const o = <usize>c << 2;
    const pivotA = v128.load(base + o);
    const pivotB = v128.load(base + o, 16);
    let dsA = f32x4.splat(0), sqA = f32x4.splat(0), dsB = f32x4.splat(0), sqB = f32x4.splat(0);
    let p = rows + o;
    let i = 0;
    if (first) { // the pivot's own deviation is 0
      i = 1;
      p += rowBytes;
    }
    for (; i < ns; i++) {
      const dA = f32x4.sub(v128.load(p), pivotA);
      const dB = f32x4.sub(v128.load(p, 16), pivotB);
      dsA = f32x4.add(dsA, dA);
      dsB = f32x4.add(dsB, dB);
      sqA = f32x4.add(sqA, f32x4.mul(dA, dA));
      sqB = f32x4.add(sqB, f32x4.mul(dB, dB));
      p += rowBytes;
    }
    statsSubEnd(c, o, pivotA, dsA, sqA, sums, squares, mean, m2, wNew, wCross, invNb, first, last);
    statsSubEnd(c + 4, o + 16, pivotB, dsB, sqB, sums, squares, mean, m2, wNew, wCross, invNb, first, last);
  }
  for (; c < C4; c += 4) {
    const o = <usize>c << 2;
    const pivot = v128.load(base + o);
    let ds = f32x4.splat(0), sq = f32x4.splat(0);
    let p = rows + o;
    let i = 0;
    if (first) {
      i = 1;
      p += rowBytes;
    }
    for (; i < ns; i++) {
      const d = f32x4.sub(v128.load(p), pivot);
      ds = f32x4.add(ds, d);
      sq = f32x4.add(sq, f32x4.mul(d, d));
      p += rowBytes;
    }
    statsSubEnd(c, o, pivot, ds, sq, sums, squares, mean, m2, wNew, wCross, invNb, first, last);
  }
}

// A sub-block's sums of four features: added to the block's, then merged (last) or kept.
@inline
function statsSubEnd(c: i32, o: usize, pivot: v128, ds: v128, sq: v128, sums: usize, squares: usize, mean: usize, m2: usize,
  wNew: v128, wCross: v128, invNb: v128, first: bool, last: bool): void {
  if (!first) {
    ds = f32x4.add(v128.load(sums + o), ds);
    sq = f32x4.add(v128.load(squares + o), sq);
  }
  if (last) mergeBlock4(mean, m2, c, pivot, ds, sq, wNew, wCross, invNb);
  else {
    v128.store(sums + o, ds);
    v128.store(squares + o, sq);
  }
}

// Merges four features' block (pivot, sum of d, sum of d^2 over nb rows) into the f64 stats.
// Block mean = pivot + ds/nb and M2 = sq - ds^2/nb, formed in f64: rounded to f32 the mean
// would lose the precision that data far from zero (1e4 + noise) needs.
@inline
function mergeBlock4(mean: usize, m2: usize, c: i32, pivot: v128, ds: v128, sq: v128, wNew: v128, wCross: v128, invNb: v128): void {
  const pivotHi = v128.shuffle<f32>(pivot, pivot, 2, 3, 2, 3);
  const dsHi = v128.shuffle<f32>(ds, ds, 2, 3, 2, 3);
  const sqHi = v128.shuffle<f32>(sq, sq, 2, 3, 2, 3);
  const dsLo64 = f64x2.promote_low_f32x4(ds);
  const dsHi64 = f64x2.promote_low_f32x4(dsHi);
  const dmLo = f64x2.mul(dsLo64, invNb);
  const dmHi = f64x2.mul(dsHi64, invNb);
  const bmeanLo = f64x2.add(f64x2.promote_low_f32x4(pivot), dmLo);
  const bmeanHi = f64x2.add(f64x2.promote_low_f32x4(pivotHi), dmHi);
  const bm2Lo = f64x2.sub(f64x2.promote_low_f32x4(sq), f64x2.mul(dsLo64, dmLo));
  const bm2Hi = f64x2.sub(f64x2.promote_low_f32x4(sqHi), f64x2.mul(dsHi64, dmHi));
  mergePair(mean, m2, c, wNew, wCross, bmeanLo, bm2Lo);
  mergePair(mean, m2, c + 2, wNew, wCross, bmeanHi, bm2Hi);
}

// One feature of C % 4 (the scalar tail) over a block of nb rows: two passes in f64.
@inline
function statsTail(base: usize, rowBytes: usize, nb: i32, c: i32, mean: usize, m2: usize, na: f64): void {
  let p = base + (<usize>c << 2);
  let sum: f64 = 0;
  for (let i = 0; i < nb; i++) {
    sum += <f64>load<f32>(p);
    p += rowBytes;
  }
  const bmean = sum / <f64>nb;
  p = base + (<usize>c << 2);
  let sq: f64 = 0;
  for (let i = 0; i < nb; i++) {
    const d = <f64>load<f32>(p) - bmean;
    sq += d * d;
    p += rowBytes;
  }
  mergeScalar(mean, m2, c, na, <f64>nb, bmean, sq);
}

// The same statistics walked one row at a time (streamRows): each block's rows in memory
// order, its pivot row, its sums of d and d^2 and each sub-block's part of them in scratch
// (five f32 arrays of C), merged as statsRows merges. The same sums in the same order
// (a sub-block's part from 0, then added to the block's sums), so the same results.
function statsRowsStream(x: usize, N: i32, C: i32, mean: usize, m2: usize, scratch: usize): void {
  const rowBytes = <usize>C << 2;
  const C4 = C & ~3;
  const pivots = scratch, sums = scratch + rowBytes, squares = sums + rowBytes;
  const partSums = squares + rowBytes, partSquares = partSums + rowBytes;
  for (let r0 = 0; r0 < N; r0 += ROW_BLOCK) {
    const nb = min(ROW_BLOCK, N - r0);
    const na = <f64>r0;
    const nbf = <f64>nb;
    const n = na + nbf;
    const base = x + <usize>r0 * rowBytes;
    memory.copy(pivots, base, rowBytes);
    for (let s0 = 0; s0 < nb; s0 += SUB_BLOCK) {
      const ns = min(SUB_BLOCK, nb - s0);
      // The pivot's own deviation is 0: the first sub-block starts at its second row.
      const i0 = s0 == 0 ? 1 : 0;
      const rows = base + <usize>s0 * rowBytes;
      if (i0 < ns) streamDeviations(rows + <usize>i0 * rowBytes, pivots, partSums, partSquares, C, true);
      for (let i = i0 + 1; i < ns; i++) streamDeviations(rows + <usize>i * rowBytes, pivots, partSums, partSquares, C, false);
      if (s0 > 0) addParts(sums, partSums, rowBytes, C4);
      else if (ns > 1) memory.copy(sums, partSums, rowBytes << 1); // parts and sums are laid out alike
      else memory.fill(sums, 0, rowBytes << 1); // a block of one row has no part: its sums are 0
    }
    const wNew = f64x2.splat(nbf / n);
    const wCross = f64x2.splat(na * nbf / n);
    const invNb = f64x2.splat(1 / nbf);
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      mergeBlock4(mean, m2, c, v128.load(pivots + o), v128.load(sums + o), v128.load(squares + o), wNew, wCross, invNb);
    }
    for (let c = C4; c < C; c++) statsTail(base, rowBytes, nb, c, mean, m2, na);
  }
}

/**
 * A block's sums += a sub-block's parts, four features a step: two f32 arrays of C at sums
 * (rowBytes apart) and two laid out alike at parts, the first C4 features of each (the tail
 * features have their own loops). The one-row-at-a-time loops' step between sub-blocks.
 */
@inline
export function addParts(sums: usize, parts: usize, rowBytes: usize, C4: i32): void {
  for (let c = 0; c < C4; c += 4) {
    const o = <usize>c << 2;
    v128.store(sums + o, f32x4.add(v128.load(sums + o), v128.load(parts + o)));
    v128.store(sums + rowBytes + o, f32x4.add(v128.load(sums + rowBytes + o), v128.load(parts + rowBytes + o)));
  }
}

// One row's deviations from the pivots added into a sub-block's parts (start: into zeros),
// sixteen features a step (four independent vectors), then four.
@inline
function streamDeviations(row: usize, pivots: usize, sums: usize, squares: usize, C: i32, start: bool): void {
  const C4 = C & ~3;
  const C16 = C & ~15;
  let c = 0;
  for (; c < C16; c += 16) {
    const o = <usize>c << 2;
    const d0 = f32x4.sub(v128.load(row + o), v128.load(pivots + o));
    const d1 = f32x4.sub(v128.load(row + o, 16), v128.load(pivots + o, 16));
    const d2 = f32x4.sub(v128.load(row + o, 32), v128.load(pivots + o, 32));
    const d3 = f32x4.sub(v128.load(row + o, 48), v128.load(pivots + o, 48));
    const u = sums + o, w = squares + o;
    const zero = f32x4.splat(0);
    v128.store(u, f32x4.add(start ? zero : v128.load(u), d0));
    v128.store(u, f32x4.add(start ? zero : v128.load(u, 16), d1), 16);
    v128.store(u, f32x4.add(start ? zero : v128.load(u, 32), d2), 32);
    v128.store(u, f32x4.add(start ? zero : v128.load(u, 48), d3), 48);
    v128.store(w, f32x4.add(start ? zero : v128.load(w), f32x4.mul(d0, d0)));
    v128.store(w, f32x4.add(start ? zero : v128.load(w, 16), f32x4.mul(d1, d1)), 16);
    v128.store(w, f32x4.add(start ? zero : v128.load(w, 32), f32x4.mul(d2, d2)), 32);
    v128.store(w, f32x4.add(start ? zero : v128.load(w, 48), f32x4.mul(d3, d3)), 48);
  }
  for (; c < C4; c += 4) {
    const o = <usize>c << 2;
    const d = f32x4.sub(v128.load(row + o), v128.load(pivots + o));
    v128.store(sums + o, f32x4.add(start ? f32x4.splat(0) : v128.load(sums + o), d));
    v128.store(squares + o, f32x4.add(start ? f32x4.splat(0) : v128.load(squares + o), f32x4.mul(d, d)));
  }
}

// Sum of len floats at p: four f32x4 accumulators for instruction-level parallelism.
@inline
function chunkSum(p: usize, len: i32): f32 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= len; i += 16) {
    const q = p + (<usize>i << 2);
    a0 = f32x4.add(a0, v128.load(q));
    a1 = f32x4.add(a1, v128.load(q, 16));
    a2 = f32x4.add(a2, v128.load(q, 32));
    a3 = f32x4.add(a3, v128.load(q, 48));
  }
  for (; i + 4 <= len; i += 4) a0 = f32x4.add(a0, v128.load(p + (<usize>i << 2)));
  const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  let s = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
  for (; i < len; i++) s += load<f32>(p + (<usize>i << 2));
  return s;
}

// Deviations from a provisional mean m of len floats at p: returns sum(d^2)
// and leaves sum(d) in devSum, so that the caller can apply the corrected
// two-pass formula (M2 = sum(d^2) - sum(d)^2 / len) and refine the mean.
// devSum is a Wasm global: per instance, never in linear memory.
let devSum: f32 = 0;
@inline
function chunkDev(p: usize, len: i32, m: f32): f32 {
  const mv = f32x4.splat(m);
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), q0 = f32x4.splat(0), q1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const q = p + (<usize>i << 2);
    const d0 = f32x4.sub(v128.load(q), mv);
    const d1 = f32x4.sub(v128.load(q, 16), mv);
    s0 = f32x4.add(s0, d0);
    s1 = f32x4.add(s1, d1);
    q0 = f32x4.add(q0, f32x4.mul(d0, d0));
    q1 = f32x4.add(q1, f32x4.mul(d1, d1));
  }
  for (; i + 4 <= len; i += 4) {
    const d = f32x4.sub(v128.load(p + (<usize>i << 2)), mv);
    s0 = f32x4.add(s0, d);
    q0 = f32x4.add(q0, f32x4.mul(d, d));
  }
  const sv = f32x4.add(s0, s1);
  const qv = f32x4.add(q0, q1);
  let s = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
  let sq = f32x4.extract_lane(qv, 0) + f32x4.extract_lane(qv, 1) + f32x4.extract_lane(qv, 2) + f32x4.extract_lane(qv, 3);
  for (; i < len; i++) {
    const d = load<f32>(p + (<usize>i << 2)) - m;
    s += d;
    sq += d * d;
  }
  devSum = s;
  return sq;
}

// Channel runs contiguous: vectorise along S inside each (n, c) run. Samples are
// sampleBytes apart (C*S*4 for a whole tensor; more for a slab of its channels, slab.ts).
export function statsRuns(x: usize, N: i32, C: i32, S: i32, sampleBytes: usize, mean: usize, m2: usize): void {
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const run = x + <usize>n * sampleBytes + (<usize>c * <usize>S << 2);
      for (let s0 = 0; s0 < S; s0 += RUN_CHUNK) {
        const len = min(RUN_CHUNK, S - s0);
        const p = run + (<usize>s0 << 2);
        const lenf = <f64>len;
        const m0 = chunkSum(p, len) / <f32>len;
        const sq = <f64>chunkDev(p, len, m0);
        const ds = <f64>devSum;
        const bmean = <f64>m0 + ds / lenf;
        mergeScalar(mean, m2, c, <f64>n * <f64>S + <f64>s0, lenf, bmean, sq - ds * ds / lenf);
      }
    }
  }
}

// Entry point: zeroes the accumulators, then picks the inner shape. scratch: 5*C f32.
export function stats(x: usize, N: i32, C: i32, S: i32, mean: usize, m2: usize, scratch: usize): void {
  memory.fill(mean, 0, <usize>C << 3);
  memory.fill(m2, 0, <usize>C << 3);
  if (S > 1) statsRuns(x, N, C, S, <usize>C * <usize>S << 2, mean, m2);
  else if (streamRows(N, C, STREAM_STATS_MAX_C)) statsRowsStream(x, N, C, mean, m2, scratch);
  else statsRows(x, N, C, <usize>C << 2, mean, m2, scratch);
}
