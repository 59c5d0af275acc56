// Each operation's element step, written once: the vector form (one v128 of T lanes) and the
// scalar form (one element of a tail) of the same IEEE operations in the same order, so that
// an element gets the same bits whichever loop shape (drivers.ts) reaches it and whether it
// sits in a vector lane or in a tail. Generic over the element type T (f32 here; f64 for a
// float64 build of the same source): v128.add<T> and friends pick the lanes.
//
//   normalize:  y = act((x - m) * a + b)                     m: the centre, a: scale, b: bias
//   dx:         dx = (g - kc) * ka + (x - m) * kb            g: dy masked by act's gradient
//   reductions: a term pair per element, summed per feature:
//               statistics  d = x - pivot:       d and d * d
//               backward    xc = x - m, g as above:  g and g * xc
import { activateS, activateV, passS, passV } from './activation';

// The pre-activation value of the forward: xc * a + b, xc = x - m.
@inline
export function preActV<T>(xc: v128, a: v128, b: v128): v128 {
  return v128.add<T>(v128.mul<T>(xc, a), b);
}

@inline
export function preActS<T>(xc: T, a: T, b: T): T {
  return xc * a + b;
}

@inline
export function normalizeV<T>(x: v128, m: v128, a: v128, b: v128, clamp: bool, lo: v128, hi: v128): v128 {
  return activateV<T>(preActV<T>(v128.sub<T>(x, m), a, b), clamp, lo, hi);
}

@inline
export function normalizeS<T>(x: T, m: T, a: T, b: T, clamp: bool, lo: T, hi: T): T {
  return activateS<T>(preActS<T>(x - m, a, b), clamp, lo, hi);
}

// dy masked by the activation's gradient at the forward's pre-activation value, recomputed
// with the forward's arithmetic (a and b: the forward's alpha and shift).
@inline
export function gradV<T>(dy: v128, xc: v128, a: v128, b: v128, clamp: bool, lo: v128, hi: v128, open: v128): v128 {
  return clamp ? passV<T>(dy, preActV<T>(xc, a, b), lo, hi, open) : dy;
}

@inline
export function gradS<T>(dy: T, xc: T, a: T, b: T, clamp: bool, lo: T, hi: T): T {
  return clamp ? passS<T>(dy, preActS<T>(xc, a, b), lo, hi) : dy;
}

// kc is about the mean of g, subtracted first: for one element per channel g - kc is exactly
// 0, as the book's dx is.
@inline
export function dxV<T>(x: v128, dy: v128, m: v128, ka: v128, kb: v128, kc: v128, a: v128, b: v128, clamp: bool, lo: v128, hi: v128, open: v128): v128 {
  const xc = v128.sub<T>(x, m);
  const g = gradV<T>(dy, xc, a, b, clamp, lo, hi, open);
  return v128.add<T>(v128.mul<T>(v128.sub<T>(g, kc), ka), v128.mul<T>(xc, kb));
}

@inline
export function dxS<T>(x: T, dy: T, m: T, ka: T, kb: T, kc: T, a: T, b: T, clamp: bool, lo: T, hi: T): T {
  const xc = x - m;
  return (gradS<T>(dy, xc, a, b, clamp, lo, hi) - kc) * ka + xc * kb;
}

// A reduction's term pair for one element: `second` false gives the first term (d, or g),
// true the second (d * d, or g * xc). A step adds both to its sums; the two calls share their
// operands, which the compiler computes once.
@inline
export function termV<T>(second: bool, stats: bool, x: v128, dy: v128, ref: v128, a: v128, b: v128, clamp: bool, lo: v128, hi: v128, open: v128): v128 {
  const v = v128.sub<T>(x, ref);
  const u = stats ? v : gradV<T>(dy, v, a, b, clamp, lo, hi, open);
  return second ? v128.mul<T>(u, v) : u;
}

@inline
export function termS<T>(second: bool, stats: bool, x: T, dy: T, ref: T, a: T, b: T, clamp: bool, lo: T, hi: T): T {
  const v = x - ref;
  const u = stats ? v : gradS<T>(dy, v, a, b, clamp, lo, hi);
  return second ? u * v : u;
}

// A block's f32 (T) sums merged into the f64 results. Statistics (Chan et al.): the block of nb
// elements has mean pivot + s1/nb and M2 s2 - s1^2/nb (formed in f64: rounded to f32 the mean
// would lose what data far from zero, 1e4 + noise, needs), merged into (mean, m2) of na
// elements with wNew = nb/(na+nb) and wCross = na*nb/(na+nb). Backward: the sums are added.
// Two features a step (f64x2) at byte offset q of the f64 arrays, and one.
@inline
export function mergeV(stats: bool, acc1: usize, acc2: usize, q: usize, pivot: v128, s1: v128, s2: v128, wNew: v128, wCross: v128, invNb: v128): void {
  if (stats) {
    const dm = f64x2.mul(s1, invNb);
    const bm2 = f64x2.sub(s2, f64x2.mul(s1, dm));
    const m = v128.load(acc1 + q);
    const delta = f64x2.sub(f64x2.add(pivot, dm), m);
    v128.store(acc1 + q, f64x2.add(m, f64x2.mul(delta, wNew)));
    v128.store(acc2 + q, f64x2.add(v128.load(acc2 + q), f64x2.add(bm2, f64x2.mul(f64x2.mul(delta, delta), wCross))));
  } else {
    v128.store(acc1 + q, f64x2.add(v128.load(acc1 + q), s1));
    v128.store(acc2 + q, f64x2.add(v128.load(acc2 + q), s2));
  }
}

@inline
export function mergeS(stats: bool, acc1: usize, acc2: usize, q: usize, pivot: f64, s1: f64, s2: f64, wNew: f64, wCross: f64, invNb: f64): void {
  if (stats) {
    const dm = s1 * invNb;
    const bm2 = s2 - s1 * dm;
    const m = load<f64>(acc1 + q);
    const delta = (pivot + dm) - m;
    store<f64>(acc1 + q, m + delta * wNew);
    store<f64>(acc2 + q, load<f64>(acc2 + q) + (bm2 + delta * delta * wCross));
  } else {
    store<f64>(acc1 + q, load<f64>(acc1 + q) + s1);
    store<f64>(acc2 + q, load<f64>(acc2 + q) + s2);
  }
}
