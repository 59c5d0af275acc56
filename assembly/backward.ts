// The two passes of the backward over a row-major [N, C, S] view.
//   reduce: per channel sum(dy') and sum(dy' * (x - center)), f32 blocks flushed into f64
//   apply:  dx = ka * (dy' - kc) + kb * (x - center), kc about the mean of dy' (subtracted first:
//           for N = 1, dy' - kc is exactly 0, as the book's dx is)
// dy' is dy masked by the fused activation's gradient (activation.ts) at the forward's
// pre-activation value (x - center) * alpha + shift, recomputed with the forward's arithmetic.
// dx may alias dy.
import { Activation, clampHigh, clampLow, highV, lowV, openV, passS, passV } from './activation';

import { addParts, streamRows } from './stats';

// Rows per flush of the f32 sums into f64, walked SUB_BLOCK rows at a time. 8-row blocks, each
// flushed, were up to 1.25x slower on rows of 128 features and more (bench/kernels.mjs); 16 and
// 32 rows walked at once (16 and 32 streams through memory), 1.45x to 2.6x slower.
const ROW_BLOCK: i32 = 32;
const SUB_BLOCK: i32 = 8;
const RUN_CHUNK: i32 = 1024;
const IN_CACHE_BYTES: u64 = 512 * 1024;

@inline
function maskV(dy: v128, xc: v128, a: v128, b: v128, clamp: bool, lo: v128, hi: v128, open: v128): v128 {
  return clamp ? passV(dy, f32x4.add(f32x4.mul(xc, a), b), lo, hi, open) : dy;
}

@inline
function maskS(dy: f32, xc: f32, a: f32, b: f32, clamp: bool, lo: f32, hi: f32): f32 {
  return clamp ? passS(dy, xc * a + b, lo, hi) : dy;
}

@inline
function addPromoted(acc: usize, c: i32, v: v128): void {
  const p = acc + (<usize>c << 3);
  v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
  const hi = v128.shuffle<f32>(v, v, 2, 3, 2, 3);
  v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(hi)), 16);
}

// A block's f32 sums are carried in scratch (two f32 arrays of C) while it is walked SUB_BLOCK
// rows at a time (eight streams through memory), and flushed into f64 once per block.
@inline
function reduceRows(x: usize, dy: usize, N: i32, C: i32, rowBytes: usize, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, act: i32, clamp: bool): void {
  const C4 = C & ~3;
  const sums = scratch, products = scratch + (<usize>C << 2);
  // Rows of 64 features or fewer: blocks of SUB_BLOCK rows, each flushed (carried across
  // 32 rows they ran 1.3x to 1.7x slower at [100352, 64], the NHWC bench layout). Chosen by
  // the row's bytes, not by C, so that a slab of a tensor (slab.ts) sums as the tensor does.
  const block = rowBytes <= 256 ? SUB_BLOCK : ROW_BLOCK;
  // Without an activation, and with x in cache (at most IN_CACHE_BYTES), eight features a step:
  // in cache 0.86x-0.88x the time; read from memory (the whole book layout, [1024, 4096]) it
  // ran 1.02x-1.08x slower. The same sums in the same order either way.
  const pairs = clamp || <u64>N * <u64>rowBytes > IN_CACHE_BYTES ? 0 : C4;
  for (let r0 = 0; r0 < N; r0 += block) {
    const nb = min(block, N - r0);
    const off0 = <usize>r0 * rowBytes;
    for (let s0 = 0; s0 < nb; s0 += SUB_BLOCK) {
      const ns = min(SUB_BLOCK, nb - s0);
      const off = off0 + <usize>s0 * rowBytes;
      // Four bodies, the flags constant in each: first starts the sums, last flushes them
      // (with the flags tested at run time, 1.01x to 1.16x slower, bench/kernels.mjs).
      if (s0 == 0 && ns == nb) reduceSub(x, dy, off, ns, rowBytes, C4, pairs, center, alpha, shift, sumDy, sumDyXc, sums, products, act, clamp, true, true);
      else if (s0 == 0) reduceSub(x, dy, off, ns, rowBytes, C4, pairs, center, alpha, shift, sumDy, sumDyXc, sums, products, act, clamp, true, false);
      else if (s0 + ns == nb) reduceSub(x, dy, off, ns, rowBytes, C4, pairs, center, alpha, shift, sumDy, sumDyXc, sums, products, act, clamp, false, true);
      else reduceSub(x, dy, off, ns, rowBytes, C4, pairs, center, alpha, shift, sumDy, sumDyXc, sums, products, act, clamp, false, false);
    }
    for (let c = C4; c < C; c++) reduceTail(x, dy, off0, nb, rowBytes, c, center, alpha, shift, sumDy, sumDyXc, act, clamp);
  }
}

// ns rows from byte offset off, four features a step; the first `pairs` features (a multiple
// of 8) eight a step, two independent chains of sums (as in stats.ts).
@inline
function reduceSub(x: usize, dy: usize, off: usize, ns: i32, rowBytes: usize, C4: i32, pairs: i32, center: usize, alpha: usize, shift: usize,
  sumDy: usize, sumDyXc: usize, sums: usize, products: usize, act: i32, clamp: bool, first: bool, last: bool): void {
  const lo = lowV(act), hi = highV(act), open = openV(act);
  let c = 0;
  for (; c + 8 <= pairs; c += 8) {
    const o = <usize>c << 2;
    const mA = v128.load(center + o), mB = v128.load(center + o, 16);
    let s1A = f32x4.splat(0), s2A = f32x4.splat(0), s1B = f32x4.splat(0), s2B = f32x4.splat(0);
    let p = off + o;
    for (let i = 0; i < ns; i++) {
      const gA = v128.load(dy + p), gB = v128.load(dy + p, 16);
      s1A = f32x4.add(s1A, gA);
      s1B = f32x4.add(s1B, gB);
      s2A = f32x4.add(s2A, f32x4.mul(gA, f32x4.sub(v128.load(x + p), mA)));
      s2B = f32x4.add(s2B, f32x4.mul(gB, f32x4.sub(v128.load(x + p, 16), mB)));
      p += rowBytes;
    }
    reduceSubEnd(c, o, s1A, s2A, sumDy, sumDyXc, sums, products, first, last);
    reduceSubEnd(c + 4, o + 16, s1B, s2B, sumDy, sumDyXc, sums, products, first, last);
  }
  for (; c < C4; c += 4) {
    const o = <usize>c << 2;
    const m = v128.load(center + o);
    let a = f32x4.splat(0), b = f32x4.splat(0);
    if (clamp) {
      a = v128.load(alpha + o);
      b = v128.load(shift + o);
    }
    let s1 = f32x4.splat(0), s2 = f32x4.splat(0); // this sub-block's part, added to the block's sums after it
    let p = off + o;
    for (let i = 0; i < ns; i++) {
      const xc = f32x4.sub(v128.load(x + p), m);
      const g = maskV(v128.load(dy + p), xc, a, b, clamp, lo, hi, open);
      s1 = f32x4.add(s1, g);
      s2 = f32x4.add(s2, f32x4.mul(g, xc));
      p += rowBytes;
    }
    reduceSubEnd(c, o, s1, s2, sumDy, sumDyXc, sums, products, first, last);
  }
}

// A sub-block's sums of four features: added to the block's, then flushed (last) or kept.
@inline
function reduceSubEnd(c: i32, o: usize, s1: v128, s2: v128, sumDy: usize, sumDyXc: usize, sums: usize, products: usize, first: bool, last: bool): void {
  if (!first) {
    s1 = f32x4.add(v128.load(sums + o), s1);
    s2 = f32x4.add(v128.load(products + o), s2);
  }
  if (last) {
    addPromoted(sumDy, c, s1);
    addPromoted(sumDyXc, c, s2);
  } else {
    v128.store(sums + o, s1);
    v128.store(products + o, s2);
  }
}

// Feature c of C % 4 (the scalar tail) over nb rows from byte offset off0: f64 sums.
@inline
function reduceTail(x: usize, dy: usize, off0: usize, nb: i32, rowBytes: usize, c: i32, center: usize, alpha: usize, shift: usize,
  sumDy: usize, sumDyXc: usize, act: i32, clamp: bool): void {
  const loS = clampLow(act), hiS = clampHigh(act);
  const o = <usize>c << 2;
  const m = load<f32>(center + o);
  let s1: f64 = 0, s2: f64 = 0;
  let p = off0 + o;
  for (let i = 0; i < nb; i++) {
    const xc = load<f32>(x + p) - m;
    let g = load<f32>(dy + p);
    if (clamp) g = maskS(g, xc, load<f32>(alpha + o), load<f32>(shift + o), clamp, loS, hiS);
    s1 += <f64>g;
    s2 += <f64>(g * xc);
    p += rowBytes;
  }
  const q = <usize>c << 3;
  store<f64>(sumDy + q, load<f64>(sumDy + q) + s1);
  store<f64>(sumDyXc + q, load<f64>(sumDyXc + q) + s2);
}

// reduceRows for short rows (streamRows, see stats.ts): each block's rows one at a time, in
// memory order, the block's f32 sums and each sub-block's part of them in scratch (four f32
// arrays of C), flushed into f64 as reduceRows flushes; the same sums in the same order.
@inline
function reduceRowsStream(x: usize, dy: usize, N: i32, C: i32, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, act: i32, clamp: bool): void {
  const rowBytes = <usize>C << 2;
  const C4 = C & ~3;
  const sums = scratch, products = sums + rowBytes, partSums = products + rowBytes, partProducts = partSums + rowBytes;
  for (let r0 = 0; r0 < N; r0 += ROW_BLOCK) {
    const nb = min(ROW_BLOCK, N - r0);
    const off0 = <usize>r0 * rowBytes;
    for (let s0 = 0; s0 < nb; s0 += SUB_BLOCK) {
      const ns = min(SUB_BLOCK, nb - s0);
      const off = off0 + <usize>s0 * rowBytes;
      streamRow(x, dy, off, C4, center, alpha, shift, partSums, partProducts, act, clamp, true);
      for (let i = 1; i < ns; i++) streamRow(x, dy, off + <usize>i * rowBytes, C4, center, alpha, shift, partSums, partProducts, act, clamp, false);
      if (s0 > 0) addParts(sums, partSums, rowBytes, C4);
      else memory.copy(sums, partSums, rowBytes << 1); // parts and sums are laid out alike
    }
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      addPromoted(sumDy, c, v128.load(sums + o));
      addPromoted(sumDyXc, c, v128.load(products + o));
    }
    for (let c = C4; c < C; c++) reduceTail(x, dy, off0, nb, rowBytes, c, center, alpha, shift, sumDy, sumDyXc, act, clamp);
  }
}

// One row at byte offset off added into a sub-block's parts (start: into zeros).
@inline
function streamRow(x: usize, dy: usize, off: usize, C4: i32, center: usize, alpha: usize, shift: usize, sums: usize, products: usize,
  act: i32, clamp: bool, start: bool): void {
  const lo = lowV(act), hi = highV(act), open = openV(act);
  for (let c = 0; c < C4; c += 4) {
    const o = <usize>c << 2;
    const xc = f32x4.sub(v128.load(x + off + o), v128.load(center + o));
    let g = v128.load(dy + off + o);
    if (clamp) g = maskV(g, xc, v128.load(alpha + o), v128.load(shift + o), clamp, lo, hi, open);
    v128.store(sums + o, f32x4.add(start ? f32x4.splat(0) : v128.load(sums + o), g));
    v128.store(products + o, f32x4.add(start ? f32x4.splat(0) : v128.load(products + o), f32x4.mul(g, xc)));
  }
}

// Samples outer, channels inner: consecutive runs are contiguous, so x and dy stream in
// order (channel-outer order jumps C*S floats between runs and measured 1.7x slower).
@inline
function reduceRuns(x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  act: i32, clamp: bool): void {
  const lo = lowV(act), hi = highV(act), open = openV(act), loS = clampLow(act), hiS = clampHigh(act);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const cb = <usize>c << 2;
      const ms = load<f32>(center + cb);
      const as = load<f32>(alpha + cb);
      const bs = load<f32>(shift + cb);
      const m = f32x4.splat(ms);
      const a = f32x4.splat(as);
      const b = f32x4.splat(bs);
      const run = <usize>n * sampleBytes + (<usize>c * <usize>S << 2);
      let t1: f64 = 0, t2: f64 = 0;
      for (let s0 = 0; s0 < S; s0 += RUN_CHUNK) {
        const end = min(RUN_CHUNK + s0, S);
        let s1 = f32x4.splat(0), s2 = f32x4.splat(0), u1 = f32x4.splat(0), u2 = f32x4.splat(0);
        let s = s0;
        // Two accumulator pairs: the adds of one do not wait on the other's.
        for (; s + 8 <= end; s += 8) {
          const o = run + (<usize>s << 2);
          const xc = f32x4.sub(v128.load(x + o), m);
          const xd = f32x4.sub(v128.load(x + o, 16), m);
          let g = v128.load(dy + o);
          let h = v128.load(dy + o, 16);
          g = maskV(g, xc, a, b, clamp, lo, hi, open);
          h = maskV(h, xd, a, b, clamp, lo, hi, open);
          s1 = f32x4.add(s1, g);
          s2 = f32x4.add(s2, f32x4.mul(g, xc));
          u1 = f32x4.add(u1, h);
          u2 = f32x4.add(u2, f32x4.mul(h, xd));
        }
        for (; s + 4 <= end; s += 4) {
          const o = run + (<usize>s << 2);
          const xc = f32x4.sub(v128.load(x + o), m);
          let g = v128.load(dy + o);
          g = maskV(g, xc, a, b, clamp, lo, hi, open);
          s1 = f32x4.add(s1, g);
          s2 = f32x4.add(s2, f32x4.mul(g, xc));
        }
        s1 = f32x4.add(s1, u1);
        s2 = f32x4.add(s2, u2);
        let r1 = f32x4.extract_lane(s1, 0) + f32x4.extract_lane(s1, 1) + f32x4.extract_lane(s1, 2) + f32x4.extract_lane(s1, 3);
        let r2 = f32x4.extract_lane(s2, 0) + f32x4.extract_lane(s2, 1) + f32x4.extract_lane(s2, 2) + f32x4.extract_lane(s2, 3);
        for (; s < end; s++) {
          const o = run + (<usize>s << 2);
          const xc = load<f32>(x + o) - ms;
          let g = load<f32>(dy + o);
          g = maskS(g, xc, as, bs, clamp, loS, hiS);
          r1 += g;
          r2 += g * xc;
        }
        t1 += <f64>r1;
        t2 += <f64>r2;
      }
      const q = <usize>c << 3;
      store<f64>(sumDy + q, load<f64>(sumDy + q) + t1);
      store<f64>(sumDyXc + q, load<f64>(sumDyXc + q) + t2);
    }
  }
}

@inline
function reduceWith(x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, act: i32, clamp: bool): void {
  if (S > 1) reduceRuns(x, dy, N, C, S, sampleBytes, center, alpha, shift, sumDy, sumDyXc, act, clamp);
  else if (streamRows(N, C) && sampleBytes == <usize>C << 2) reduceRowsStream(x, dy, N, C, center, alpha, shift, sumDy, sumDyXc, scratch, act, clamp);
  else reduceRows(x, dy, N, C, sampleBytes, center, alpha, shift, sumDy, sumDyXc, scratch, act, clamp);
}

/** backwardReduce over an [N, C, S] view whose samples are sampleBytes apart, adding into sumDy and sumDyXc (slab.ts). */
export function reduceView(x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, activation: i32): void {
  // Two bodies, each a function of its own (see normalize.ts for why).
  if (activation == Activation.None) reduceNone(x, dy, N, C, S, sampleBytes, center, alpha, shift, sumDy, sumDyXc, scratch);
  else reduceClamp(x, dy, N, C, S, sampleBytes, center, alpha, shift, sumDy, sumDyXc, scratch, activation);
}

// scratch: 4*C f32.
export function backwardReduce(x: usize, dy: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, activation: i32): void {
  memory.fill(sumDy, 0, <usize>C << 3);
  memory.fill(sumDyXc, 0, <usize>C << 3);
  reduceView(x, dy, N, C, S, <usize>C * <usize>S << 2, center, alpha, shift, sumDy, sumDyXc, scratch, activation);
}

function reduceNone(x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize): void {
  reduceWith(x, dy, N, C, S, sampleBytes, center, alpha, shift, sumDy, sumDyXc, scratch, Activation.None, false);
}
function reduceClamp(x: usize, dy: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, sumDy: usize, sumDyXc: usize,
  scratch: usize, act: i32): void {
  reduceWith(x, dy, N, C, S, sampleBytes, center, alpha, shift, sumDy, sumDyXc, scratch, act, true);
}

// Four rows per iteration share the per-feature loads (centre and three coefficients:
// 64 KiB of them for 4096 features, more than L1 holds, so loading them once per row cost
// 1.6x here).
@inline
function applyRows(x: usize, dy: usize, dx: usize, N: i32, C: i32, rowBytes: usize, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize,
  act: i32, clamp: bool): void {
  const lo = lowV(act), hi = highV(act), open = openV(act);
  const C4 = C & ~3;
  let r = 0;
  for (; r + 4 <= N; r += 4) {
    const row = <usize>r * rowBytes;
    let c = 0;
    // Without an activation, eight features a step first (as normalize: 0.67x the time in
    // cache, 0.91x-0.95x past it; with one, left out for the Wasm's size).
    if (!clamp) {
      for (; c + 8 <= C4; c += 8) {
        const o = <usize>c << 2;
        const m = v128.load(center + o), m2 = v128.load(center + o, 16);
        const k1 = v128.load(ka + o), k1b = v128.load(ka + o, 16);
        const k2 = v128.load(kb + o), k2b = v128.load(kb + o, 16);
        const k3 = v128.load(kc + o), k3b = v128.load(kc + o, 16);
        const p0 = row + o, p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes;
        applyVec(x, dy, dx, p0, m, k1, k2, k3);
        applyVec(x, dy, dx, p0 + 16, m2, k1b, k2b, k3b);
        applyVec(x, dy, dx, p1, m, k1, k2, k3);
        applyVec(x, dy, dx, p1 + 16, m2, k1b, k2b, k3b);
        applyVec(x, dy, dx, p2, m, k1, k2, k3);
        applyVec(x, dy, dx, p2 + 16, m2, k1b, k2b, k3b);
        applyVec(x, dy, dx, p3, m, k1, k2, k3);
        applyVec(x, dy, dx, p3 + 16, m2, k1b, k2b, k3b);
      }
    }
    for (; c < C4; c += 4) {
      const o = <usize>c << 2;
      const m = v128.load(center + o);
      const k1 = v128.load(ka + o);
      const k2 = v128.load(kb + o);
      const k3 = v128.load(kc + o);
      let a = f32x4.splat(0), b = f32x4.splat(0);
      if (clamp) {
        a = v128.load(alpha + o);
        b = v128.load(shift + o);
      }
      for (let i: usize = 0; i < 4; i++) {
        const p = row + i * rowBytes + o;
        const xc = f32x4.sub(v128.load(x + p), m);
        let g = v128.load(dy + p);
        g = maskV(g, xc, a, b, clamp, lo, hi, open);
        v128.store(dx + p, f32x4.add(f32x4.mul(f32x4.sub(g, k3), k1), f32x4.mul(xc, k2)));
      }
    }
    for (let c = C4; c < C; c++) applyScalar(x, dy, dx, row, 4, rowBytes, c, center, alpha, shift, ka, kb, kc, act, clamp);
  }
  for (; r < N; r++) {
    const row = <usize>r * rowBytes;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const xc = f32x4.sub(v128.load(x + row + o), v128.load(center + o));
      let g = v128.load(dy + row + o);
      if (clamp) g = maskV(g, xc, v128.load(alpha + o), v128.load(shift + o), clamp, lo, hi, open);
      const v = f32x4.add(f32x4.mul(f32x4.sub(g, v128.load(kc + o)), v128.load(ka + o)), f32x4.mul(xc, v128.load(kb + o)));
      v128.store(dx + row + o, v);
    }
    for (let c = C4; c < C; c++) applyScalar(x, dy, dx, row, 1, rowBytes, c, center, alpha, shift, ka, kb, kc, act, clamp);
  }
}

// dx = k1*(dy - k3) + k2*(x - m) at byte offset p, four features, no activation.
@inline
function applyVec(x: usize, dy: usize, dx: usize, p: usize, m: v128, k1: v128, k2: v128, k3: v128): void {
  const xc = f32x4.sub(v128.load(x + p), m);
  v128.store(dx + p, f32x4.add(f32x4.mul(f32x4.sub(v128.load(dy + p), k3), k1), f32x4.mul(xc, k2)));
}

// The scalar tail: feature c of `rows` rows from byte offset row.
@inline
function applyScalar(x: usize, dy: usize, dx: usize, row: usize, rows: usize, rowBytes: usize, c: i32,
  center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize, act: i32, clamp: bool): void {
  const loS = clampLow(act), hiS = clampHigh(act);
  const o = <usize>c << 2;
  const m = load<f32>(center + o), k1 = load<f32>(ka + o), k2 = load<f32>(kb + o), k3 = load<f32>(kc + o);
  for (let i: usize = 0; i < rows; i++) {
    const p = row + i * rowBytes + o;
    const xc = load<f32>(x + p) - m;
    let g = load<f32>(dy + p);
    if (clamp) g = maskS(g, xc, load<f32>(alpha + o), load<f32>(shift + o), clamp, loS, hiS);
    store<f32>(dx + p, (g - k3) * k1 + xc * k2);
  }
}

@inline
function applyRuns(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize,
  act: i32, clamp: bool): void {
  const lo = lowV(act), hi = highV(act), open = openV(act), loS = clampLow(act), hiS = clampHigh(act);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const cb = <usize>c << 2;
      const ms = load<f32>(center + cb), as = load<f32>(alpha + cb), bs = load<f32>(shift + cb);
      const kas = load<f32>(ka + cb), kbs = load<f32>(kb + cb), kcs = load<f32>(kc + cb);
      const m = f32x4.splat(ms), a = f32x4.splat(as), b = f32x4.splat(bs);
      const va = f32x4.splat(kas), vb = f32x4.splat(kbs), vc = f32x4.splat(kcs);
      const run = <usize>n * sampleBytes + (<usize>c * <usize>S << 2);
      let s = 0;
      for (; s + 4 <= S; s += 4) {
        const o = run + (<usize>s << 2);
        const xc = f32x4.sub(v128.load(x + o), m);
        let g = v128.load(dy + o);
        g = maskV(g, xc, a, b, clamp, lo, hi, open);
        v128.store(dx + o, f32x4.add(f32x4.mul(f32x4.sub(g, vc), va), f32x4.mul(xc, vb)));
      }
      for (; s < S; s++) {
        const o = run + (<usize>s << 2);
        const xc = load<f32>(x + o) - ms;
        let g = load<f32>(dy + o);
        g = maskS(g, xc, as, bs, clamp, loS, hiS);
        store<f32>(dx + o, (g - kcs) * kas + xc * kbs);
      }
    }
  }
}

// applyRows for short rows (streamRows, see stats.ts): one row at a time, in memory order,
// the per-feature coefficients loaded for each row (they stay in L1 at these widths).
@inline
function applyRowsStream(x: usize, dy: usize, dx: usize, N: i32, C: i32, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize, act: i32, clamp: bool): void {
  const lo = lowV(act), hi = highV(act), open = openV(act);
  const rowBytes = <usize>C << 2;
  const C4 = C & ~3;
  for (let r = 0; r < N; r++) {
    const row = <usize>r * rowBytes;
    for (let c = 0; c < C4; c += 4) {
      const o = <usize>c << 2;
      const p = row + o;
      const xc = f32x4.sub(v128.load(x + p), v128.load(center + o));
      let g = v128.load(dy + p);
      if (clamp) g = maskV(g, xc, v128.load(alpha + o), v128.load(shift + o), clamp, lo, hi, open);
      v128.store(dx + p, f32x4.add(f32x4.mul(f32x4.sub(g, v128.load(kc + o)), v128.load(ka + o)), f32x4.mul(xc, v128.load(kb + o))));
    }
    for (let c = C4; c < C; c++) applyScalar(x, dy, dx, row, 1, rowBytes, c, center, alpha, shift, ka, kb, kc, act, clamp);
  }
}

@inline
function applyWith(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize,
  act: i32, clamp: bool): void {
  if (S > 1) applyRuns(x, dy, dx, N, C, S, sampleBytes, center, alpha, shift, ka, kb, kc, act, clamp);
  else if (streamRows(N, C) && sampleBytes == <usize>C << 2) applyRowsStream(x, dy, dx, N, C, center, alpha, shift, ka, kb, kc, act, clamp);
  else applyRows(x, dy, dx, N, C, sampleBytes, center, alpha, shift, ka, kb, kc, act, clamp);
}

/** backwardApply over an [N, C, S] view whose samples are sampleBytes apart (slab.ts). */
export function applyView(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize,
  ka: usize, kb: usize, kc: usize, activation: i32): void {
  // Two bodies, each a function of its own (see normalize.ts for why).
  if (activation == Activation.None) applyNone(x, dy, dx, N, C, S, sampleBytes, center, alpha, shift, ka, kb, kc);
  else applyClamp(x, dy, dx, N, C, S, sampleBytes, center, alpha, shift, ka, kb, kc, activation);
}

export function backwardApply(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize, activation: i32): void {
  applyView(x, dy, dx, N, C, S, <usize>C * <usize>S << 2, center, alpha, shift, ka, kb, kc, activation);
}

function applyNone(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize): void {
  applyWith(x, dy, dx, N, C, S, sampleBytes, center, alpha, shift, ka, kb, kc, Activation.None, false);
}
function applyClamp(x: usize, dy: usize, dx: usize, N: i32, C: i32, S: i32, sampleBytes: usize, center: usize, alpha: usize, shift: usize, ka: usize, kb: usize, kc: usize,
  act: i32): void {
  applyWith(x, dy, dx, N, C, S, sampleBytes, center, alpha, shift, ka, kb, kc, act, true);
}
