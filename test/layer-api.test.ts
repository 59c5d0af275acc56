// The public layer (src/layer.ts over src/layer-core.ts) as its TSDoc states it: the
// defaults of its positional arguments, what it keeps by reference and what it copies, each
// entry point named in its own messages (messages are API), calls refused while an async one
// is in flight, and the conversions' defaults and overrides.
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init } from '../src/index.js';
import { expectThrows } from './helpers/throws.js';

beforeAll(async () => {
  await init();
});

const x = { data: new Float32Array([1, 10, 2, 20, 4, 40]), shape: [3, 2] };
const dy = { data: new Float32Array([1, 0, 0, 1, 1, 1]), shape: [3, 2] };
const IN_FLIGHT = 'an async call on this layer has not settled yet; await it first';

describe.each(['wasm', 'js'] as const)('on %s', (backend) => {
  it('momentum defaults to 0.9 and trainFlg to true: the running mean moves by a tenth of the batch mean', () => {
    const bn = new BatchNormalization([1, 1], [0, 0], undefined, undefined, undefined, { backend });
    expect(bn.momentum).toBe(0.9);
    expect(bn.runningMean).toBeNull();
    bn.forward(x);
    expect(Array.from(bn.runningMean!)).toEqual([Math.fround(0.1 * (7 / 3)), Math.fround(0.1 * (70 / 3))]);
    expect(bn.numBatchesTracked).toBe(1);
    bn.forward(x, false);
    expect(bn.numBatchesTracked).toBe(1);
    bn.dispose();
  });

  it('keeps a Float32Array gamma and beta by reference, copies other arrays, and always copies the running statistics', () => {
    const g = new Float32Array([1, 2]);
    const b = new Float32Array([0, 1]);
    const mean = new Float32Array([0.5, 0.5]);
    const variance = new Float32Array([2, 2]);
    const bn = new BatchNormalization(g, b, 0.9, mean, variance, { backend });
    expect(bn.gamma).toBe(g);
    expect(bn.beta).toBe(b);
    expect(bn.runningMean).not.toBe(mean);
    expect(Array.from(bn.runningMean!)).toEqual([0.5, 0.5]);
    expect(Array.from(bn.runningVar!)).toEqual([2, 2]);
    mean[0] = 9;
    variance[0] = 9;
    expect(bn.runningMean![0]).toBe(0.5);
    expect(bn.runningVar![0]).toBe(2);
    const copied = new BatchNormalization([1, 2], [0, 1], 0.9, [0, 0], [1, 1], { backend });
    expect(copied.gamma).toBeInstanceOf(Float32Array);
    expect(Array.from(copied.gamma)).toEqual([1, 2]);
    for (const l of [bn, copied]) l.dispose();
  });

  it('the getters say the options: axis null for the book, trackRunningStats and its counter', () => {
    const book = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { backend });
    expect([book.axis, book.activation, book.eps, book.runningVarUnbiased, book.trackRunningStats, book.numBatchesTracked, book.backend, book.disposed])
      .toEqual([null, null, 1e-6, false, true, 0, backend, false]);
    const other = new BatchNormalization([1, 1], [0, 0], null, null, null, { backend, axis: -1, activation: 'relu', eps: 1e-3, runningVarUnbiased: true, trackRunningStats: false });
    expect([other.axis, other.activation, other.eps, other.runningVarUnbiased, other.trackRunningStats, other.numBatchesTracked, other.momentum])
      .toEqual([-1, 'relu', 1e-3, true, false, null, null]);
    other.forward(x);
    expect([other.numBatchesTracked, other.runningMean, other.runningVar]).toEqual([null, null, null]);
    for (const l of [book, other]) {
      l.dispose();
      expect(l.disposed).toBe(true);
    }
  });

  it('each entry point names itself in its messages', () => {
    const bn = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { backend });
    expectThrows(() => bn.forward(null as never), TypeError, 'BatchNormalization.forward: x must be an object { data, shape }; got null');
    expectThrows(() => bn.backward(dy), TypeError, 'BatchNormalization.backward: no training forward to differentiate; call forward(x, true) first');
    bn.forward(x);
    expectThrows(() => bn.backward({ data: dy.data, shape: [2, 3] }), RangeError, "BatchNormalization.backward: dout.shape must be the last training input's shape [3, 2]; got [2, 3]");
    expectThrows(() => bn.backward(dy, { data: new Float32Array(6), shape: [6] }), RangeError, "BatchNormalization.backward: out.shape must be dout's shape [3, 2]; got [6]");
    expectThrows(() => { bn.gamma = [1, 2, 3]; }, RangeError, 'BatchNormalization.gamma: gamma.length must be 2 (the feature count); got 3');
    expectThrows(() => { bn.beta = 'b' as never; }, TypeError, 'BatchNormalization.beta: beta must be a Float32Array, a Float64Array or an array of numbers; got the string "b"');
    expectThrows(() => bn.forward({ data: new Float32Array(6), shape: [2, 3] }), RangeError,
      'BatchNormalization.forward: x.shape [2, 3] has 3 features per sample; expected 2 (the length of gamma)');
    bn.dispose();
    expectThrows(() => bn.forward(x), TypeError, 'BatchNormalization.forward: the layer was disposed');
    expectThrows(() => bn.backward(dy), TypeError, 'BatchNormalization.backward: the layer was disposed');
    expectThrows(() => bn.backend, TypeError, 'BatchNormalization.backend: the layer was disposed');
    expectThrows(() => bn.foldInto({ data: new Float32Array(4), shape: [2, 2] }), TypeError, 'BatchNormalization.foldInto: the layer was disposed');
    const channels = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { backend, axis: 1 });
    expectThrows(() => channels.forward({ data: new Float32Array(6), shape: [2, 3] }), RangeError,
      'BatchNormalization.forward: x.shape [2, 3] has 3 channels; expected 2 (the length of gamma)');
    channels.dispose();
  });

  it('the async forms name themselves, and while one is in flight every other call is refused', async () => {
    const bn = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { backend });
    await expect(bn.forwardAsync(null as never)).rejects.toThrow(new TypeError('BatchNormalization.forwardAsync: x must be an object { data, shape }; got null'));
    await expect(bn.backwardAsync(dy)).rejects.toThrow(new TypeError('BatchNormalization.backwardAsync: no training forward to differentiate; call forward(x, true) first'));
    const pending = bn.forwardAsync(x);
    expectThrows(() => bn.forward(x), Error, `BatchNormalization.forward: ${IN_FLIGHT}`);
    expectThrows(() => bn.backend, Error, `BatchNormalization.backend: ${IN_FLIGHT}`);
    expectThrows(() => bn.dispose(), Error, `BatchNormalization.dispose: ${IN_FLIGHT}`);
    await expect(bn.backwardAsync(dy)).rejects.toThrow(new Error(`BatchNormalization.backwardAsync: ${IN_FLIGHT}`));
    expect((await pending).shape).toEqual([3, 2]);
    expect(bn.numBatchesTracked).toBe(1);
    const dx = await bn.backwardAsync(dy);
    expect(Array.from(dx.data)).toEqual(Array.from(bn.backward(dy).data));
    // A call that failed leaves nothing in flight.
    await expect(bn.forwardAsync({ data: [1], shape: [1, 1] })).rejects.toThrow(RangeError);
    expect(bn.forward(x, false).shape).toEqual([3, 2]);
    bn.dispose();
  });
});

describe('the constructor\'s refusals of the running statistics', () => {
  it('names which of the pair came alone, and what trackRunningStats false refuses', () => {
    expectThrows(() => new BatchNormalization([1], [0], 0.9, [0], null), TypeError, 'new BatchNormalization: runningMean and runningVar must be given together; got runningMean only');
    expectThrows(() => new BatchNormalization([1], [0], 0.9, undefined, [1]), TypeError, 'new BatchNormalization: runningMean and runningVar must be given together; got runningVar only');
    expectThrows(() => new BatchNormalization([1], [0], 0.9, [0], [1], { trackRunningStats: false }), TypeError,
      'new BatchNormalization: runningMean and runningVar must be left out when options.trackRunningStats is false; got arrays');
    expectThrows(() => new BatchNormalization([1], [0], 0.9, null, null, { trackRunningStats: false, numBatchesTracked: 0 }), TypeError,
      'new BatchNormalization: options.numBatchesTracked must be left out when options.trackRunningStats is false; got 0');
    expect(new BatchNormalization([1], [0], 0.9, null, null, { numBatchesTracked: 5, backend: 'js' }).numBatchesTracked).toBe(5);
  });
});

describe('the conversions: their defaults, and the options over them', () => {
  const sd = { weight: [1, 2], bias: [0, 0.5], running_mean: [0, 1], running_var: [1, 4] };

  it("fromPyTorch: per channel, the unbiased running variance, PyTorch's eps and momentum; options win", () => {
    const bn = BatchNormalization.fromPyTorch(sd, { backend: 'js' });
    expect([bn.axis, bn.runningVarUnbiased, bn.eps, bn.momentum, bn.numBatchesTracked, bn.backend]).toEqual([1, true, 1e-5, 0.9, 0, 'js']);
    const over = BatchNormalization.fromPyTorch({ ...sd, eps: 1e-3 }, { axis: -1, runningVarUnbiased: false, backend: 'js' });
    expect([over.axis, over.runningVarUnbiased, over.eps]).toEqual([-1, false, 1e-3]);
    expectThrows(() => BatchNormalization.fromPyTorch(sd, null as never), TypeError, 'BatchNormalization.fromPyTorch: options must be an object; got null');
    expectThrows(() => BatchNormalization.fromPyTorch(5 as never), TypeError,
      'BatchNormalization.fromPyTorch: the argument must be an object { weight, bias, running_mean, running_var, num_batches_tracked?, momentum?, eps? }; got number 5');
  });

  it("fromKeras: the config's axis and epsilon; options win", () => {
    const weights = { gamma: [1, 2], beta: [0, 0.5], moving_mean: [0, 1], moving_variance: [1, 4] };
    const bn = BatchNormalization.fromKeras(weights, { axis: 1, epsilon: 0.01 }, { backend: 'js' });
    expect([bn.axis, bn.eps, bn.momentum, bn.backend]).toEqual([1, 0.01, 0.99, 'js']);
    const over = BatchNormalization.fromKeras(weights, { axis: 1, epsilon: 0.01 }, { axis: -1, eps: 0.5, backend: 'js' });
    expect([over.axis, over.eps]).toEqual([-1, 0.5]);
    expectThrows(() => BatchNormalization.fromKeras(weights, {}, 1 as never), TypeError, 'BatchNormalization.fromKeras: options must be an object; got number 1');
  });

  it('fromState: the state as saved, the backend alone chosen; a layer without running statistics comes back without them', () => {
    const saved = new BatchNormalization([1, 2], [0, 1], null, null, null, { backend: 'wasm', trackRunningStats: false, activation: 'relu6', axis: -1, eps: 0.25 });
    const again = BatchNormalization.fromState(saved.state(), { backend: 'js' });
    expect(again.backend).toBe('js');
    expect(again.state()).toEqual(saved.state());
    expect(again.trackRunningStats).toBe(false);
    expectThrows(() => BatchNormalization.fromState(saved.state(), { axis: 1 } as never), RangeError,
      'BatchNormalization.fromState: options has no key "axis" (options takes dtype, backend, collective, syncTimeoutMs)');
    expectThrows(() => BatchNormalization.fromState(7 as never), TypeError, 'BatchNormalization.fromState: state must be an object from state(); got number 7');
    saved.dispose();
  });

  it('fromState and fromPyTorch name what they refuse; what PyTorch leaves out takes its defaults', () => {
    const state = new BatchNormalization([1, 2], [0, 1], 0.9, null, null, { backend: 'js' }).state();
    expectThrows(() => BatchNormalization.fromState({ ...state, format: 'x' } as never), TypeError,
      'BatchNormalization.fromState: state.format must be "batchnorm-wasm/state@3" (or the older "batchnorm-wasm/state@2" or "batchnorm-wasm/state@1"); got the string "x"');
    expectThrows(() => BatchNormalization.fromState({ ...state, beta: undefined } as never), TypeError,
      'BatchNormalization.fromState: state.beta must be an array of numbers; got undefined');
    expectThrows(() => BatchNormalization.fromState(null as never), TypeError, 'BatchNormalization.fromState: state must be an object from state(); got null');
    expectThrows(() => BatchNormalization.fromPyTorch({}), TypeError,
      'BatchNormalization.fromPyTorch: at least one of weight, bias, running_mean, running_var must be an array; got none');
    expectThrows(() => BatchNormalization.fromPyTorch({ running_var: [1, 2] }), TypeError,
      'BatchNormalization.fromPyTorch: running_mean and running_var must be given together (or neither); got running_var only');
    expectThrows(() => BatchNormalization.fromPyTorch({ running_mean: [1, 2] }), TypeError,
      'BatchNormalization.fromPyTorch: running_mean and running_var must be given together (or neither); got running_mean only');
    expectThrows(() => BatchNormalization.fromPyTorch(null as never), TypeError,
      'BatchNormalization.fromPyTorch: the argument must be an object { weight, bias, running_mean, running_var, num_batches_tracked?, momentum?, eps? }; got null');
    for (const name of ['weight', 'bias', 'running_mean', 'running_var']) {
      const sd = { weight: [1, 2], bias: [0, 0], running_mean: [0, 0], running_var: [1, 1], [name]: [0, 'z'] };
      expectThrows(() => BatchNormalization.fromPyTorch(sd as never), TypeError, `BatchNormalization.fromPyTorch: ${name}[1] must be a number; got the string "z"`);
    }
    expectThrows(() => BatchNormalization.fromKeras({ moving_mean: ['q'], moving_variance: [1], gamma: [1], beta: [0] } as never), TypeError,
      'BatchNormalization.fromKeras: weights.moving_mean[0] must be a number; got the string "q"');
    // Running statistics alone (affine=False): gamma 1 and beta 0 of their length; PyTorch's momentum 0.1 and eps 1e-5.
    const bn = BatchNormalization.fromPyTorch({ running_mean: [0.5, -1, 2], running_var: [4, 1, 0.25] }, { backend: 'js' });
    expect([Array.from(bn.gamma), Array.from(bn.beta), bn.momentum, bn.eps, bn.numBatchesTracked]).toEqual([[1, 1, 1], [0, 0, 0], 0.9, 1e-5, 0]);
    // A layer that has seen no batch exports the book's start, zeros, as its running statistics.
    const fresh = new BatchNormalization([1, 2], [0, 1], 0.8, null, null, { backend: 'js' }).toPyTorch();
    expect([Array.from(fresh.running_mean!), Array.from(fresh.running_var!), fresh.num_batches_tracked, fresh.momentum]).toEqual([[0, 0], [0, 0], 0, 0.2]);
  });

  it('toKeras names itself in its refusals', () => {
    const bn = new BatchNormalization([1], [0], null, null, null, { backend: 'js' });
    expectThrows(() => bn.toKeras(), RangeError, "BatchNormalization.toKeras: the layer's momentum must be a number (Keras has no cumulative average); got null");
  });
});
