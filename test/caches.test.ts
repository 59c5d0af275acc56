// What the layer caches between calls, and when each cache must be refreshed: the saved
// input of the last training forward (an inference of another shape in between does not
// replace it), the folded inference scale (refreshed by backward, before the optimiser's
// in-place step), and folding with the layer's own eps. Ties at the ReLU's kink: a value of
// exactly zero gets no gradient and +0 out, never -0.
import { beforeAll, describe, expect, it } from 'vitest';
import { allocTensor, BatchNormalization, init } from '../src/index.js';
import { scaledDistance } from './helpers/compare.js';
import { refChannelInfer } from './helpers/channel-reference.js';
import { channelMap, refBackward, refTrain } from './helpers/general-reference.js';
import { seeded } from './helpers/seeded.js';

beforeAll(async () => {
  await init();
});

const D = 6;
const gamma = () => seeded(D, 1, 1, 1);
const beta = () => seeded(D, 2);

describe.each(['wasm', 'js'] as const)('caches on %s', (backend) => {
  it('backward after an inference of another shape differentiates the training forward: train [7, D], infer [5, D], backward [7, D]', () => {
    const x7 = { data: seeded(7 * D, 3, 0.5, 3), shape: [7, D] };
    const x5 = { data: seeded(5 * D, 4, 2, 5), shape: [5, D] };
    const dy = { data: seeded(7 * D, 5), shape: [7, D] };
    const bn = new BatchNormalization(gamma(), beta(), 0.9, null, null, { backend });
    bn.forward(x7);
    bn.forward(x5, false);
    const dx = bn.backward(dy).data;
    const channel = channelMap(7, D, 1, 'first');
    const options = { activation: null, unbiased: false, momentum: 0.9, eps: 1e-6 };
    const t = refTrain(x7.data, channel, D, gamma(), beta(), new Float32Array(D), new Float32Array(D), options);
    const ref = refBackward(dy.data, channel, D, gamma(), t, options);
    expect(scaledDistance(dx, ref.dx)).toBeLessThan(1e-5);
    expect(scaledDistance(bn.dgamma!, ref.dgamma)).toBeLessThan(1e-5);
    bn.dispose();
  });

  it("backward refreshes the inference scale: train, infer, backward, the optimiser's in-place step, infer", () => {
    const x = { data: seeded(8 * D, 6, 1, 3), shape: [8, D] };
    const bn = new BatchNormalization(gamma(), beta(), 0.9, null, null, { backend });
    bn.forward(x);
    bn.forward(x, false); // caches the folded scale
    bn.backward({ data: seeded(8 * D, 7), shape: [8, D] });
    for (let c = 0; c < D; c++) {
      bn.gamma[c] -= 0.3 * bn.dgamma![c];
      bn.beta[c] -= 0.3 * bn.dbeta![c];
    }
    const expected = refChannelInfer(x.data, 8, D, 1, bn.gamma, bn.beta, bn.runningMean!, bn.runningVar!, bn.eps);
    expect(scaledDistance(bn.forward(x, false).data, expected)).toBeLessThan(1e-6);
    bn.dispose();
  });

  it('a first inference after gamma is replaced folds the new gamma, with the given running statistics', () => {
    const x = { data: seeded(5 * D, 8, 1, 3), shape: [5, D] };
    const [mean, variance] = [seeded(D, 9, 0.5), seeded(D, 10, 2, 1)];
    const bn = new BatchNormalization(gamma(), beta(), 0.9, mean, variance, { backend });
    bn.gamma = seeded(D, 11, -1, 1); // the layer's first change of its parameters
    const expected = refChannelInfer(x.data, 5, D, 1, bn.gamma, bn.beta, mean, variance, bn.eps);
    expect(scaledDistance(bn.forward(x, false).data, expected)).toBeLessThan(1e-6);
    bn.dispose();
  });

  it('a view of Wasm memory as x, then another array (plain or a view elsewhere), each normalised from its own elements', () => {
    const [mean, variance] = [seeded(D, 12, 0.5), seeded(D, 13, 2, 1)];
    const bn = new BatchNormalization(gamma(), beta(), 0.9, mean, variance, { backend });
    const wasm = allocTensor([8, D]);
    wasm.data.set(seeded(8 * D, 14, 1, 3));
    const inputs = [wasm.data.subarray(0, 4 * D), seeded(4 * D, 15, -2, 3), wasm.data.subarray(4 * D), wasm.data.subarray(0, 4 * D)];
    for (const [i, data] of inputs.entries()) {
      for (const out of [undefined, { data: new Float32Array(4 * D), shape: [4, D] }]) {
        const expected = refChannelInfer(data, 4, D, 1, bn.gamma, bn.beta, mean, variance, bn.eps);
        expect(scaledDistance(bn.forward({ data, shape: [4, D] }, false, out).data, expected), `input ${i}`).toBeLessThan(1e-6);
      }
    }
    for (const t of [bn, wasm]) t.dispose();
  });

  it('foldInto uses the layer’s eps (a large one shows it)', () => {
    const bn = new BatchNormalization(gamma(), beta(), 0.9, seeded(D, 8), seeded(D, 9, 1, 1), { backend, eps: 0.5 });
    const W = seeded(4 * D, 10);
    const folded = bn.foldInto({ data: W, shape: [4, D] });
    for (let c = 0; c < D; c++) {
      const scale = bn.gamma[c] / Math.sqrt(bn.runningVar![c] + 0.5);
      expect(folded.weights.data[c]).toBeCloseTo(W[c] * scale, 6);
      expect(folded.bias[c]).toBeCloseTo(bn.beta[c] - bn.runningMean![c] * scale, 6);
    }
    bn.dispose();
  });

  it('ReLU at a value of exactly zero: +0 out and no gradient (a constant column with beta 0)', () => {
    const N = 5;
    const x = seeded(N * D, 11, 0, 2);
    for (let n = 0; n < N; n++) x[n * D + 2] = 0.75; // column 2 equals its mean: xhat = 0, y = beta = 0
    const b = beta();
    b[2] = 0;
    const bn = new BatchNormalization(gamma(), b, 0.9, null, null, { backend, activation: 'relu' });
    const y = bn.forward({ data: x, shape: [N, D] }).data;
    for (let n = 0; n < N; n++) expect(Object.is(y[n * D + 2], 0)).toBe(true);
    const dy = seeded(N * D, 12);
    const dx = bn.backward({ data: dy, shape: [N, D] }).data;
    const channel = channelMap(N, D, 1, 'first');
    const options = { activation: 'relu' as const, unbiased: false, momentum: 0.9, eps: 1e-6 };
    const ref = refBackward(dy, channel, D, gamma(), refTrain(x, channel, D, gamma(), b, new Float32Array(D), new Float32Array(D), options), options);
    expect(bn.dbeta![2]).toBe(0);
    expect(bn.dgamma![2]).toBe(0);
    for (let n = 0; n < N; n++) expect(dx[n * D + 2]).toBe(0);
    expect(scaledDistance(dx, ref.dx)).toBeLessThan(1e-5);
    bn.dispose();
  });

  it('ReLU never gives -0: inference of x equal to the running mean with beta -0 and a negative gamma', () => {
    for (const activation of ['relu', 'relu6'] as const) {
      const bn = new BatchNormalization([-2], [-0], 0.9, [0.5], [1], { backend, activation });
      const y = bn.forward({ data: new Float32Array([0.5, 0.5]), shape: [2, 1] }, false).data;
      expect(Object.is(y[0], 0) && Object.is(y[1], 0), `${activation}: ${y[0]}`).toBe(true);
      bn.dispose();
    }
  });
});
