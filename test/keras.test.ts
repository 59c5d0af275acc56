// Keras' (and TensorFlow.js layers') BatchNormalization: fromKeras(weights, config) and
// toKeras(). Expected values come from the formulas Keras 3 documents for its layer, written
// out below in float64, never from the layer's own output.
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init, type KerasConfig } from '../src/index.js';
import { expectClose as close } from './helpers/expect-close.js';
import { seeded } from './helpers/seeded.js';

beforeAll(async () => {
  await init();
});

// Keras 3's keras.layers.BatchNormalization, for the channel index of each element:
//   training:  gamma * (x - mean(batch)) / sqrt(var(batch) + epsilon) + beta, var biased
//              (ops.moments); moving_mean = moving_mean * momentum + mean(batch) * (1 - momentum),
//              moving_var = moving_var * momentum + var(batch) * (1 - momentum)
//   inference: gamma * (x - moving_mean) / sqrt(moving_var + epsilon) + beta
function batchMoments(x: ArrayLike<number>, channelOf: (i: number) => number, C: number) {
  const count = x.length / C;
  const mean = Array.from({ length: C }, () => 0);
  const variance = Array.from({ length: C }, () => 0);
  for (let i = 0; i < x.length; i++) mean[channelOf(i)] += x[i] / count;
  for (let i = 0; i < x.length; i++) variance[channelOf(i)] += (x[i] - mean[channelOf(i)]) ** 2 / count;
  return { mean, variance };
}

function kerasNormalise(x: ArrayLike<number>, channelOf: (i: number) => number, mean: number[], variance: number[], gamma: number[], beta: number[], epsilon: number) {
  return Array.from(x, (v, i) => {
    const c = channelOf(i);
    return (gamma[c] * (v - mean[c])) / Math.sqrt(variance[c] + epsilon) + beta[c];
  });
}

const C = 3;
const weights = { gamma: [1.5, 0.5, -2], beta: [0.1, -0.2, 0.3], moving_mean: [0.5, -1, 2], moving_variance: [2, 0.25, 1] };
const nhwc = { shape: [2, 2, 3, C], data: seeded(2 * 2 * 3 * C, 31, 0.5, 3) };
const last = (i: number) => i % C;

// What Keras 3 writes for a default BatchNormalization (layer.get_config()).
const keras3Config = {
  name: 'batch_normalization', trainable: true,
  dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
  axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true,
  beta_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
  gamma_initializer: { module: 'keras.initializers', class_name: 'Ones', config: {}, registered_name: null },
  moving_mean_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
  moving_variance_initializer: { module: 'keras.initializers', class_name: 'Ones', config: {}, registered_name: null },
  beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, synchronized: false,
};
// And TensorFlow.js layers' getConfig() (camelCase names for the same keys).
const tfjsConfig = {
  axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true,
  betaInitializer: { className: 'Zeros', config: {} }, gammaInitializer: { className: 'Ones', config: {} },
  movingMeanInitializer: { className: 'Zeros', config: {} }, movingVarianceInitializer: { className: 'Ones', config: {} },
  betaRegularizer: null, gammaRegularizer: null, betaConstraint: null, gammaConstraint: null, name: 'batch_normalization_1', trainable: true,
};

describe.each(['wasm', 'js'] as const)('fromKeras on %s', (backend) => {
  it("takes Keras' defaults: axis -1, momentum 0.99, epsilon 1e-3, the biased variance", () => {
    const bn = BatchNormalization.fromKeras(weights, {}, { backend });
    expect([bn.axis, bn.momentum, bn.eps, bn.runningVarUnbiased]).toEqual([-1, 0.99, 1e-3, false]);
    close(bn.forward(nhwc, false).data, kerasNormalise(nhwc.data, last, weights.moving_mean, weights.moving_variance, weights.gamma, weights.beta, 1e-3));
    const m = batchMoments(nhwc.data, last, C);
    close(bn.forward(nhwc, true).data, kerasNormalise(nhwc.data, last, m.mean, m.variance, weights.gamma, weights.beta, 1e-3));
    close(bn.runningMean!, weights.moving_mean.map((v, c) => v * 0.99 + m.mean[c] * (1 - 0.99)));
    close(bn.runningVar!, weights.moving_variance.map((v, c) => v * 0.99 + m.variance[c] * (1 - 0.99)));
    bn.dispose();
  });

  it('reads the configs Keras 3 and TensorFlow.js write, ignoring the keys that do not bear on the statistics', () => {
    for (const config of [keras3Config, tfjsConfig, { ...keras3Config, momentum: 0.9, epsilon: 0.01 }]) {
      const bn = BatchNormalization.fromKeras(weights, config, { backend });
      expect([bn.momentum, bn.eps]).toEqual([config.momentum, config.epsilon]);
      close(bn.forward(nhwc, false).data, kerasNormalise(nhwc.data, last, weights.moving_mean, weights.moving_variance, weights.gamma, weights.beta, config.epsilon));
      bn.dispose();
    }
  });

  it('axis 1 reads channels first; a one-element list (as tf.keras 2 writes after build) is that axis', () => {
    const nchw = { shape: [2, C, 2, 2], data: seeded(2 * C * 4, 5, -1, 2) };
    const first = (i: number) => Math.floor(i / 4) % C;
    for (const axis of [1, [1]]) {
      const bn = BatchNormalization.fromKeras(weights, { axis, momentum: 0.8 }, { backend });
      expect(bn.axis).toBe(1);
      const m = batchMoments(nchw.data, first, C);
      close(bn.forward(nchw, true).data, kerasNormalise(nchw.data, first, m.mean, m.variance, weights.gamma, weights.beta, 1e-3));
      close(bn.runningVar!, weights.moving_variance.map((v, c) => v * 0.8 + m.variance[c] * 0.2));
      bn.dispose();
    }
    const bn = BatchNormalization.fromKeras(weights, { axis: [3] }, { backend });
    expect(bn.axis).toBe(3);
    close(bn.forward(nhwc, false).data, kerasNormalise(nhwc.data, last, weights.moving_mean, weights.moving_variance, weights.gamma, weights.beta, 1e-3));
    bn.dispose();
  });

  it('center false: no beta in the weights, beta 0; scale false: no gamma, gamma 1', () => {
    const { moving_mean, moving_variance } = weights;
    const cases: Array<[KerasConfig, object, number[], number[]]> = [
      [{ center: false }, { gamma: weights.gamma, moving_mean, moving_variance }, weights.gamma, [0, 0, 0]],
      [{ scale: false }, { beta: weights.beta, moving_mean, moving_variance }, [1, 1, 1], weights.beta],
      [{ center: false, scale: false }, { moving_mean, moving_variance }, [1, 1, 1], [0, 0, 0]],
    ];
    for (const [config, w, gamma, beta] of cases) {
      const bn = BatchNormalization.fromKeras(w as never, config, { backend });
      close(bn.forward(nhwc, false).data, kerasNormalise(nhwc.data, last, moving_mean, moving_variance, gamma, beta, 1e-3));
      // toKeras writes the gamma and beta the layer has: a Keras layer with center and scale.
      const back = bn.toKeras();
      expect(back.config).toMatchObject({ center: true, scale: true });
      expect(Array.from(back.weights.gamma)).toEqual(Array.from(Float32Array.from(gamma)));
      expect(Array.from(back.weights.beta)).toEqual(Array.from(Float32Array.from(beta)));
      bn.dispose();
    }
  });

  it('options choose what the config does not say (runningVarUnbiased for tf.keras 2 fused layers, the backend)', () => {
    const bn = BatchNormalization.fromKeras(weights, keras3Config, { backend, runningVarUnbiased: true });
    const m = batchMoments(nhwc.data, last, C);
    const n = nhwc.data.length / C;
    bn.forward(nhwc);
    close(bn.runningVar!, weights.moving_variance.map((v, c) => v * 0.99 + ((m.variance[c] * n) / (n - 1)) * 0.01));
    bn.dispose();
  });
});

describe.each(['wasm', 'js'] as const)('toKeras on %s', (backend) => {
  it('round-trips weights and config exactly, and a trained layer carries on as Keras would', () => {
    const config = { axis: -1, momentum: 0.95, epsilon: 0.002, center: true, scale: true, dtype: 'float32' };
    const bn = BatchNormalization.fromKeras(weights, config, { backend });
    const out = bn.toKeras();
    expect(out.config).toEqual(config);
    for (const key of ['gamma', 'beta', 'moving_mean', 'moving_variance'] as const) {
      expect(Array.from(out.weights[key])).toEqual(Array.from(Float32Array.from(weights[key])));
      expect(out.weights[key]).not.toBe(bn.gamma); // copies
    }
    bn.forward(nhwc);
    const again = BatchNormalization.fromKeras(bn.toKeras().weights, bn.toKeras().config, { backend });
    expect(again.state()).toEqual({ ...bn.state(), numBatchesTracked: 0 }); // Keras keeps no counter
    for (const layer of [bn, again]) layer.dispose();
  });

  it('maps the book layer and the PyTorch one (axis 1, momentum 0.1 -> 0.9)', () => {
    const book = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { backend });
    expect(book.toKeras()).toEqual({
      weights: { gamma: Float32Array.of(1, 1), beta: Float32Array.of(0, 0), moving_mean: Float32Array.of(0, 0), moving_variance: Float32Array.of(0, 0) },
      config: { axis: -1, momentum: 0.9, epsilon: 1e-6, center: true, scale: true, dtype: 'float32' },
    });
    const torch = BatchNormalization.fromPyTorch({ weight: [2], bias: [1], running_mean: [3], running_var: [4], momentum: 0.1 }, { backend });
    expect(torch.toKeras().config).toEqual({ axis: 1, momentum: 0.9, epsilon: 1e-5, center: true, scale: true, dtype: 'float32' });
    for (const layer of [book, torch]) layer.dispose();
  });

  it('refuses what Keras cannot express, leaving the layer as it was', () => {
    const relu = new BatchNormalization([1], [0], 0.9, [0], [1], { backend, activation: 'relu' });
    const cumulative = new BatchNormalization([1], [0], null, [0], [1], { backend });
    for (const [layer, message] of [
      [relu, /toKeras: the layer's activation must be null \(Keras fuses none\); got 'relu'/],
      [cumulative, /toKeras: the layer's momentum must be a number \(Keras has no cumulative average\); got null/],
    ] as const) {
      const before = layer.state();
      expect(() => layer.toKeras()).toThrow(RangeError);
      expect(() => layer.toKeras()).toThrow(message);
      expect(layer.state()).toEqual(before);
      layer.dispose();
    }
  });
});

describe('fromKeras refuses bad input with a named error', () => {
  const cases: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [
    ['a mistyped config key', () => BatchNormalization.fromKeras(weights, { epsilom: 1e-3 }),
      RangeError, /fromKeras: config has no key "epsilom"; did you mean epsilon\? \(config takes axis, momentum, epsilon, center, scale, renorm/],
    ['an unknown config key', () => BatchNormalization.fromKeras(weights, { groups: 2 }), RangeError, /config has no key "groups" \(config takes axis/],
    ['a mistyped weight name', () => BatchNormalization.fromKeras({ ...weights, moving_var: [1, 1, 1] } as never),
      RangeError, /weights has no key "moving_var"; did you mean moving_variance\?/],
    ['renorm', () => BatchNormalization.fromKeras(weights, { renorm: true, renorm_momentum: 0.99 }),
      RangeError, /fromKeras: config\.renorm must be false \(not supported\); got true/],
    ['synchronized', () => BatchNormalization.fromKeras(weights, { synchronized: true }),
      RangeError, /config\.synchronized must be false \(not supported\); got true/],
    ['virtual_batch_size', () => BatchNormalization.fromKeras(weights, { virtual_batch_size: 8 }),
      RangeError, /config\.virtual_batch_size must be null \(not supported\); got 8/],
    ['renorm as a BigInt', () => BatchNormalization.fromKeras(weights, { renorm: 1n as never }),
      RangeError, /config\.renorm must be false \(not supported\); got the BigInt 1n/],
    ['an axis list', () => BatchNormalization.fromKeras(weights, { axis: [1, 2] }), RangeError, /config\.axis must be one axis: -1, 1, or the last index \(2 or 3\); got \[1,2\]/],
    ['axis -3', () => BatchNormalization.fromKeras(weights, { axis: -3 }), RangeError, /config\.axis must be one axis: .*; got -3/],
    ['axis 0', () => BatchNormalization.fromKeras(weights, { axis: 0 }), RangeError, /config\.axis must be one axis: .*; got 0/],
    ['momentum out of range', () => BatchNormalization.fromKeras(weights, { momentum: 1.5 }), RangeError, /config\.momentum must be a number in \[0, 1\]; got number 1\.5/],
    ['momentum a string', () => BatchNormalization.fromKeras(weights, { momentum: '0.99' as never }), TypeError, /config\.momentum must be a number in \[0, 1\]; got the string "0\.99"/],
    ['epsilon 0', () => BatchNormalization.fromKeras(weights, { epsilon: 0 }), RangeError, /config\.epsilon must be a finite number > 0; got number 0/],
    ['center not a boolean', () => BatchNormalization.fromKeras(weights, { center: 'yes' as never }), TypeError, /config\.center must be a boolean; got the string "yes"/],
    ['beta with center false', () => BatchNormalization.fromKeras(weights, { center: false }),
      TypeError, /weights\.beta must be absent when config\.center is false; got an Array of length 3/],
    ['no gamma with scale true', () => BatchNormalization.fromKeras({ beta: [0], moving_mean: [0], moving_variance: [1] }),
      TypeError, /weights\.gamma must be an array when config\.scale is true; got undefined/],
    ['no moving_variance', () => BatchNormalization.fromKeras({ gamma: [1], beta: [0], moving_mean: [0] } as never),
      TypeError, /weights\.moving_variance must be a Float32Array, a Float64Array or an array of numbers; got undefined/],
    ['lengths that differ', () => BatchNormalization.fromKeras({ ...weights, beta: [0, 0] }),
      RangeError, /weights\.beta\.length must be 3 \(the length of moving_mean\); got 2/],
    ['weights not an object', () => BatchNormalization.fromKeras(null as never), TypeError, /fromKeras: weights must be an object \(gamma, beta, moving_mean, moving_variance\); got null/],
    ['config not an object', () => BatchNormalization.fromKeras(weights, 'default' as never), TypeError, /config must be an object \(Keras' get_config\(\)\); got the string "default"/],
    ['an unknown option', () => BatchNormalization.fromKeras(weights, {}, { momentum: 0.9 } as never), RangeError, /fromKeras: options has no key "momentum"/],
  ];
  for (const [what, call, error, message] of cases) {
    it(what, () => {
      const copy = JSON.stringify(weights);
      expect(call).toThrow(error);
      expect(call).toThrow(message);
      expect(JSON.stringify(weights)).toBe(copy); // the caller's objects untouched
    });
  }
});
