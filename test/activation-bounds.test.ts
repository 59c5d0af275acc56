// The fused activations at their bounds, in every kernel that applies them and on both
// backends (the Wasm exports and their TypeScript twins), against the rule src/activation.ts
// and assembly/activation.ts state: forward min(max(y, lo), hi) that keeps NaN and gives +0 for
// -0; the gradient passes where lo < y < hi (an infinite hi bounds nothing). With centre 0,
// scale 1 and bias -0 (or 0) the pre-activation value y is the input itself, so every special value
// (0, -0, exactly 6, just under and over it, the infinities, NaN) lands on every lane of the
// SIMD steps and on the scalar tails, in each layout and row path of the kernels.
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/activation.js';
import * as js from '../src/js/kernels.js';
import { planFor } from '../src/wasm/plan.js';
import { kernelMemory } from './helpers/kernel-memory.js';

const { kernels: k, put, f32At, f64At } = kernelMemory();

// The rule, written out.
const LIMITS = { none: [-Infinity, Infinity], relu: [0, Infinity], relu6: [0, 6] } as const;
const forwardRule = (name: keyof typeof LIMITS, y: number) => {
  if (name === 'none' || Number.isNaN(y)) return y;
  const [lo, hi] = LIMITS[name];
  return Math.min(Math.max(y, lo), hi) + 0; // + 0: -0 becomes +0
};
const passRule = (name: keyof typeof LIMITS, y: number) => name === 'none' || (y > LIMITS[name][0] && (y < LIMITS[name][1] || LIMITS[name][1] === Infinity));

const SPECIAL = [-1, -0, 0, 1e-30, 0.5, 3, Math.fround(5.999999), 6, Math.fround(6.000001), 6.5, 100, Infinity, -Infinity, NaN];
const FINITE = SPECIAL.filter(Number.isFinite); // backward: x - centre must be finite, or its products are NaN
// Values spread so that each lands at every position: a stride coprime to the list's length.
const spread = (values: number[], n: number) => Float32Array.from({ length: n }, (_, i) => values[(i * 5) % values.length]);

// [N, C, S]: C of 13 (8 + 4 + 1 per row) and 4; N of 5 (a four-row step and one row); S of 13
// (8 + 4 + 1 per run); rows of 1031 features; 262,600 elements of 101 features (one row at a time).
const LAYOUTS = [[5, 13, 1], [9, 4, 1], [2, 3, 13], [3, 2, 9], [6, 1031, 1], [2600, 101, 1]] as const;
const NAMES = ACTIVATIONS.map((a) => [a.name ?? 'none', a.code] as const);

describe.each(LAYOUTS.map(([N, C, S]) => ({ N, C, S })))('[N, C, S] = [$N, $C, $S]', ({ N, C, S }) => {
  const count = N * C * S;
  const zeros = new Float32Array(C), ones = new Float32Array(C).fill(1), minusZeros = new Float32Array(C).fill(-0);
  const channelOf = (i: number) => Math.floor(i / S) % C;
  const dy = Float32Array.from({ length: count }, (_, i) => 1 + (i % 3));
  // backwardApply on both backends with centre 0, shift 0 and scale alpha (y = x * alpha), and
  // ka 1, kb 0, kc 0: dx = ka * (g - kc) + kb * (x - centre) is the masked dy itself, exactly g.
  const expectApplyGives = (g: number[], x: Float32Array, alpha: Float32Array, y: ArrayLike<number>, code: number) => {
    const dx = put(new Float32Array(count));
    k.backwardApply(put(x), put(dy), dx, N, C, S, put(zeros), put(alpha), put(zeros), put(ones), put(zeros), put(zeros), code, planFor('backwardApply', N, C, S));
    const jsDx = new Float32Array(count);
    js.backwardApply(x, dy, jsDx, N, C, S, zeros, alpha, zeros, ones, zeros, zeros, code);
    for (const [backend, got] of [['wasm', f32At(dx, count)], ['js', jsDx]] as const) {
      const wrong = g.findIndex((e, i) => got[i] !== e);
      expect(wrong, `${backend}: element ${wrong}: y ${y[wrong]}, dy ${dy[wrong]} gave ${got[wrong]}`).toBe(-1);
    }
  };

  it.each(NAMES)('normalize with activation %s: the clamp, NaN kept, +0 for -0', (name, code) => {
    const x = spread(SPECIAL, count);
    const expected = Array.from(x, (v) => forwardRule(name, v));
    const y = put(new Float32Array(count));
    k.normalize(put(x), y, N, C, S, put(zeros), put(ones), put(minusZeros), code, planFor('normalize', N, C, S)); // x + -0 is x, -0 too
    const jsY = new Float32Array(count);
    js.normalize(x, jsY, N, C, S, zeros, ones, minusZeros, code);
    for (const [backend, got] of [['wasm', f32At(y, count)], ['js', jsY]] as const) {
      const wrong = expected.findIndex((e, i) => !Object.is(got[i], e));
      expect(wrong, `${backend}: element ${wrong}: x ${x[wrong]} gave ${got[wrong]}, expected ${expected[wrong]}`).toBe(-1);
    }
  });

  it.each(NAMES)('backwardReduce and backwardApply with activation %s: dy passes exactly where lo < y < hi', (name, code) => {
    const x = spread(FINITE, count);
    const g = Array.from(dy, (d, i) => (passRule(name, x[i]) ? d : 0));
    expectApplyGives(g, x, ones, x, code); // scale 1: y is x
    const sumDy = new Float64Array(C), sumDyXc = new Float64Array(C);
    g.forEach((d, i) => {
      sumDy[channelOf(i)] += d;
      sumDyXc[channelOf(i)] += d * x[i];
    });
    const [s1, s2] = [put(new Float64Array(C)), put(new Float64Array(C))];
    k.backwardReduce(put(x), put(dy), N, C, S, put(zeros), put(ones), put(zeros), s1, s2, put(new Float32Array(5 * C)), code, planFor('backwardReduce', N, C, S));
    const [j1, j2] = [new Float64Array(C), new Float64Array(C)];
    js.backwardReduce(x, dy, N, C, S, zeros, ones, zeros, j1, j2, code);
    for (const [backend, a, b] of [['wasm', f64At(s1, C), f64At(s2, C)], ['js', j1, j2]] as const) {
      for (let c = 0; c < C; c++) {
        expect(a[c], `${backend} sum(dy) of channel ${c}`).toBeCloseTo(sumDy[c], 6);
        expect(Math.abs(b[c] - sumDyXc[c]), `${backend} sum(dy (x - centre)) of channel ${c}: ${b[c]} vs ${sumDyXc[c]}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(sumDyXc[c])));
      }
    }
  });

  it.each(NAMES)('backwardApply with activation %s where a huge scale takes y to ±Infinity: ReLU passes +Infinity', (name, code) => {
    // y = (x - 0) * alpha + 0 with x finite and alpha near float32's largest: y overflows to
    // ±Infinity on some lanes (x - centre stays finite, so dx is not NaN). The rule: an infinite
    // hi bounds nothing, so ReLU passes y = +Infinity; ReLU6 (hi 6) does not.
    const alpha = Math.fround(1e38);
    const x = spread([-10, -1, 0, 1e-30, 1, 10, 100, -100, 0.5], count);
    const y = Array.from(x, (v) => Math.fround(v * alpha)); // one float32 rounding, as the kernel's
    expect(y.some((v) => v === Infinity) && y.some((v) => v === -Infinity)).toBe(true);
    const g = Array.from(dy, (d, i) => (passRule(name, y[i]) ? d : 0));
    expectApplyGives(g, x, new Float32Array(C).fill(alpha), y, code);
  });
});
