// The plan (src/wasm/plan.ts, the table src/wasm/plan-table.ts that `npm run tune` writes):
// every driver it can name gives the same results as the reference. With S == 1 every
// driver (rows a step R, vectors a step V) takes each element through the same formula and
// sums each feature in the same order (assembly/drivers.ts), so each must give the bits of
// the simplest one, a row at a time and two vectors a step, which test/kernels.test.ts checks
// against the TypeScript twins when the plan picks it, and test/slabs.test.ts against slabs. Along runs (S > 1) V changes the order of the sums: there the
// statistics and backward sums must stay within the float64 reference's bound; the
// elementwise results, whose formula is per element, must still be the same bits.
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/activation.js';
import { partialBytes, scratchPartial, secondPartial } from '../src/wasm/abi.js';
import { type Driver, PLAN_OPS, PLAN_TABLE, planFor, type PlanTable, planWord } from '../src/wasm/plan.js';
import { kernelMemory } from './helpers/kernel-memory.js';
import { seeded } from './helpers/seeded.js';

const { kernels: k, heap, put, f32At, f64At } = kernelMemory();

// Every driver the tune chooses from, and those of the committed table.
const CANDIDATES: Driver[] = [2, 4].flatMap((V) => [1, 2, 3, 4, 8, 16, 32].map((R) => ({ V: V as 2 | 4, R })));
const TABLE_DRIVERS: Driver[] = PLAN_OPS.flatMap((op) => [...PLAN_TABLE.rows[op].flatMap((e) => [e.inCache, e.outOfCache]), PLAN_TABLE.runs[op]]);
const SIMPLEST = planWord({ V: 2, R: 1 });

// Per-channel float64 sums of the reference: mean and M2 of x; sum(g) and sum(g * (x - center)).
function reference(x: Float32Array, dy: Float32Array, N: number, C: number, S: number, center: Float32Array, pass: (c: number, i: number) => boolean) {
  const [mean, m2, sumDy, sumDyXc] = Array.from({ length: 4 }, () => new Float64Array(C));
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) sum += x[(n * C + c) * S + s];
    mean[c] = sum / (N * S);
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) {
        const i = (n * C + c) * S + s;
        m2[c] += (x[i] - mean[c]) ** 2;
        const g = pass(c, i) ? dy[i] : 0;
        sumDy[c] += g;
        sumDyXc[c] += g * (x[i] - center[c]);
      }
    }
  }
  return { mean, m2, sumDy, sumDyXc };
}

// [N, C, S]: tails of every width (C % 16, C % 4, S % 16), rows not a multiple of R nor of
// the 32-row block, rows that fill whole blocks (64), one row; runs shorter than a vector
// (S = 2), runs that fill whole 1024-element chunks (2048); data far from zero in some.
const SHAPES = [
  { N: 37, C: 29, S: 1, offset: 0 },
  { N: 64, C: 9, S: 1, offset: 0 },
  { N: 70, C: 67, S: 1, offset: 1e4 },
  { N: 1, C: 23, S: 1, offset: 0 },
  { N: 33, C: 4, S: 1, offset: 3 },
  { N: 3, C: 5, S: 1037, offset: 1e4 },
  { N: 2, C: 3, S: 2061, offset: 0 },
  { N: 2, C: 3, S: 2048, offset: 3 },
  { N: 4, C: 2, S: 13, offset: 0 },
  { N: 5, C: 7, S: 2, offset: 0 },
];

describe.each(SHAPES)('every driver on [$N, $C, $S], offset $offset', ({ N, C, S, offset }) => {
  const count = N * C * S;
  const x = seeded(count, N * 31 + C * 7 + S, offset, 4);
  const dy = seeded(count, 77);
  const per = Array.from({ length: 6 }, (_, i) => seeded(C, 90 + i, i === 0 ? offset : i === 1 ? 1.5 : 0, 2)); // centre, then coefficients
  const [center, p1, p2, p3, alpha, shift] = per;
  const [xp, dyp] = [put(x), put(dy)];
  const pp = per.map(put);
  const acc = heap.alloc(partialBytes(C));
  const [acc1, acc2, scratch] = [acc, secondPartial(acc, C), scratchPartial(acc, C)];
  const drivers = [...CANDIDATES, ...TABLE_DRIVERS];

  const run = (op: string, plan: number, code: number) => {
    if (op === 'stats') k.stats(xp, N, C, S, acc1, acc2, scratch, plan);
    if (op === 'backwardReduce') k.backwardReduce(xp, dyp, N, C, S, pp[0], pp[4], pp[5], acc1, acc2, scratch, code, plan);
    if (op === 'stats' || op === 'backwardReduce') return [f64At(acc1, C), f64At(acc2, C)];
    const out = put(new Float32Array(count));
    if (op === 'normalize') k.normalize(xp, out, N, C, S, pp[0], pp[1], pp[2], code, plan);
    else k.backwardApply(xp, dyp, out, N, C, S, pp[0], pp[4], pp[5], pp[1], pp[2], pp[3], code, plan);
    const y = f32At(out, count);
    heap.release(out);
    return [y];
  };

  // An activation's clamp bounds, and whether the backward passes dy at element i of channel c:
  // the forward's pre-activation value, in its f32 arithmetic, strictly inside them.
  const bounds = (code: number) => [code === 0 ? -Infinity : 0, code === 2 ? 6 : Infinity];
  const passes = (code: number) => {
    const [lo, hi] = bounds(code);
    return (c: number, i: number) => {
      const y = Math.fround(Math.fround(Math.fround(x[i] - center[c]) * alpha[c]) + shift[c]);
      return y > lo && (y < hi || hi === Infinity);
    };
  };

  // The formulas per element in float64, each channel's parameters by its index (i / S) % C: the
  // simplest driver within float32's rounding of them, so that every driver's bits are right too.
  const formula = (op: string, code: number) => {
    const [lo, hi] = bounds(code);
    const pass = passes(code);
    return Array.from({ length: count }, (_, i) => {
      const c = Math.floor(i / S) % C;
      const xc = x[i] - center[c];
      if (op === 'normalize') return [Math.min(Math.max(xc * p1[c] + p2[c], lo), hi), Math.abs(xc * p1[c]) + Math.abs(p2[c])];
      const g = pass(c, i) ? dy[i] : 0;
      return [(g - p3[c]) * p1[c] + xc * p2[c], Math.abs((g - p3[c]) * p1[c]) + Math.abs(xc * p2[c])];
    });
  };

  it.each(ACTIVATIONS.map((a) => [a.name ?? 'none', a.code] as const))('normalize and backwardApply: the same bits from every driver (activation %s)', (_, code) => {
    for (const op of ['normalize', 'backwardApply']) {
      const expected = run(op, SIMPLEST, code);
      formula(op, code).forEach(([value, terms], i) => {
        if (Math.abs(expected[0][i] - value) > 1e-6 * Math.max(terms, 1e-30)) expect(expected[0][i], `${op} [${i}] against the formula`).toBe(value);
      });
      for (const d of drivers) expect(run(op, planWord(d), code), `${op} V${d.V} R${d.R}`).toEqual(expected);
    }
  });

  it.each(ACTIVATIONS.map((a) => [a.name ?? 'none', a.code] as const))('stats and backwardReduce: %s', (_, code) => {
    const ref = reference(x, dy, N, C, S, center, passes(code));
    const sd = Array.from(ref.m2, (m2) => Math.sqrt(m2 / (N * S)));
    const magnitude = (sums: Float64Array) => Math.max(1, ...Array.from(sums, Math.abs));
    const simplest = [run('stats', SIMPLEST, 0), run('backwardReduce', SIMPLEST, code)];
    for (const d of drivers) {
      const [[mean, m2], [sumDy, sumDyXc]] = [run('stats', planWord(d), 0), run('backwardReduce', planWord(d), code)];
      const label = `V${d.V} R${d.R}`;
      if (S === 1) {
        expect([[mean, m2], [sumDy, sumDyXc]], `S == 1, ${label}: the bits of a row at a time`).toEqual(simplest);
      }
      // Within the float64 reference's bound (as test/kernels.test.ts asks of the plan's driver).
      for (let c = 0; c < C; c++) {
        expect(Math.abs(mean[c] - ref.mean[c]) / Math.max(sd[c], 1e-30), `mean, ${label}, channel ${c}`).toBeLessThan(1e-6);
        expect(Math.abs(m2[c] - ref.m2[c]) / Math.max(ref.m2[c], 1e-30), `M2, ${label}, channel ${c}`).toBeLessThan(1e-5);
        expect(Math.abs(sumDy[c] - ref.sumDy[c]) / magnitude(ref.sumDy), `sum(g), ${label}`).toBeLessThan(1e-5);
        expect(Math.abs(sumDyXc[c] - ref.sumDyXc[c]) / magnitude(ref.sumDyXc), `sum(g * xc), ${label}`).toBeLessThan(1e-5);
      }
    }
  });
});

describe('planFor: the table entry for a geometry', () => {
  const d = (V: 2 | 4, R: number) => ({ V, R });
  const table: PlanTable = {
    measuredOn: 'a test table',
    inCacheBytes: 1 << 20,
    rows: Object.fromEntries(PLAN_OPS.map((op, i) => [op, [
      { maxC: 64, inCache: d(2, 1 + i), outOfCache: d(4, 2 + i) },
      { maxC: 1024, inCache: d(4, 3 + i), outOfCache: d(2, 4 + i) },
    ]])) as unknown as PlanTable['rows'],
    runs: Object.fromEntries(PLAN_OPS.map((op, i) => [op, d(2, 20 + i)])) as PlanTable['runs'],
    slab: { bytes: 1 << 19, maxRows: 32 },
  };

  it('picks the first entry whose maxC holds C, in cache or past it, the last one for wider rows, and the runs entry for S > 1', () => {
    expect(planFor('stats', 16, 64, 1, 4, table)).toBe(planWord(d(2, 1)));
    expect(planFor('stats', 4097, 64, 1, 4, table)).toBe(planWord(d(4, 2))); // 1,048,832 bytes: past the cache
    expect(planFor('stats', 4096, 64, 1, 4, table)).toBe(planWord(d(2, 1))); // 1 MiB: in it
    expect(planFor('normalize', 2, 65, 1, 4, table)).toBe(planWord(d(4, 4)));
    expect(planFor('backwardApply', 1 << 12, 1024, 1, 4, table)).toBe(planWord(d(2, 7)));
    expect(planFor('backwardApply', 1, 1 << 20, 1, 4, table)).toBe(planWord(d(2, 7))); // wider than every entry
    expect(planFor('backwardReduce', 1, 3, 5, 4, table)).toBe(planWord(d(2, 22)));
  });

  it('writes V in the low three bits of a word and R above them (assembly/drivers.ts: planVectors, planRows)', () => {
    expect(planWord(d(4, 8))).toBe(8 * 8 + 4);
    expect(planWord(d(2, 1))).toBe(10);
  });

  it('has a committed table that names its machine and Node version, and an entry for every kernel', () => {
    expect(PLAN_TABLE.measuredOn).toMatch(/Node v\d+\.\d+\.\d+/);
    for (const op of PLAN_OPS) {
      expect(PLAN_TABLE.rows[op].length).toBeGreaterThan(0);
      const limits = PLAN_TABLE.rows[op].map((e) => e.maxC);
      expect(limits).toEqual([...limits].sort((a, b) => a - b));
      for (const e of [...PLAN_TABLE.rows[op].flatMap((e) => [e.inCache, e.outOfCache]), PLAN_TABLE.runs[op]]) {
        expect([2, 4]).toContain(e.V);
        expect(e.R).toBeGreaterThanOrEqual(1);
        expect(e.R).toBeLessThanOrEqual(32);
      }
    }
  });
});
