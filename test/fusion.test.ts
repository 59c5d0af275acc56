// Folded inference (the cached per-channel scale and when it refreshes), the fused ReLU,
// and foldInto for affine and convolution weights.
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, foldInto, init } from '../src/index.js';
import { scaledDistance } from './helpers/compare.js';
import { refChannelInfer } from './helpers/channel-reference.js';
import { centralDifference } from './helpers/gradient-check.js';
import { seeded } from './helpers/seeded.js';
import { expectThrows } from './helpers/throws.js';
import { refBackward, refForward } from './helpers/reference.js';

beforeAll(async () => {
  await init();
});

// dx against central differences of the float64 loss, element by element, with a small step.
function expectFiniteDifferences(dx: Float32Array, x: ArrayLike<number>, loss: (xs: ArrayLike<number>) => number): void {
  const h = 1e-5;
  const xs = Float64Array.from(x);
  for (let i = 0; i < xs.length; i++) {
    const numeric = centralDifference(xs, i, h, () => loss(xs));
    expect(Math.abs(dx[i] - numeric)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(dx[i])));
  }
}

describe.each(['wasm', 'js'] as const)('the cached inference scale on %s', (backend) => {
  const C = 5;
  const shape = [3, C];
  const x = seeded(3 * C, 1, 0.5, 3);
  const infer = (bn: BatchNormalization) => bn.forward({ data: x, shape }, false).data;
  const expected = (bn: BatchNormalization) => refChannelInfer(x, 3, C, 1, bn.gamma, bn.beta, bn.runningMean!, bn.runningVar!, bn.eps);

  it('a gamma or beta set through the setters takes effect', () => {
    const bn = new BatchNormalization(seeded(C, 2, 1), seeded(C, 3), 0.9, seeded(C, 4), seeded(C, 5, 1, 0.5), { backend });
    expect(scaledDistance(infer(bn), expected(bn))).toBeLessThan(1e-6);
    bn.gamma = seeded(C, 6, -1);
    expect(scaledDistance(infer(bn), expected(bn))).toBeLessThan(1e-6);
    bn.beta = seeded(C, 7, 5);
    expect(scaledDistance(infer(bn), expected(bn))).toBeLessThan(1e-6);
  });

  it('in-place edits take effect after paramsChanged()', () => {
    const bn = new BatchNormalization(seeded(C, 2, 1), seeded(C, 3), 0.9, seeded(C, 4), seeded(C, 5, 1, 0.5), { backend });
    const before = infer(bn);
    bn.gamma[0] *= 3;
    bn.runningMean![1] += 2;
    bn.runningVar![2] *= 4;
    bn.paramsChanged();
    const after = infer(bn);
    expect(scaledDistance(after, expected(bn))).toBeLessThan(1e-6);
    expect(scaledDistance(after, before)).toBeGreaterThan(1e-3); // the edits did change the output
  });

  it('paramsChanged() after a setter, then a setter again: each inference sees the edits (no earlier scale comes back)', () => {
    const bn = new BatchNormalization(seeded(C, 2, 1), seeded(C, 3), 0.9, seeded(C, 4), seeded(C, 5, 1, 0.5), { backend });
    infer(bn); // builds the cache
    bn.gamma[0] *= 3;
    bn.paramsChanged();
    bn.beta = bn.beta; // the same array, through the setter
    expect(scaledDistance(infer(bn), expected(bn))).toBeLessThan(1e-6);
    bn.gamma[1] *= -2;
    bn.paramsChanged();
    expect(scaledDistance(infer(bn), expected(bn))).toBeLessThan(1e-6);
  });

  it('an optimiser step after backward needs no call: backward refreshes the cache', () => {
    const bn = new BatchNormalization(seeded(C, 2, 1), seeded(C, 3), 0.9, null, null, { backend });
    bn.forward({ data: x, shape });
    infer(bn); // builds the cache
    bn.forward({ data: x, shape });
    bn.backward({ data: seeded(3 * C, 8), shape });
    for (let c = 0; c < C; c++) {
      bn.gamma[c] -= 0.5 * bn.dgamma![c];
      bn.beta[c] -= 0.5 * bn.dbeta![c];
    }
    expect(scaledDistance(infer(bn), expected(bn))).toBeLessThan(1e-6);
  });
});

const relu = (v: number) => Math.max(0, v);
// ReLU6 (MobileNet's): min(max(y, 0), 6) forward, the gradient passed where 0 < y < 6.
const relu6 = (v: number) => Math.min(Math.max(v, 0), 6);

// Each fused activation against the plain layer: forward is the activation of BN(x), backward
// BN's backward of dy masked where the activation passed the value through; per layout, with
// gamma and beta wide enough that the outputs reach every piece of the activation (covers).
const FUSED = [
  {
    activation: 'relu', f: relu, passes: (z: number) => z > 0, gamma: [1, 1], beta: [0, 1],
    layouts: [[undefined, [6, 7]], [1, [4, 3, 5]]],
    covers: [(v: number) => v === 0, (v: number) => v > 0],
  },
  {
    activation: 'relu6', f: relu6, passes: (z: number) => z > 0 && z < 6, gamma: [4, 4], beta: [1, 4],
    layouts: [[undefined, [6, 7]], [1, [4, 3, 5]], [-1, [3, 2, 2, 5]]],
    covers: [(v: number) => v === 0, (v: number) => v === 6, (v: number) => v > 0 && v < 6],
  },
] as const;

describe.each(['wasm', 'js'] as const)('fused activations on %s', (backend) => {
  for (const a of FUSED) {
    for (const [axis, shape] of a.layouts) {
      it(`${a.activation}: forward is the activation of BN(x) and backward masks the gradient where it does not pass (axis ${axis})`, () => {
        const C = axis === -1 ? shape[shape.length - 1] : axis === 1 ? shape[1] : shape.slice(1).reduce((p, q) => p * q, 1);
        const count = shape.reduce((p, q) => p * q, 1);
        const gamma = seeded(C, 1, ...a.gamma);
        const beta = seeded(C, 2, ...a.beta);
        const x = seeded(count, 3, 0, 4);
        const dy = seeded(count, 4);
        const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend, axis, activation: a.activation });
        const plain = new BatchNormalization(gamma, beta, 0.9, null, null, { backend, axis });
        const y = bn.forward({ data: x, shape: [...shape] }).data;
        const z = plain.forward({ data: x, shape: [...shape] }).data;
        expect(Array.from(y)).toEqual(Array.from(z, a.f));
        for (const covered of a.covers) expect(y.some(covered)).toBe(true);
        // Backward of the activation then BN: BN's backward of dy masked where it did not pass.
        const dx = bn.backward({ data: dy, shape: [...shape] }).data;
        const masked = dy.map((g, i) => (a.passes(z[i]) ? g : 0));
        const dxExpected = plain.backward({ data: masked, shape: [...shape] }).data;
        expect(scaledDistance(dx, dxExpected)).toBeLessThan(1e-6);
        expect(scaledDistance(bn.dgamma!, plain.dgamma!)).toBeLessThan(1e-6);
        expect(scaledDistance(bn.dbeta!, plain.dbeta!)).toBeLessThan(1e-6);
        // Inference fuses it too.
        const yi = bn.forward({ data: x, shape: [...shape] }, false).data;
        const zi = plain.forward({ data: x, shape: [...shape] }, false).data;
        expect(Array.from(yi)).toEqual(Array.from(zi, a.f));
      });
    }
  }
});

describe.each(['wasm', 'js'] as const)('fused ReLU on %s', (backend) => {
  it('passes a gradient check against finite differences (book semantics, float64 reference forward)', () => {
    const N = 5, D = 4;
    const gamma = seeded(D, 11, 1, 1);
    const beta = seeded(D, 12, 0, 1);
    const x = seeded(N * D, 13, 0, 4);
    const w = seeded(N * D, 14);
    const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend, activation: 'relu' });
    bn.forward({ data: x, shape: [N, D] });
    const dx = bn.backward({ data: w, shape: [N, D] }).data;
    // L(x) = sum(w * relu(BN(x))) in float64; central differences with a small step.
    const loss = (xs: ArrayLike<number>) => {
      const state = { runningMean: new Float64Array(D), runningVar: new Float64Array(D) };
      const y = refForward(xs, N, D, gamma, beta, state, 0.9, true);
      return y.reduce((s, v, i) => s + w[i] * relu(v), 0);
    };
    expectFiniteDifferences(dx, x, loss);
    // And the reference backward agrees with the same masking.
    const state = { runningMean: new Float64Array(D), runningVar: new Float64Array(D) };
    const y = refForward(x, N, D, gamma, beta, state, 0.9, true);
    const ref = refBackward(w.map((g, i) => (y[i] > 0 ? g : 0)), D, gamma, state);
    expect(scaledDistance(dx, ref.dx)).toBeLessThan(1e-5);
  });
});

describe.each(['wasm', 'js'] as const)('fused ReLU6 on %s', (backend) => {
  it('passes a gradient check against finite differences (book semantics, float64 reference forward)', () => {
    const N = 6, D = 4;
    const gamma = seeded(D, 11, 5, 2);
    const beta = seeded(D, 12, 2, 4);
    const x = seeded(N * D, 13, 0, 4);
    const w = seeded(N * D, 14);
    const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend, activation: 'relu6' });
    bn.forward({ data: x, shape: [N, D] });
    const dx = bn.backward({ data: w, shape: [N, D] }).data;
    const state = { runningMean: new Float64Array(D), runningVar: new Float64Array(D) };
    const y = refForward(x, N, D, gamma, beta, state, 0.9, true);
    expect(y.some((v) => v > 6) && y.some((v) => v < 0)).toBe(true); // both kinks are crossed
    const loss = (xs: ArrayLike<number>) => {
      const s = { runningMean: new Float64Array(D), runningVar: new Float64Array(D) };
      return refForward(xs, N, D, gamma, beta, s, 0.9, true).reduce((sum, v, i) => sum + w[i] * relu6(v), 0);
    };
    expectFiniteDifferences(dx, x, loss);
  });

  it('state() and fromState() carry it; foldInto refuses it', () => {
    const bn = new BatchNormalization([1, 2], [0, 1], 0.9, null, null, { backend, activation: 'relu6' });
    const state = JSON.parse(JSON.stringify(bn.state()));
    expect(state.activation).toBe('relu6');
    const back = BatchNormalization.fromState(state, { backend });
    expect(back.activation).toBe('relu6');
    const x = { data: new Float32Array([-3, 9, 1, 2]), shape: [2, 2] };
    expect(Array.from(back.forward(x).data)).toEqual(Array.from(bn.forward(x).data));
    expect(() => bn.foldInto({ data: new Float32Array(6), shape: [3, 2] })).toThrow(/fuses ReLU6 \(activation 'relu6'\)/);
  });
});

describe.each(['wasm', 'js'] as const)('foldInto on %s', (backend) => {
  it('affine x @ W + b then BN inference equals the folded affine', () => {
    const N = 6, IN = 7, OUT = 5;
    const W = seeded(IN * OUT, 1);
    const b = seeded(OUT, 2);
    const xs = seeded(N * IN, 3, 0, 3);
    const affine = (Wd: ArrayLike<number>, bd: ArrayLike<number>) => {
      const h = new Float32Array(N * OUT);
      for (let n = 0; n < N; n++) for (let o = 0; o < OUT; o++) {
        let s = bd[o];
        for (let i = 0; i < IN; i++) s += xs[n * IN + i] * Wd[i * OUT + o];
        h[n * OUT + o] = s;
      }
      return h;
    };
    const bn = new BatchNormalization(seeded(OUT, 4, 1), seeded(OUT, 5), 0.9, null, null, { backend });
    for (let step = 0; step < 3; step++) bn.forward({ data: affine(W, b).map((v) => v * (1 + step)), shape: [N, OUT] });
    const expected = bn.forward({ data: affine(W, b), shape: [N, OUT] }, false).data;
    const folded = bn.foldInto({ data: W, shape: [IN, OUT] }, b);
    expect(folded.weights.shape).toEqual([IN, OUT]);
    expect(scaledDistance(affine(folded.weights.data, folded.bias), expected)).toBeLessThan(1e-5);
    expect(Array.from(W)).toEqual(Array.from(seeded(IN * OUT, 1))); // inputs untouched
  });

  it('a convolution [outC, inC, kh, kw] then per-channel BN equals the folded convolution', () => {
    const N = 2, IC = 3, OC = 4, H = 6, Wd = 5, K = 3;
    const OH = H - K + 1, OW = Wd - K + 1;
    const weights = seeded(OC * IC * K * K, 6);
    const xs = seeded(N * IC * H * Wd, 7, 0, 2);
    const conv = (w: ArrayLike<number>, bias: ArrayLike<number> | null) => {
      const out = new Float32Array(N * OC * OH * OW);
      for (let n = 0; n < N; n++) for (let o = 0; o < OC; o++) for (let y = 0; y < OH; y++) for (let z = 0; z < OW; z++) {
        let s = bias ? bias[o] : 0;
        for (let i = 0; i < IC; i++) for (let ky = 0; ky < K; ky++) for (let kz = 0; kz < K; kz++) {
          s += xs[((n * IC + i) * H + y + ky) * Wd + z + kz] * w[((o * IC + i) * K + ky) * K + kz];
        }
        out[((n * OC + o) * OH + y) * OW + z] = s;
      }
      return out;
    };
    const shape = [N, OC, OH, OW];
    const bn = new BatchNormalization(seeded(OC, 8, 1), seeded(OC, 9), 0.5, null, null, { backend, axis: 1 });
    bn.forward({ data: conv(weights, null), shape });
    const expected = bn.forward({ data: conv(weights, null), shape }, false).data;
    const folded = foldInto(bn, { data: weights, shape: [OC, IC, K, K] });
    expect(scaledDistance(conv(folded.weights.data, folded.bias), expected)).toBeLessThan(1e-5);
    // The same with the reference formula, as a cross-check of what inference computed.
    const ref = refChannelInfer(conv(weights, null), N, OC, OH * OW, bn.gamma, bn.beta, bn.runningMean!, bn.runningVar!, bn.eps);
    expect(scaledDistance(expected, ref)).toBeLessThan(1e-6);
  });

  it('refuses a fused ReLU, a wrong output count, or a bad bias', () => {
    const relu = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { backend, activation: 'relu' });
    expect(() => relu.foldInto({ data: new Float32Array(6), shape: [3, 2] })).toThrow(/fuses ReLU/);
    const bn = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { backend });
    expect(() => bn.foldInto({ data: new Float32Array(6), shape: [2, 3] })).toThrow(/weights\.shape \[2, 3\] has 3 output features; expected 2/);
    expect(() => bn.foldInto({ data: new Float32Array(6), shape: [3, 2] }, [1, 2, 3])).toThrow(/bias\.length must be 2/);
    expect(() => bn.foldInto({ data: new Float32Array(6), shape: [6] })).toThrow(RangeError);
  });
});

describe('foldInto on a plain object', () => {
  const W = new Float32Array([1, 2, 3, 4, 5, 6]); // [in 2, out 3]
  const fields = { gamma: [1, 2, 0.5], beta: [0, 1, -1], runningMean: [0.5, -1, 2], runningVar: [4, 1, 0.25], eps: 1e-3 };

  it('folds a layer given as plain arrays, reading each property once, as the formula in float64', () => {
    const reads: Record<string, number> = {};
    const layer = {};
    for (const [key, value] of Object.entries({ ...fields, activation: null })) {
      Object.defineProperty(layer, key, { get: () => ((reads[key] = (reads[key] ?? 0) + 1), value), enumerable: true });
    }
    const folded = foldInto(layer as never, { data: W, shape: [2, 3] }, [1, 1, 1]);
    for (let o = 0; o < 3; o++) {
      const scale = fields.gamma[o] / Math.sqrt(fields.runningVar[o] + fields.eps);
      expect(folded.weights.data[o]).toBeCloseTo(W[o] * scale, 5);
      expect(folded.weights.data[3 + o]).toBeCloseTo(W[3 + o] * scale, 5);
      expect(folded.bias[o]).toBeCloseTo(scale + fields.beta[o] - fields.runningMean[o] * scale, 5);
    }
    expect(Object.values(reads).every((n) => n === 1)).toBe(true);
    // No activation property at all reads as none.
    expect(Array.from(foldInto(fields as never, { data: W, shape: [2, 3] }).bias)).toEqual(Array.from(foldInto(layer as never, { data: W, shape: [2, 3] }).bias));
  });

  it('running statistics null are zeros (the book\'s start): scale gamma / sqrt(eps), bias b * scale + beta', () => {
    const layer = { ...fields, runningMean: null, runningVar: null, activation: null };
    const folded = foldInto(layer as never, { data: W, shape: [2, 3] }, [1, -2, 0.5]);
    for (let o = 0; o < 3; o++) {
      const scale = fields.gamma[o] / Math.sqrt(fields.eps);
      expect(folded.weights.data[o]).toBeCloseTo(W[o] * scale, 4);
      expect(folded.weights.data[3 + o]).toBeCloseTo(W[3 + o] * scale, 4);
      expect(folded.bias[o]).toBeCloseTo([1, -2, 0.5][o] * scale + fields.beta[o], 4);
    }
    // Without a bias the folded bias is the shift alone: beta - runningMean * scale.
    const noBias = foldInto({ ...fields, activation: null } as never, { data: W, shape: [2, 3] }, null);
    for (let o = 0; o < 3; o++) expect(noBias.bias[o]).toBeCloseTo(fields.beta[o] - fields.runningMean[o] * fields.gamma[o] / Math.sqrt(fields.runningVar[o] + fields.eps), 5);
  });

  it('names the field or argument whose element is not a number, and weights of another rank', () => {
    const fold = (change: object, bias?: unknown, weights = { data: W, shape: [2, 3] }) => () => foldInto({ ...fields, activation: null, ...change } as never, weights, bias as never);
    expectThrows(fold({ runningMean: [0, 'm', 0] }), TypeError, 'foldInto: layer.runningMean[1] must be a number; got the string "m"');
    expectThrows(fold({ runningVar: [1, 1, 'v'] }), TypeError, 'foldInto: layer.runningVar[2] must be a number; got the string "v"');
    expectThrows(fold({ beta: 7 }), TypeError, 'foldInto: layer.beta must be a Float32Array, a Float64Array or an array of numbers; got number 7');
    expectThrows(fold({}, ['b', 0, 0]), TypeError, 'foldInto: bias[0] must be a number; got the string "b"');
    expectThrows(fold({}, []), RangeError, 'foldInto: bias.length must be 3 (the output count); got 0');
    expectThrows(fold({}, undefined, { data: W, shape: [6] }), RangeError,
      'foldInto: weights.shape must have 2 dimensions [in, out] (affine) or 4 [outC, inC, kh, kw] (convolution); got [6]');
  });

  it('names a bias that is no array, and a convolution whose output channels are not the layer\'s', () => {
    const layer = { ...fields, activation: null } as never;
    expectThrows(() => foldInto(layer, { data: W, shape: [2, 3] }, 5 as never), TypeError, 'foldInto: bias must be an array-like of numbers or null; got number 5');
    expectThrows(() => foldInto(layer, { data: W, shape: [2, 3] }, [1, 2]), RangeError, 'foldInto: bias.length must be 3 (the output count); got 2');
    expectThrows(() => foldInto(layer, { data: new Float32Array(8), shape: [2, 4, 1, 1] }), RangeError,
      'foldInto: weights.shape [2, 4, 1, 1] has 2 output channels; expected 3 (the length of gamma)');
    expectThrows(() => foldInto({ ...fields, activation: null, trackRunningStats: false } as never, { data: W, shape: [2, 3] }), TypeError,
      'foldInto: the layer keeps no running statistics (trackRunningStats false): it normalises every batch with the batch\'s own, which no linear layer can absorb; expected a layer with trackRunningStats true');
  });

  it('names a bad field: an unknown dtype, an unknown activation, a short beta, a string in gamma, eps 0', () => {
    const fold = (change: object) => () => foldInto({ ...fields, activation: null, ...change } as never, { data: W, shape: [2, 3] });
    expect(fold({ dtype: 'float16' })).toThrow(/foldInto: layer\.dtype must be /);
    expect(fold({ activation: 'gelu' })).toThrow(/foldInto: layer\.activation must be null or one of 'relu', 'relu6'; got the string "gelu"/);
    expect(fold({ beta: [0, 1] })).toThrow(/foldInto: layer\.beta\.length must be 3 \(the length of gamma\); got 2/);
    expect(fold({ gamma: [1, '2', 3] })).toThrow(/foldInto: layer\.gamma\[1\] must be a number; got/);
    expect(fold({ eps: 0 })).toThrow(/foldInto: layer\.eps must be a finite number > 0; got 0/);
    expect(fold({ runningVar: 'x' })).toThrow(TypeError);
  });
});
