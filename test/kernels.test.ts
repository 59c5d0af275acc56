// The kernels one by one: the ABI table (src/wasm/abi.ts) against the declarations asc
// emits for the module, the activation codes against the module's own enum, and each Wasm
// export called directly against its TypeScript twin (src/js/kernels.ts) on the shapes
// where the SIMD code has edges: odd C (scalar tails), S > 1024 (the statistics' and the
// backward reduction's run chunks), N % 4 != 0 (the four-row steps); then the merge of
// partial statistics against one pass and a float64 reference.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/activation.js';
import * as js from '../src/js/kernels.js';
import { ALL_KERNELS, F64_KERNELS, KERNELS, kernelNames, partialBytes, roleOf, ROW_KERNELS, scratchPartial, secondPartial, shareOf, sliceArgs, type KernelName } from '../src/wasm/abi.js';
import { planFor } from '../src/wasm/plan.js';
import { ARGS_SLOTS, jobHeader, OPS } from '../src/threads/protocol.js';
import { scaledDistance } from './helpers/compare.js';
import { kernelMemory } from './helpers/kernel-memory.js';
import { seeded } from './helpers/seeded.js';

const { instance, kernels: k, put, f32At, f64At } = kernelMemory();
const zeros32 = (n: number) => put(new Float32Array(n));
const zeros64 = (n: number) => put(new Float64Array(n));

describe('the kernel ABI (src/wasm/abi.ts)', () => {
  // asc's raw bindings: every export with its parameter names and AssemblyScript types.
  const declared = new Map<string, Array<[string, string]>>();
  const dts = readFileSync(new URL('../build/batchnorm.d.ts', import.meta.url), 'utf8');
  for (const m of dts.matchAll(/\/\*\*([\s\S]*?)\*\/\s*export function (\w+)\(/g)) {
    declared.set(m[2], [...m[1].matchAll(/@param (\w+) `(\w+)`/g)].map((p) => [p[1], p[2]]));
  }
  const ascType: Record<string, string> = { rows: 'usize', tensor: 'usize', part: 'usize', ptr: 'usize', count: 'i32', N: 'i32', C: 'i32', S: 'i32', i32: 'i32', f64: 'f64', plan: 'i32' };

  it('lists every function the module exports, with its parameters in order, named and typed as asc declares them', () => {
    expect(declared.size).toBeGreaterThan(5); // the parser found the declarations
    expect([...declared.keys()].sort()).toEqual(Object.keys(ALL_KERNELS).sort());
    for (const [name, params] of Object.entries(ALL_KERNELS)) {
      const table = params.map((p) => [p.split(':')[0], ascType[roleOf(p)]]);
      expect(table, name).toEqual(declared.get(name));
    }
  });

  it('names an f64 twin for every kernel of a dtype, with the same parameters; the merges of f64 partials are shared', () => {
    expect(Object.keys(F64_KERNELS).sort()).toEqual(Object.keys(KERNELS).filter((k) => k !== 'mergeStats' && k !== 'addF64').map((k) => `${k}F64`).sort());
    for (const [name, params] of Object.entries(F64_KERNELS)) expect(params, name).toBe(KERNELS[name.slice(0, -3) as keyof typeof KERNELS]);
    expect(kernelNames('float64')).toMatchObject({ stats: 'statsF64', trainSlabs: 'trainSlabsF64', mergeStats: 'mergeStats', addF64: 'addF64' });
    expect(Object.entries(kernelNames('float32')).every(([k, v]) => k === v)).toBe(true);
  });

  it('matches the instance: one parameter per entry', () => {
    for (const [name, params] of Object.entries(ALL_KERNELS)) {
      expect((instance.exports[name] as (...a: number[]) => void).length, name).toBe(params.length);
    }
  });

  it('sizes the thread protocol from the row kernels, and refuses a job that would not fit', () => {
    expect([...ROW_KERNELS].sort()).toEqual(['backwardApply', 'backwardApplyF64', 'backwardReduce', 'backwardReduceF64', 'normalize', 'normalizeF64', 'stats', 'statsF64']);
    expect(OPS.slice(1)).toEqual(ROW_KERNELS);
    expect(ARGS_SLOTS).toBe(2 + Math.max(...ROW_KERNELS.map((r) => ALL_KERNELS[r].length)));
    expect(jobHeader('backwardApply', KERNELS.backwardApply.length)).toBe(OPS.indexOf('backwardApply'));
    expect(() => jobHeader('normalize', ARGS_SLOTS - 1)).toThrow(/a normalize job has \d+ arguments; the protocol holds/);
    expect(() => jobHeader('fold' as never, 5)).toThrow(/fold is not a row kernel/);
  });

  it('slices a step by rows: row pointers, the row count and partial results move; the rest stays', () => {
    const [N, C, S] = [7, 3, 5];
    const args = [1000, 9, C, S, 5000, secondPartial(5000, C), scratchPartial(5000, C), 17];
    const rowBytes = C * S * 4;
    for (let t = 0, start = 0; t < 3; t++) {
      const { start: s, rows } = shareOf(N, 3, t);
      expect(s).toBe(start);
      const part = 5000 + t * partialBytes(C);
      expect(sliceArgs('stats', args, s, rows, t)).toEqual([1000 + s * rowBytes, rows, C, S, part, part + C * 8, part + C * 16, 17]);
      start += rows;
    }
    expect([0, 1, 2].map((t) => shareOf(N, 3, t).rows)).toEqual([3, 2, 2]); // the first N % parts get one more
  });
});

describe('the activation codes', () => {
  it('are the same in src/activation.ts and the module (assembly/activation.ts)', () => {
    const wasmEnum = Object.entries(instance.exports)
      .filter(([name]) => name.startsWith('Activation.'))
      .map(([name, global]) => [name.slice('Activation.'.length).toLowerCase(), (global as WebAssembly.Global).value]);
    expect(wasmEnum.length).toBeGreaterThan(1);
    const table = ACTIVATIONS.map((a) => [a.name ?? 'none', a.code]);
    expect(wasmEnum.sort()).toEqual(table.sort());
    ACTIVATIONS.forEach((a, i) => expect(a.code).toBe(i)); // a code is its index in the table
  });
});

// [N, C, S] cases: odd C, S past one 1024-element run chunk, N not a multiple of 4 (nor of
// the plan's rows a step), rows in several of the plan table's classes; some far from zero.
// Every other driver is checked against these in test/plan.test.ts.
const CASES: Array<{ N: number; C: number; S: number; offset: number }> = [
  { N: 7, C: 13, S: 1, offset: 0 },
  { N: 9, C: 4, S: 1, offset: 0 },
  { N: 3, C: 3, S: 2051, offset: 0 },
  { N: 5, C: 2, S: 1029, offset: 0 },
  { N: 6, C: 5, S: 7, offset: 0 },
  { N: 21, C: 11, S: 1, offset: 1e4 },
  { N: 2, C: 3, S: 1500, offset: 1e4 },
  // Rows in several of the plan table's classes, in cache and past it (src/wasm/plan.ts).
  { N: 9, C: 1031, S: 1, offset: 0 },
  { N: 6, C: 1024, S: 1, offset: 1e4 },
  { N: 515, C: 513, S: 1, offset: 0 },
  { N: 2627, C: 101, S: 1, offset: 1e4 },
  { N: 1031, C: 257, S: 1, offset: 0 },
];

// Per-channel mean and M2 in float64, two-pass: the reference the kernels are checked against.
function reference(x: Float32Array, N: number, C: number, S: number): { mean: Float64Array; m2: Float64Array } {
  const mean = new Float64Array(C);
  const m2 = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) sum += x[(n * C + c) * S + s];
    mean[c] = sum / (N * S);
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) m2[c] += (x[(n * C + c) * S + s] - mean[c]) ** 2;
  }
  return { mean, m2 };
}

// Relative distance of two float64 arrays, element by element.
const relDistance = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]) / Math.max(1e-30, Math.abs(b[i]))));
// A mean's error in units of its channel's standard deviation (a mean near zero has no useful relative error).
const meanError = (got: ArrayLike<number>, ref: { mean: Float64Array; m2: Float64Array }, count: number) =>
  Math.max(...Array.from(got, (v, c) => Math.abs(v - ref.mean[c]) / Math.sqrt(ref.m2[c] / count)));

describe.each(CASES)('each Wasm kernel against its TypeScript twin on [N, C, S] = [$N, $C, $S], offset $offset', ({ N, C, S, offset }) => {
  const count = N * C * S;
  const x = seeded(count, N * 7 + C + S, offset, 4);
  const dy = seeded(count, 99);
  const gamma = seeded(C, 5, 1.5, 2);
  const beta = seeded(C, 6, 0, 2);
  const runMean = seeded(C, 7, offset);
  const runVar = seeded(C, 8, 1, 1);
  const ref = reference(x, N, C, S);
  const xp = put(x);
  const scratch = zeros32(2 * C); // the kernels' scratch (abi.ts: partialBytes)

  // The JS twin's per-channel state after stats and trainFinalize (inputs for the later steps).
  const jsMean = new Float64Array(C), jsM2 = new Float64Array(C);
  js.stats(x, N, C, S, jsMean, jsM2);
  const saved = Array.from({ length: 5 }, () => new Float32Array(C)); // meanHi, meanLo, invstd, alpha, shift
  const [meanHi, meanLo, invstd, alpha, shift] = saved;
  js.trainFinalize(C, N * S, jsMean, jsM2, gamma, beta, runMean.slice(), runVar.slice(), 0.9, 1e-5, true, meanHi, meanLo, invstd, alpha, shift);

  it('stats: the mean and M2 of every channel', () => {
    const mean = zeros64(C), m2 = zeros64(C);
    k.stats(xp, N, C, S, mean, m2, scratch, planFor('stats', N, C, S));
    expect(meanError(f64At(mean, C), ref, N * S)).toBeLessThan(1e-6);
    expect(relDistance(f64At(m2, C), ref.m2)).toBeLessThan(1e-5);
    expect(meanError(jsMean, ref, N * S)).toBeLessThan(1e-12);
    expect(relDistance(jsM2, ref.m2)).toBeLessThan(1e-9);
  });

  it('trainFinalize: running statistics, saved mean (hi + lo), invstd, alpha and shift', () => {
    const [rm, rv] = [put(runMean), put(runVar)];
    const outs = Array.from({ length: 5 }, () => zeros32(C));
    k.trainFinalize(C, N * S, put(jsMean), put(jsM2), put(gamma), put(beta), rm, rv, 0.9, 1e-5, 1, ...outs as [number, number, number, number, number]);
    const jsRunMean = runMean.slice(), jsRunVar = runVar.slice();
    js.trainFinalize(C, N * S, jsMean, jsM2, gamma, beta, jsRunMean, jsRunVar, 0.9, 1e-5, true, ...saved.map(() => new Float32Array(C)) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array]);
    expect(f32At(rm, C)).toEqual(jsRunMean);
    expect(f32At(rv, C)).toEqual(jsRunVar);
    outs.forEach((p, i) => expect(f32At(p, C), ['meanHi', 'meanLo', 'invstd', 'alpha', 'shift'][i]).toEqual(saved[i]));
  });

  it('fold: gamma / sqrt(runVar + eps)', () => {
    const scale = zeros32(C);
    k.fold(C, put(gamma), put(runVar), 1e-3, scale);
    const expected = new Float32Array(C);
    js.fold(C, gamma, runVar, 1e-3, expected);
    expect(f32At(scale, C)).toEqual(expected);
  });

  it.each(ACTIVATIONS.map((a) => [a.name ?? 'none', a.code] as const))('normalize with activation %s, and in place', (_, code) => {
    const yp = zeros32(count);
    k.normalize(xp, yp, N, C, S, put(meanHi), put(alpha), put(shift), code, planFor('normalize', N, C, S));
    const expected = new Float32Array(count);
    js.normalize(x, expected, N, C, S, meanHi, alpha, shift, code);
    expect(scaledDistance(f32At(yp, count), expected)).toBeLessThan(1e-6);
    const inPlace = put(x);
    k.normalize(inPlace, inPlace, N, C, S, put(meanHi), put(alpha), put(shift), code, planFor('normalize', N, C, S));
    expect(f32At(inPlace, count)).toEqual(f32At(yp, count));
  });

  it.each(ACTIVATIONS.map((a) => [a.name ?? 'none', a.code] as const))('backwardReduce, backwardFinalize and backwardApply with activation %s', (_, code) => {
    const dyp = put(dy);
    const [sumDy, sumDyXc] = [zeros64(C), zeros64(C)];
    const params = [put(meanHi), put(alpha), put(shift)] as const;
    k.backwardReduce(xp, dyp, N, C, S, ...params, sumDy, sumDyXc, scratch, code, planFor('backwardReduce', N, C, S));
    const jsSumDy = new Float64Array(C), jsSumDyXc = new Float64Array(C);
    js.backwardReduce(x, dy, N, C, S, meanHi, alpha, shift, jsSumDy, jsSumDyXc, code);
    // Sums of terms of both signs: compared on the scale of the sum of their magnitudes.
    const magnitude = Math.max(1, ...Array.from(jsSumDyXc, Math.abs));
    expect(scaledDistance(f64At(sumDy, C), jsSumDy)).toBeLessThan(1e-5);
    expect(Math.max(...Array.from(f64At(sumDyXc, C), (v, c) => Math.abs(v - jsSumDyXc[c]))) / magnitude).toBeLessThan(1e-5);

    const [dgamma, dbeta, ka, kb, kc] = Array.from({ length: 5 }, () => zeros32(C));
    k.backwardFinalize(C, N * S, put(gamma), put(meanLo), put(invstd), put(jsSumDy), put(jsSumDyXc), dgamma, dbeta, ka, kb, kc);
    const jsOut = Array.from({ length: 5 }, () => new Float32Array(C));
    js.backwardFinalize(C, N * S, gamma, meanLo, invstd, jsSumDy, jsSumDyXc, ...jsOut as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array]);
    [dgamma, dbeta, ka, kb, kc].forEach((p, i) => expect(f32At(p, C), ['dgamma', 'dbeta', 'ka', 'kb', 'kc'][i]).toEqual(jsOut[i]));

    const dxp = zeros32(count);
    k.backwardApply(xp, dyp, dxp, N, C, S, ...params, ka, kb, kc, code, planFor('backwardApply', N, C, S));
    const dx = new Float32Array(count);
    js.backwardApply(x, dy, dx, N, C, S, meanHi, alpha, shift, jsOut[2], jsOut[3], jsOut[4], code);
    expect(scaledDistance(f32At(dxp, count), dx)).toBeLessThan(1e-5);
  });

  it('mergeStats of the statistics of a split batch equals one pass; addF64 adds', () => {
    const cut = Math.floor(N / 2) || 1;
    const [meanA, m2A, meanB, m2B, mean, m2] = Array.from({ length: 6 }, () => zeros64(C));
    k.stats(xp, cut, C, S, meanA, m2A, scratch, planFor('stats', cut, C, S));
    k.stats(xp + cut * C * S * 4, N - cut, C, S, meanB, m2B, scratch, planFor('stats', N - cut, C, S));
    k.mergeStats(C, cut * S, meanA, m2A, (N - cut) * S, meanB, m2B);
    k.stats(xp, N, C, S, mean, m2, scratch, planFor('stats', N, C, S));
    expect(meanError(f64At(meanA, C), { mean: f64At(mean, C), m2: ref.m2 }, N * S)).toBeLessThan(1e-6);
    expect(relDistance(f64At(m2A, C), f64At(m2, C))).toBeLessThan(1e-5);
    expect(meanError(f64At(meanA, C), ref, N * S)).toBeLessThan(1e-6);
    expect(relDistance(f64At(m2A, C), ref.m2)).toBeLessThan(1e-5);
    const a = put(Float64Array.from(ref.m2)), b = put(Float64Array.from(ref.mean));
    k.addF64(a, b, C);
    expect(f64At(a, C)).toEqual(Float64Array.from(ref.m2, (v, i) => v + ref.mean[i]));
  });
});

describe('trainFinalize, unbiased: the running variance takes M2 / (count - 1), and M2 / 1 of one element', () => {
  // PyTorch's convention (channel.ts); one element has M2 0 and no count - 1 to divide by.
  // C of 5: two SIMD pairs and a scalar tail. Both element types' exports.
  const C = 5;
  it.each([1, 2, 3, 10])('count %i', (count) => {
    const m2 = Float64Array.from({ length: C }, (_, c) => (count === 1 ? 0 : 0.75 * (c + 1)));
    const mean = Float64Array.from({ length: C }, (_, c) => c - 2);
    for (const [name, Floats, at] of [['trainFinalize', Float32Array, f32At], ['trainFinalizeF64', Float64Array, f64At]] as const) {
      const [rm, rv] = [put(new Floats(C).fill(1)), put(new Floats(C).fill(1))];
      const outs = Array.from({ length: 5 }, () => put(new Floats(C)));
      k[name](C, count, put(mean), put(m2), put(new Floats(C).fill(1)), put(new Floats(C)), rm, rv, 0.5, 1e-5, 1, ...outs as [number, number, number, number, number]);
      // Within an ulp of the element type (of 1 near 0): the kernel multiplies by 1 / (count - 1).
      const ulps = (got: ArrayLike<number>, expected: number[]) => Array.from(got, (v, c) => Math.abs(v - expected[c]) / (Math.max(1, Math.abs(expected[c])) * (Floats === Float32Array ? 2 ** -23 : 2 ** -52)));
      const variance = Array.from(m2, (v) => 0.5 + 0.5 * (v / Math.max(1, count - 1)));
      expect(Math.max(...ulps(at(rv, C), variance)), `${name} running variance ${Array.from(at(rv, C))}`).toBeLessThanOrEqual(1);
      expect(Math.max(...ulps(at(rm, C), Array.from(mean, (v) => 0.5 + 0.5 * v))), `${name} running mean`).toBeLessThanOrEqual(1);
    }
  });
});

it('every kernel of the table is exercised above', () => {
  // trainSlabs and backwardSlabs: test/slabs.test.ts, against the steps above.
  const used: KernelName[] = ['stats', 'trainFinalize', 'fold', 'normalize', 'backwardReduce', 'backwardFinalize', 'backwardApply', 'mergeStats', 'addF64',
    'trainSlabs', 'backwardSlabs'];
  expect(used.sort()).toEqual(Object.keys(KERNELS).sort());
});
