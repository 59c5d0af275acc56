// src/interop-keras.ts at the edges of Keras' config: momentum 0 and 1 (both ends of [0, 1]),
// epsilon just inside and outside (0, Infinity), every axis it takes (2 among them, the last of
// a 3D input), and what center and scale false put in place of the weights (Keras' documented
// defaults: beta 0, gamma 1). Keras 3's rule for the moving mean:
// moving_mean = moving_mean * momentum + mean(batch) * (1 - momentum).
import { describe, expect, it } from 'vitest';
import { BatchNormalization } from '../src/index.js';
import { fromKerasArgs, toKerasFields } from '../src/interop-keras.js';
import { expectThrows } from './helpers/throws.js';

const weights = { gamma: [1, 2], beta: [0, 0.5], moving_mean: [1, -1], moving_variance: [1, 4] };
const x = { data: new Float32Array([1, 10, 3, 20, 5, 30]), shape: [3, 2] }; // batch mean [3, 20]

describe('momentum', () => {
  it('0: the moving mean becomes the batch mean; 1: it stays', () => {
    const zero = BatchNormalization.fromKeras(weights, { momentum: 0 }, { backend: 'js' });
    zero.forward(x);
    expect(Array.from(zero.runningMean!)).toEqual([3, 20]);
    const one = BatchNormalization.fromKeras(weights, { momentum: 1 }, { backend: 'js' });
    one.forward(x);
    expect(Array.from(one.runningMean!)).toEqual([1, -1]);
    expect([zero.momentum, one.momentum]).toEqual([0, 1]);
    expectThrows(() => fromKerasArgs(weights, { momentum: -0.01 }, 'f', undefined), RangeError, 'f: config.momentum must be a number in [0, 1]; got number -0.01');
    expectThrows(() => fromKerasArgs(weights, { momentum: 1.01 }, 'f', undefined), RangeError, 'f: config.momentum must be a number in [0, 1]; got number 1.01');
  });
});

describe('epsilon', () => {
  it('a finite number > 0: the smallest and the largest are taken, 0 and Infinity are not', () => {
    expect(fromKerasArgs(weights, { epsilon: Number.MIN_VALUE }, 'f', undefined).eps).toBe(Number.MIN_VALUE);
    expect(fromKerasArgs(weights, { epsilon: Number.MAX_VALUE }, 'f', undefined).eps).toBe(Number.MAX_VALUE);
    expect(fromKerasArgs(weights, {}, 'f', undefined).eps).toBe(1e-3);
    expectThrows(() => fromKerasArgs(weights, { epsilon: Infinity }, 'f', undefined), RangeError, 'f: config.epsilon must be a finite number > 0; got number Infinity');
    expectThrows(() => fromKerasArgs(weights, { epsilon: 0 }, 'f', undefined), RangeError, 'f: config.epsilon must be a finite number > 0; got number 0');
  });
});

describe('axis', () => {
  it('-1 by default; 1, 2, 3 as they are; a one-element list as its element', () => {
    expect(fromKerasArgs(weights, {}, 'f', undefined).axis).toBe(-1);
    for (const axis of [-1, 1, 2, 3]) expect(fromKerasArgs(weights, { axis }, 'f', undefined).axis).toBe(axis);
    expect(fromKerasArgs(weights, { axis: [3] }, 'f', undefined).axis).toBe(3);
    expectThrows(() => fromKerasArgs(weights, { axis: [] }, 'f', undefined), RangeError, 'f: config.axis must be one axis: -1, 1, or the last index (2 or 3); got []');
    expectThrows(() => fromKerasArgs(weights, { axis: '1' }, 'f', undefined), RangeError, 'f: config.axis must be one axis: -1, 1, or the last index (2 or 3); got "1"');
  });

  it('axis 2 is per channel, channels last, on a 3D input [N, L, C]', () => {
    const bn = BatchNormalization.fromKeras(weights, { axis: 2, momentum: 0 }, { backend: 'js' });
    bn.forward({ data: new Float32Array([1, 10, 3, 20, 5, 30, 7, 40]), shape: [2, 2, 2] });
    expect(Array.from(bn.runningMean!)).toEqual([4, 25]);
  });
});

describe('center and scale', () => {
  it('false: beta 0 and gamma 1 in place of the weights, which must then be absent', () => {
    const a = fromKerasArgs({ moving_mean: [1, 2], moving_variance: [1, 1] }, { center: false, scale: false }, 'f', undefined);
    expect(Array.from(a.gamma)).toEqual([1, 1]);
    expect(Array.from(a.beta)).toEqual([0, 0]);
    expect(Array.from(a.runningMean)).toEqual([1, 2]);
    expect(Array.from(a.runningVar)).toEqual([1, 1]);
    const b = fromKerasArgs(weights, {}, 'f', undefined);
    expect([Array.from(b.gamma), Array.from(b.beta)]).toEqual([[1, 2], [0, 0.5]]);
    expectThrows(() => fromKerasArgs(weights, { scale: false }, 'f', undefined), TypeError, 'f: weights.gamma must be absent when config.scale is false; got an Array of length 2');
    expectThrows(() => fromKerasArgs({ ...weights, beta: null }, {}, 'f', undefined), TypeError, 'f: weights.beta must be an array when config.center is true; got null');
    expectThrows(() => fromKerasArgs(weights, { scale: 1 }, 'f', undefined), TypeError, 'f: config.scale must be a boolean; got number 1');
    expectThrows(() => fromKerasArgs({ ...weights, moving_variance: [1] }, {}, 'f', undefined), RangeError, 'f: weights.moving_variance.length must be 2 (the length of moving_mean); got 1');
    expectThrows(() => fromKerasArgs({ ...weights, gamma: [1] }, {}, 'f', undefined), RangeError, 'f: weights.gamma.length must be 2 (the length of moving_mean); got 1');
  });

  it('the refused keys are accepted at their no-op values', () => {
    expect(fromKerasArgs(weights, { renorm: false, synchronized: null, virtual_batch_size: null }, 'f', undefined).momentum).toBe(0.99);
    expect(fromKerasArgs(weights, { renorm: undefined, virtual_batch_size: undefined }, 'f', undefined).momentum).toBe(0.99);
  });
});

describe('toKerasFields', () => {
  const view = {
    gamma: new Float32Array([1, 2]), beta: new Float32Array([0, 1]), runningMean: null, runningVar: null, momentum: 0.5, eps: 0.25,
    axis: null, activation: null, runningVarUnbiased: false, trackRunningStats: true, numBatchesTracked: 0, dtype: 'float32' as const,
  };

  it('copies, zeros for running statistics not made yet, axis -1 for the book\'s', () => {
    const out = toKerasFields(view, 'f');
    expect(out.config).toEqual({ axis: -1, momentum: 0.5, epsilon: 0.25, center: true, scale: true, dtype: 'float32' });
    expect(Array.from(out.weights.moving_mean)).toEqual([0, 0]);
    expect(Array.from(out.weights.moving_variance)).toEqual([0, 0]);
    expect(out.weights.gamma).not.toBe(view.gamma);
    expect(Array.from(out.weights.gamma)).toEqual([1, 2]);
    expect(Array.from(out.weights.beta)).toEqual([0, 1]);
    expect(toKerasFields({ ...view, axis: 1 }, 'f').config.axis).toBe(1);
    expectThrows(() => toKerasFields({ ...view, trackRunningStats: false }, 'f'), RangeError,
      "f: the layer's trackRunningStats must be true (Keras keeps moving statistics); got false");
    expectThrows(() => toKerasFields({ ...view, activation: 'relu6' }, 'f'), RangeError, "f: the layer's activation must be null (Keras fuses none); got 'relu6'");
  });
});
