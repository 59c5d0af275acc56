// The JS backend's fast loops (src/js/fast-kernels.ts) against the plain reference
// (src/js/kernels.ts): the elementwise results to the last bit (the same f64 arithmetic per
// element), the sums within the float64 reference's bound (they add in another order), on
// the shapes where the fast loops have edges (N % 4, odd C) and where they hand over to the
// reference (S > 1, an activation); dx written over dy too.
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/activation.js';
import * as fast from '../src/js/fast-kernels.js';
import * as ref from '../src/js/kernels.js';
import { seeded } from './helpers/seeded.js';

const CASES = [
  { N: 9, C: 7, S: 1, offset: 0 },
  { N: 4, C: 2, S: 1, offset: 1e4 },
  { N: 1, C: 5, S: 1, offset: 0 },
  { N: 37, C: 130, S: 1, offset: 3 },
  { N: 3, C: 4, S: 9, offset: 1e4 },
];

// |a - b| per channel over the scale of the sums' terms: sum |term| (the bound of an f64 sum in another order).
const relative = (a: Float64Array, b: Float64Array, scale: Float64Array) => Math.max(...Array.from(a, (v, c) => Math.abs(v - b[c]) / Math.max(scale[c], 1e-300)));

describe.each(CASES)('fast-kernels.ts against kernels.ts on [$N, $C, $S], offset $offset', ({ N, C, S, offset }) => {
  const count = N * C * S;
  const x = seeded(count, N * 13 + C + S, offset, 4);
  const dy = seeded(count, 5);
  const [center, scale, bias, alpha, shift, ka, kb, kc] = Array.from({ length: 8 }, (_, i) => seeded(C, 20 + i, i === 0 ? offset : 0, 2));

  it('stats: the same mean and M2 within the float64 bound', () => {
    const [m1, q1, m2, q2] = [new Float64Array(C), new Float64Array(C), new Float64Array(C), new Float64Array(C)];
    fast.stats(x, N, C, S, m1, q1);
    ref.stats(x, N, C, S, m2, q2);
    for (let c = 0; c < C; c++) {
      const sd = Math.sqrt(q2[c] / (N * S));
      expect(Math.abs(m1[c] - m2[c]), `mean ${c}`).toBeLessThanOrEqual(1e-12 * Math.max(sd, Math.abs(m2[c]) * 1e-3));
      expect(Math.abs(q1[c] - q2[c]), `M2 ${c}`).toBeLessThanOrEqual(1e-9 * Math.max(q2[c], 1e-300));
    }
  });

  it('stats and backwardReduce write no channel past C (arrays longer than C keep their tail)', () => {
    const tail = () => Float64Array.from({ length: C + 3 }, (_, i) => (i < C ? 0 : -7.5));
    const sums = [tail(), tail(), tail(), tail()];
    fast.stats(x, N, C, S, sums[0], sums[1]);
    fast.backwardReduce(x, dy, N, C, S, center, alpha, shift, sums[2], sums[3], 0);
    for (const s of sums) expect(Array.from(s.subarray(C))).toEqual([-7.5, -7.5, -7.5]);
  });

  it.each(ACTIVATIONS.map((a) => [a.name ?? 'none', a.code] as const))('normalize and backwardApply: the same bits, in place too (activation %s)', (_, code) => {
    const [a, b] = [new Float32Array(count), new Float32Array(count)];
    fast.normalize(x, a, N, C, S, center, scale, bias, code);
    ref.normalize(x, b, N, C, S, center, scale, bias, code);
    expect(a).toEqual(b);
    const inPlace = x.slice();
    fast.normalize(inPlace, inPlace, N, C, S, center, scale, bias, code);
    expect(inPlace).toEqual(b);
    fast.backwardApply(x, dy, a, N, C, S, center, alpha, shift, ka, kb, kc, code);
    ref.backwardApply(x, dy, b, N, C, S, center, alpha, shift, ka, kb, kc, code);
    expect(a).toEqual(b);
    const over = dy.slice();
    fast.backwardApply(x, over, over, N, C, S, center, alpha, shift, ka, kb, kc, code);
    expect(over).toEqual(b);
  });

  it.each(ACTIVATIONS.map((a) => [a.name ?? 'none', a.code] as const))('backwardReduce: the same sums within the float64 bound (activation %s)', (_, code) => {
    const [s1, t1, s2, t2] = [new Float64Array(C), new Float64Array(C), new Float64Array(C), new Float64Array(C)];
    fast.backwardReduce(x, dy, N, C, S, center, alpha, shift, s1, t1, code);
    ref.backwardReduce(x, dy, N, C, S, center, alpha, shift, s2, t2, code);
    const [abs1, abs2] = [new Float64Array(C), new Float64Array(C)];
    for (let i = 0; i < count; i++) {
      const c = Math.floor(i / S) % C;
      abs1[c] += Math.abs(dy[i]);
      abs2[c] += Math.abs(dy[i] * (x[i] - center[c]));
    }
    expect(relative(s1, s2, abs1)).toBeLessThan(1e-12);
    expect(relative(t1, t2, abs2)).toBeLessThan(1e-12);
  });
});

it('the fast loops are what the JS backend runs, and hand everything else to the reference', async () => {
  const engine = await import('../src/js/js-engine.js');
  const source = (await import('node:fs')).readFileSync(new URL('../src/js/js-engine.ts', import.meta.url), 'utf8');
  expect(engine.JsEngine).toBeTypeOf('function');
  expect(source).toMatch(/from '\.\/fast-kernels\.js'/);
  expect(fast.trainFinalize).toBe(ref.trainFinalize);
  expect(fast.fold).toBe(ref.fold);
  expect(fast.backwardFinalize).toBe(ref.backwardFinalize);
});
