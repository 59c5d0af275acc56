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

  // Four rows a step: a loop that runs a group past row N writes it into a longer array.
  it('normalize and backwardApply write no element past the shape (outputs longer than it keep their tail)', () => {
    const PAD = 4 * C * S;
    const padded = () => Float32Array.from({ length: count + PAD }, (_, i) => (i < count ? 0 : -7.5));
    const [y, dx, expectedY, expectedDx] = [padded(), padded(), new Float32Array(count), new Float32Array(count)];
    fast.normalize(x, y, N, C, S, center, scale, bias, 0);
    fast.backwardApply(x, dy, dx, N, C, S, center, alpha, shift, ka, kb, kc, 0);
    ref.normalize(x, expectedY, N, C, S, center, scale, bias, 0);
    ref.backwardApply(x, dy, expectedDx, N, C, S, center, alpha, shift, ka, kb, kc, 0);
    expect(y.subarray(0, count)).toEqual(expectedY);
    expect(dx.subarray(0, count)).toEqual(expectedDx);
    for (const [a, name] of [[y, 'y'], [dx, 'dx']] as const) expect(Array.from(a.subarray(count)), `${name} past its end`).toEqual(Array(PAD).fill(-7.5));
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

// The reference kernels (kernels.ts) against a float64 computation of their documented
// formulas, on arrays longer than the shape with a sentinel past its end: a loop that runs past
// the last row or channel reads the sentinel into a result, or writes over it.
describe.each([
  { N: 3, C: 4, S: 1 },
  { N: 2, C: 3, S: 5 },
])('kernels.ts on [$N, $C, $S] reads and writes only its shape', ({ N, C, S }) => {
  const PAD = 4;
  const SENTINEL = 1e3;
  const count = N * C * S;
  const padded = <T extends Float32Array | Float64Array>(data: ArrayLike<number>, make: new (n: number) => T): T => {
    const a = new make(data.length + PAD);
    a.fill(SENTINEL);
    a.set(data);
    return a;
  };
  const f32 = (data: ArrayLike<number>) => padded(data, Float32Array);
  const f64 = (data: ArrayLike<number>) => padded(data, Float64Array);
  const channelOf = (i: number) => Math.floor(i / S) % C;
  const x = f32(seeded(count, 41, 0.5, 4));
  const dy = f32(seeded(count, 42));
  const [center, scale, bias, alpha, shift, gamma, beta, ka, kb, kc] = Array.from({ length: 10 }, (_, i) => f32(seeded(C, 50 + i, i === 5 ? 1 : 0, 2)));
  const closeTo = (actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string) => {
    for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i]), `${what}[${i}]`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected[i])));
  };
  const untouchedPast = (a: ArrayLike<number>, n: number, what: string) => expect(Array.from(a).slice(n), `${what} past its end`).toEqual(Array(PAD).fill(SENTINEL));

  it('stats: mean and M2 of each channel', () => {
    const [mean, m2] = [f64(new Float64Array(C).fill(-7)), f64(new Float64Array(C).fill(-7))];
    ref.stats(x, N, C, S, mean, m2);
    const eMean = new Float64Array(C);
    const eM2 = new Float64Array(C);
    for (let i = 0; i < count; i++) eMean[channelOf(i)] += x[i] / (N * S);
    for (let i = 0; i < count; i++) eM2[channelOf(i)] += (x[i] - eMean[channelOf(i)]) ** 2;
    closeTo(mean, eMean, 1e-12, 'mean');
    closeTo(m2, eM2, 1e-12, 'm2');
    untouchedPast(mean, C, 'mean');
    untouchedPast(m2, C, 'm2');
  });

  it('normalize and backwardApply: every element of the shape, nothing past it', () => {
    for (const a of ACTIVATIONS) {
      const y = f32(new Float32Array(count));
      ref.normalize(x, y, N, C, S, center, scale, bias, a.code);
      const expected = Array.from({ length: count }, (_, i) => a.apply((x[i] - center[channelOf(i)]) * scale[channelOf(i)] + bias[channelOf(i)]));
      closeTo(y, expected, 1e-6, `y (${a.label})`);
      untouchedPast(y, count, 'y');
      const dx = f32(new Float32Array(count));
      ref.backwardApply(x, dy, dx, N, C, S, center, alpha, shift, ka, kb, kc, a.code);
      const eDx = Array.from({ length: count }, (_, i) => {
        const c = channelOf(i);
        const xc = x[i] - center[c];
        const g = a.passes(xc * alpha[c] + shift[c]) ? dy[i] : 0;
        return ka[c] * (g - kc[c]) + kb[c] * xc;
      });
      closeTo(dx, eDx, 1e-6, `dx (${a.label})`);
      untouchedPast(dx, count, 'dx');
    }
  });

  it('backwardReduce: the masked sums of dy and dy * (x - center)', () => {
    for (const a of ACTIVATIONS) {
      const [sumDy, sumDyXc] = [f64(new Float64Array(C).fill(5)), f64(new Float64Array(C).fill(5))];
      ref.backwardReduce(x, dy, N, C, S, center, alpha, shift, sumDy, sumDyXc, a.code);
      const [e1, e2] = [new Float64Array(C), new Float64Array(C)];
      for (let i = 0; i < count; i++) {
        const c = channelOf(i);
        const xc = x[i] - center[c];
        if (!a.passes(xc * alpha[c] + shift[c])) continue;
        e1[c] += dy[i];
        e2[c] += dy[i] * xc;
      }
      closeTo(sumDy, e1, 1e-12, `sumDy (${a.label})`);
      closeTo(sumDyXc, e2, 1e-12, `sumDyXc (${a.label})`);
      untouchedPast(sumDy, C, 'sumDy');
      untouchedPast(sumDyXc, C, 'sumDyXc');
    }
  });

  it.each([0.9, 0])('trainFinalize (momentum %s), fold and backwardFinalize: each channel by its formula, nothing past C', (momentum) => {
    const mean = f64(Array.from({ length: C }, (_, c) => 0.3 + c / 7));
    const m2 = f64(Array.from({ length: C }, (_, c) => 1.5 + c));
    const [runMean, runVar] = [f32(new Float32Array(C).fill(0.25)), f32(new Float32Array(C).fill(2))];
    const [meanHi, meanLo, invstd, al, sh] = Array.from({ length: 5 }, () => f32(new Float32Array(C)));
    const eps = 1e-3;
    const M = N * S;
    ref.trainFinalize(C, M, mean, m2, gamma, beta, runMean, runVar, momentum, eps, true, meanHi, meanLo, invstd, al, sh);
    const eInv = Array.from({ length: C }, (_, c) => 1 / Math.sqrt(m2[c] / M + eps));
    closeTo(invstd, eInv, 1e-6, 'invstd');
    closeTo(runMean, Array.from({ length: C }, (_, c) => momentum * 0.25 + (1 - momentum) * mean[c]), 1e-6, 'runningMean');
    closeTo(runVar, Array.from({ length: C }, (_, c) => momentum * 2 + (1 - momentum) * m2[c] / (M - 1)), 1e-6, 'runningVar (unbiased)');
    for (let c = 0; c < C; c++) expect(meanHi[c] + meanLo[c], `meanHi + meanLo ${c}`).toBeCloseTo(mean[c], 12);
    closeTo(al, Array.from({ length: C }, (_, c) => gamma[c] * eInv[c]), 1e-6, 'alpha');
    // y = (x - meanHi) * alpha + shift is (x - mean) * alpha + beta
    closeTo(sh, Array.from({ length: C }, (_, c) => beta[c] - (mean[c] - meanHi[c]) * gamma[c] * eInv[c]), 1e-6, 'shift');
    for (const [a, name] of [[runMean, 'runningMean'], [runVar, 'runningVar'], [meanHi, 'meanHi'], [meanLo, 'meanLo'], [invstd, 'invstd'], [al, 'alpha'], [sh, 'shift']] as const) untouchedPast(a, C, name);

    const sc = f32(new Float32Array(C));
    ref.fold(C, gamma, runVar, eps, sc);
    closeTo(sc, Array.from({ length: C }, (_, c) => gamma[c] / Math.sqrt(runVar[c] + eps)), 1e-6, 'scale');
    untouchedPast(sc, C, 'scale');

    const sumDy = f64(Array.from({ length: C }, (_, c) => c - 1.5));
    const sumDyXc = f64(Array.from({ length: C }, (_, c) => 0.5 * c + 0.25));
    const [dg, db, oa, ob, oc] = Array.from({ length: 5 }, () => f32(new Float32Array(C)));
    ref.backwardFinalize(C, M, gamma, meanLo, invstd, sumDy, sumDyXc, dg, db, oa, ob, oc);
    // Against the mean: sum(dy * (x - meanHi)) is sum(dy * (x - mean)) + meanLo * sum(dy).
    const eDg = Array.from({ length: C }, (_, c) => (sumDyXc[c] - meanLo[c] * sumDy[c]) * invstd[c]);
    closeTo(dg, eDg, 1e-6, 'dgamma');
    closeTo(db, Array.from({ length: C }, (_, c) => sumDy[c]), 1e-6, 'dbeta');
    closeTo(oa, Array.from({ length: C }, (_, c) => gamma[c] * invstd[c]), 1e-6, 'ka');
    closeTo(ob, Array.from({ length: C }, (_, c) => -gamma[c] * invstd[c] ** 2 * eDg[c] / M), 1e-6, 'kb');
    closeTo(oc, Array.from({ length: C }, (_, c) => (sumDy[c] - meanLo[c] * invstd[c] * eDg[c]) / M), 1e-6, 'kc');
    for (const [a, name] of [[dg, 'dgamma'], [db, 'dbeta'], [oa, 'ka'], [ob, 'kb'], [oc, 'kc']] as const) untouchedPast(a, C, name);
  });

  it('trainFinalize of one element, unbiased: the variance divides by 1, not 0', () => {
    const [runMean, runVar, meanHi, meanLo, invstd, al, sh] = Array.from({ length: 7 }, () => f32(new Float32Array(C).fill(1)));
    ref.trainFinalize(C, 1, f64(new Float64Array(C).fill(2)), f64(new Float64Array(C)), gamma, beta, runMean, runVar, 0.5, 1e-5, true, meanHi, meanLo, invstd, al, sh);
    expect(Array.from(runVar.subarray(0, C))).toEqual(Array(C).fill(0.5));
    expect(Array.from(runMean.subarray(0, C))).toEqual(Array(C).fill(1.5));
  });
});
