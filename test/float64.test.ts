// A float64 layer ({ dtype: 'float64' }) on both backends: every array it keeps and returns is a
// Float64Array, and every step agrees with an independent float64 computation from the
// formulas (helpers/general-reference.ts) to 1e-12, over the axes, layouts, activations and
// running-statistics conventions; the Wasm backend's two paths (two passes, and slab by slab
// for the book's layout past the cache) included. The gradient check of the book's chapter 6
// is in gradient-f64.test.ts; the inputs the layer refuses in float64-errors.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init, type Axis } from '../src/index.js';
import { scaledDistance } from './helpers/compare.js';
import { randoms } from './helpers/random64.js';
import { inProcessGroup } from './helpers/sync-group.js';
import { channelMap, refBackward, refInfer, refTrain, type RefOptions } from './helpers/general-reference.js';

beforeAll(async () => {
  await init();
});

interface Case {
  shape: number[];
  axis?: Axis;
  activation?: 'relu' | 'relu6';
  unbiased?: boolean;
  offset?: number;
}

// The layer's [N, C, S] reading of a shape, for the reference's channel map.
function layout(c: Case): { N: number; C: number; S: number; order: 'first' | 'last' } {
  const [N, ...rest] = c.shape;
  const inner = rest.reduce((a, b) => a * b, 1);
  if (c.axis === undefined) return { N, C: inner, S: 1, order: 'first' };
  const last = c.axis === -1 || c.axis === c.shape.length - 1;
  const C = last ? c.shape[c.shape.length - 1] : c.shape[1];
  return { N, C, S: inner / C, order: last ? 'last' : 'first' };
}

const CASES: Case[] = [
  { shape: [16, 11] },
  { shape: [7, 129], offset: 1e4 }, // the book's layout, data far from zero
  { shape: [4, 3, 5, 6], axis: 1, activation: 'relu' },
  { shape: [3, 5, 6, 4], axis: -1, unbiased: true },
  { shape: [5, 6, 9], axis: 1, activation: 'relu6' },
  { shape: [9, 8, 7], axis: 2 },
  { shape: [16, 16384] }, // past the cache in float64: the Wasm backend runs it slab by slab
];

const TOL = 1e-12;

describe.each(['wasm', 'js'] as const)('a float64 layer on %s', (backend) => {
  for (const c of CASES) {
    it(`trains, infers and differentiates [${c.shape}]${c.axis ? ` axis ${c.axis}` : ''}${c.activation ? ` ${c.activation}` : ''} as float64 arithmetic does`, () => {
      const { N, C, S, order } = layout(c);
      const count = N * C * S;
      const channel = channelMap(N, C, S, order);
      const o: RefOptions = { activation: c.activation ?? null, unbiased: c.unbiased ?? false, momentum: 0.8, eps: 1e-5 };
      const gamma = randoms(C, 1, 1), beta = randoms(C, 2);
      const bn = new BatchNormalization(gamma, beta, o.momentum, null, null, {
        dtype: 'float64', backend, axis: c.axis, activation: c.activation ?? null, runningVarUnbiased: o.unbiased, eps: o.eps,
      });
      expect(bn.dtype).toBe('float64');
      expect(bn.gamma).toBe(gamma); // by reference
      const x = randoms(count, 3, c.offset ?? 0.5, 2), dy = randoms(count, 4);
      const zeros = new Float64Array(C);
      const t = refTrain(x, channel, C, gamma, beta, zeros, zeros, o);
      const y = bn.forward({ data: x, shape: c.shape });
      expect(y.data).toBeInstanceOf(Float64Array);
      expect(scaledDistance(y.data, t.y)).toBeLessThan(TOL);
      expect(bn.runningMean).toBeInstanceOf(Float64Array);
      expect(scaledDistance(bn.runningMean!, t.runningMean)).toBeLessThan(TOL);
      expect(scaledDistance(bn.runningVar!, t.runningVar)).toBeLessThan(TOL);
      const dx = bn.backward({ data: dy, shape: c.shape });
      const r = refBackward(dy, channel, C, gamma, t, o);
      expect(dx.data).toBeInstanceOf(Float64Array);
      expect(scaledDistance(dx.data, r.dx)).toBeLessThan(TOL);
      expect(bn.dgamma).toBeInstanceOf(Float64Array);
      expect(scaledDistance(bn.dgamma!, r.dgamma)).toBeLessThan(TOL);
      expect(scaledDistance(bn.dbeta!, r.dbeta)).toBeLessThan(TOL);
      const x2 = randoms(count, 5, c.offset ?? 0.5, 2);
      const inferred = bn.forward({ data: x2, shape: c.shape }, false);
      expect(scaledDistance(inferred.data, refInfer(x2, channel, gamma, beta, t.runningMean, t.runningVar, o))).toBeLessThan(TOL);
      bn.dispose();
    });
  }

  it('keeps the cumulative average (momentum null) in float64 over several batches', () => {
    const [N, D] = [6, 5];
    const channel = channelMap(N, D, 1, 'first');
    const gamma = randoms(D, 6, 1), beta = randoms(D, 7);
    const bn = new BatchNormalization(gamma, beta, null, null, null, { dtype: 'float64', backend });
    let mean: Float64Array<ArrayBufferLike> = new Float64Array(D), variance: Float64Array<ArrayBufferLike> = new Float64Array(D);
    for (let step = 0; step < 4; step++) {
      const x = randoms(N * D, 10 + step, 3);
      const t = refTrain(x, channel, D, gamma, beta, mean, variance, { activation: null, unbiased: false, momentum: 1 - 1 / (step + 1), eps: 1e-6 });
      bn.forward({ data: x, shape: [N, D] });
      [mean, variance] = [t.runningMean, t.runningVar];
    }
    expect(scaledDistance(bn.runningMean!, mean)).toBeLessThan(TOL);
    expect(scaledDistance(bn.runningVar!, variance)).toBeLessThan(TOL);
    bn.dispose();
  });

  it('widens float32 inputs and plain arrays exactly: the same results as from their float64 values', () => {
    const shape = [8, 6];
    const x32 = Float32Array.from(randoms(48, 8, 1));
    const make = () => new BatchNormalization(randoms(6, 9, 1), randoms(6, 10), 0.9, null, null, { dtype: 'float64', backend });
    const a = make(), b = make(), c = make();
    const ya = a.forward({ data: x32, shape }).data;
    const yb = b.forward({ data: Float64Array.from(x32), shape }).data;
    const yc = c.forward({ data: Array.from(x32), shape }).data;
    expect(Array.from(ya)).toEqual(Array.from(yb));
    expect(Array.from(yc)).toEqual(Array.from(yb));
    // gamma from a Float32Array is widened too (a copy: it is no float64 array of the layer's).
    const g32 = Float32Array.of(1.1, 2.2);
    const d = new BatchNormalization(g32, [0, 0], 0.9, null, null, { dtype: 'float64', backend });
    expect(d.gamma).toBeInstanceOf(Float64Array);
    expect(Array.from(d.gamma)).toEqual(Array.from(g32));
    for (const bn of [a, b, c, d]) bn.dispose();
  });

  it('writes into a Float64Array out, and into the input itself for inference', () => {
    const shape = [4, 3];
    const bn = new BatchNormalization([1, 2, 3], [0, 1, 0], 0.9, null, null, { dtype: 'float64', backend });
    const x = randoms(12, 11, 2);
    const out = { data: new Float64Array(12), shape };
    const fresh = bn.forward({ data: x, shape }).data;
    expect(bn.forward({ data: x, shape }, true, out)).toBe(out);
    expect(Array.from(out.data)).toEqual(Array.from(fresh));
    const expected = bn.forward({ data: x, shape }, false).data;
    const inPlace = { data: x.slice(), shape };
    bn.forward(inPlace, false, inPlace);
    expect(Array.from(inPlace.data)).toEqual(Array.from(expected));
    bn.dispose();
  });

  it('leaves the float32 layer as it was: Float32Arrays, and float32 results', () => {
    const bn = new BatchNormalization([1, 2], [0, 0], 0.9, null, null, { backend });
    expect(bn.dtype).toBe('float32');
    const y = bn.forward({ data: randoms(6, 12), shape: [3, 2] });
    expect(y.data).toBeInstanceOf(Float32Array);
    expect(bn.gamma).toBeInstanceOf(Float32Array);
    expect(bn.runningMean).toBeInstanceOf(Float32Array);
    bn.dispose();
  });
});

describe('float64 on the two backends alike', () => {
  it('gives the same numbers within 1e-13 on wasm and js, [32, 4, 3, 3] per channel', () => {
    const shape = [32, 4, 3, 3];
    const x = randoms(32 * 36, 13, -2, 3), dy = randoms(32 * 36, 14);
    const run = (backend: 'wasm' | 'js') => {
      const bn = new BatchNormalization(randoms(4, 15, 1), randoms(4, 16), 0.9, null, null, { dtype: 'float64', backend, axis: 1 });
      const y = bn.forward({ data: x, shape }).data;
      const dx = bn.backward({ data: dy, shape }).data;
      const result = { y, dx, dgamma: bn.dgamma!, mean: bn.runningMean! };
      bn.dispose();
      return result;
    };
    const w = run('wasm'), j = run('js');
    for (const key of ['y', 'dx', 'dgamma', 'mean'] as const) expect(scaledDistance(w[key], j[key]), key).toBeLessThan(1e-13);
  });
});

describe.each(['wasm', 'js'] as const)('a float64 layer carried through its formats on %s', (backend) => {
  const trained = () => {
    const bn = new BatchNormalization(randoms(4, 31, 1), randoms(4, 32), 0.9, null, null, { dtype: 'float64', backend, axis: 1 });
    bn.forward({ data: randoms(2 * 4 * 3, 33, 1), shape: [2, 4, 3] });
    return bn;
  };
  const same = (a: ArrayLike<number> | null, b: ArrayLike<number> | null) => expect(Array.from(a ?? [])).toEqual(Array.from(b ?? []));

  it('state() through JSON and fromState give the same float64 layer, bit for bit', () => {
    const bn = trained();
    const state = JSON.parse(JSON.stringify(bn.state()));
    expect(state.dtype).toBe('float64');
    const again = BatchNormalization.fromState(state, { backend });
    expect(again.dtype).toBe('float64');
    for (const key of ['gamma', 'beta', 'runningMean', 'runningVar'] as const) {
      expect(again[key]).toBeInstanceOf(Float64Array);
      same(again[key], bn[key]);
    }
    const x = { data: randoms(24, 34), shape: [2, 4, 3] };
    same(again.forward(x, false).data, bn.forward(x, false).data);
    // Loaded into float32 on request: rounded, as a float32 layer holds them.
    const narrow = BatchNormalization.fromState(state, { backend, dtype: 'float32' });
    expect(narrow.runningVar).toBeInstanceOf(Float32Array);
    same(narrow.runningVar, Float32Array.from(bn.runningVar!));
    for (const b of [bn, again, narrow]) b.dispose();
  });

  it('toPyTorch and fromPyTorch carry float64 arrays (a torch.float64 module\'s state_dict)', () => {
    const bn = trained();
    const sd = bn.toPyTorch();
    expect(sd.weight).toBeInstanceOf(Float64Array);
    expect(sd.running_var).toBeInstanceOf(Float64Array);
    same(sd.running_var!, bn.runningVar);
    const again = BatchNormalization.fromPyTorch(sd, { backend, dtype: 'float64' });
    expect(again.dtype).toBe('float64');
    same(again.runningMean, bn.runningMean);
    same(again.gamma, bn.gamma);
    for (const b of [bn, again]) b.dispose();
  });

  it('toKeras writes dtype float64 in the config, and fromKeras reads it back', () => {
    const bn = trained();
    const { weights, config } = bn.toKeras();
    expect(config.dtype).toBe('float64');
    expect(weights.moving_variance).toBeInstanceOf(Float64Array);
    const again = BatchNormalization.fromKeras(weights, config, { backend });
    expect(again.dtype).toBe('float64');
    same(again.runningVar, bn.runningVar);
    // The option wins over the config.
    expect(BatchNormalization.fromKeras(weights, config, { backend, dtype: 'float32' }).dtype).toBe('float32');
    for (const b of [bn, again]) b.dispose();
  });
});

describe.each(['wasm', 'js'] as const)('synchronized float64 replicas on %s', (backend) => {
  it('three replicas train as one float64 layer over the whole batch (statistics and dx to 1e-12)', async () => {
    const [K, n, D] = [3, 5, 7];
    const x = randoms(K * n * D, 41, 3, 2), dy = randoms(K * n * D, 42);
    const gamma = randoms(D, 43, 1), beta = randoms(D, 44);
    const replicas = inProcessGroup(K).map((collective) => new BatchNormalization(gamma.slice(), beta.slice(), 0.9, null, null, { dtype: 'float64', backend, collective }));
    const part = (a: Float64Array, k: number) => ({ data: a.subarray(k * n * D, (k + 1) * n * D), shape: [n, D] });
    const ys = await Promise.all(replicas.map((bn, k) => bn.forwardAsync(part(x, k))));
    const dxs = await Promise.all(replicas.map((bn, k) => bn.backwardAsync(part(dy, k))));
    const channel = channelMap(K * n, D, 1, 'first');
    const o: RefOptions = { activation: null, unbiased: false, momentum: 0.9, eps: 1e-6 };
    const zeros = new Float64Array(D);
    const t = refTrain(x, channel, D, gamma, beta, zeros, zeros, o);
    const r = refBackward(dy, channel, D, gamma, t, o);
    ys.forEach((y, k) => expect(scaledDistance(y.data, t.y.subarray(k * n * D, (k + 1) * n * D))).toBeLessThan(TOL));
    dxs.forEach((d, k) => expect(scaledDistance(d.data, r.dx.subarray(k * n * D, (k + 1) * n * D))).toBeLessThan(TOL));
    for (const bn of replicas) {
      expect(scaledDistance(bn.runningMean!, t.runningMean)).toBeLessThan(TOL);
      bn.dispose();
    }
  });
});
