// PyTorch's state formats beyond the plain momentum: momentum None (the cumulative moving
// average driven by num_batches_tracked) and track_running_stats=False (no running
// statistics: batch statistics in both modes). Expected values come from PyTorch's
// documented formulas (torch.nn.BatchNorm2d and _BatchNorm.forward), written out below in
// float64, never from the layer's own output.
import { beforeAll, describe, expect, it } from 'vitest';
import { allocTensor, BatchNormalization, init, type BatchNormState } from '../src/index.js';
import { expectClose as close } from './helpers/expect-close.js';
import { seeded } from './helpers/seeded.js';

beforeAll(async () => {
  await init();
});

// PyTorch's BatchNorm2d over x of shape [N, C, H, W], in float64:
//   mean_c = E[x], var_c = E[(x - mean_c)^2] over N, H, W (biased, for normalising),
//   y = (x - mean) / sqrt(var + eps) * weight + bias;
//   in training (track_running_stats): num_batches_tracked += 1, then with
//   f = momentum, or 1 / num_batches_tracked when momentum is None,
//   running = (1 - f) * running + f * batch, the variance unbiased (n / (n - 1)).
interface Moments { mean: number[]; variance: number[]; n: number }

function moments(x: ArrayLike<number>, [N, C, H, W]: number[]): Moments {
  const n = N * H * W;
  const mean = Array.from({ length: C }, () => 0);
  const variance = Array.from({ length: C }, () => 0);
  const each = (f: (c: number, v: number) => void) => {
    for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) for (let s = 0; s < H * W; s++) f(c, x[(i * C + c) * H * W + s]);
  };
  each((c, v) => { mean[c] += v / n; });
  each((c, v) => { variance[c] += (v - mean[c]) ** 2 / n; });
  return { mean, variance, n };
}

function normalise(x: ArrayLike<number>, [N, C, H, W]: number[], mean: number[], variance: number[], weight: number[], bias: number[], eps: number): number[] {
  return Array.from(x, (v, i) => {
    const c = Math.floor(i / (H * W)) % C;
    return ((v - mean[c]) / Math.sqrt(variance[c] + eps)) * weight[c] + bias[c];
  });
}

// Autograd through the batch statistics (what PyTorch differentiates in training, and in
// eval without running statistics): with xhat = (x - mean) / sqrt(var + eps), per channel,
//   dx = weight / sqrt(var + eps) * (dy - mean(dy) - xhat * mean(dy * xhat)).
function batchStatsBackward(x: ArrayLike<number>, dy: ArrayLike<number>, shape: number[], weight: number[], eps: number): number[] {
  const [, C, H, W] = shape;
  const { mean, variance, n } = moments(x, shape);
  const channel = (i: number) => Math.floor(i / (H * W)) % C;
  const xhat = Array.from(x, (v, i) => (v - mean[channel(i)]) / Math.sqrt(variance[channel(i)] + eps));
  const sumDy = Array.from({ length: C }, () => 0);
  const sumDyXhat = Array.from({ length: C }, () => 0);
  for (let i = 0; i < x.length; i++) {
    sumDy[channel(i)] += dy[i];
    sumDyXhat[channel(i)] += dy[i] * xhat[i];
  }
  return Array.from(x, (_, i) => {
    const c = channel(i);
    return (weight[c] / Math.sqrt(variance[c] + eps)) * (dy[i] - sumDy[c] / n - (xhat[i] * sumDyXhat[c]) / n);
  });
}

const weight = [1.5, -0.5, 2];
const bias = [0.1, 0.2, -0.3];
const eps = 1e-5;
// Batches of different sizes and statistics, so that a wrong weighting shows.
const shapes = [[2, 3, 2, 2], [3, 3, 2, 2], [5, 3, 1, 2], [1, 3, 3, 1]];
const batches = shapes.map((shape, k) => ({ shape, data: seeded(shape.reduce((a, b) => a * b), 17 + k, k - 1.5, 1 + k) }));

describe.each(['wasm', 'js'] as const)('momentum None (the cumulative moving average) on %s', (backend) => {
  it('weighs the batch that makes the count n by 1/n, from the count the state_dict had', () => {
    const start = { mean: [0.5, -1, 2], variance: [2, 0.5, 1] };
    const bn = BatchNormalization.fromPyTorch({
      weight, bias, running_mean: start.mean, running_var: start.variance, num_batches_tracked: 3, momentum: null, eps,
    }, { backend });
    expect(bn.momentum).toBeNull();
    expect(bn.numBatchesTracked).toBe(3);
    let tracked = 3;
    const running = { mean: [...start.mean], variance: [...start.variance] };
    for (const { shape, data } of batches) {
      const m = moments(data, shape);
      close(bn.forward({ data, shape }).data, normalise(data, shape, m.mean, m.variance, weight, bias, eps));
      tracked += 1;
      const f = 1 / tracked;
      for (let c = 0; c < 3; c++) {
        running.mean[c] = (1 - f) * running.mean[c] + f * m.mean[c];
        running.variance[c] = (1 - f) * running.variance[c] + f * m.variance[c] * (m.n / (m.n - 1));
      }
      const sd = bn.toPyTorch();
      expect(sd.num_batches_tracked).toBe(tracked);
      expect(sd.momentum).toBeNull();
      close(sd.running_mean!, running.mean);
      close(sd.running_var!, running.variance);
    }
    bn.dispose();
  });

  it('from num_batches_tracked 0 the running statistics are the plain averages of the batches', () => {
    const bn = BatchNormalization.fromPyTorch({ weight, bias, running_mean: [9, 9, 9], running_var: [9, 9, 9], momentum: null }, { backend });
    expect(bn.numBatchesTracked).toBe(0); // absent: 0, as PyTorch loads an old state_dict
    const all = batches.map(({ shape, data }) => moments(data, shape));
    for (const { shape, data } of batches) bn.forward({ data, shape });
    // The first batch replaces the 9s entirely; then each mean is the average of the batches'.
    const average = (pick: (m: Moments) => number) => all.reduce((s, m) => s + pick(m), 0) / all.length;
    close(bn.runningMean!, [0, 1, 2].map((c) => average((m) => m.mean[c])));
    close(bn.runningVar!, [0, 1, 2].map((c) => average((m) => (m.variance[c] * m.n) / (m.n - 1))));
    expect(bn.numBatchesTracked).toBe(batches.length);
    bn.dispose();
  });

  it('the constructor takes momentum null; inference, failed calls and backward do not count', () => {
    const bn = new BatchNormalization(weight, bias, null, null, null, { backend, axis: 1, numBatchesTracked: 5 });
    const { shape, data } = batches[0];
    expect(bn.numBatchesTracked).toBe(5);
    expect(bn.trackRunningStats).toBe(true);
    bn.forward({ data, shape });
    expect(bn.numBatchesTracked).toBe(6);
    // The book's start (zeros) weighs 5/6, the batch 1/6.
    const m = moments(data, shape);
    close(bn.runningMean!, m.mean.map((v) => v / 6));
    bn.forward({ data, shape }, false);
    bn.backward({ data: seeded(data.length, 3), shape });
    expect(() => bn.forward({ data, shape: [2, 4, 2, 2] })).toThrow(RangeError);
    expect(bn.numBatchesTracked).toBe(6);
    bn.dispose();
  });
});

describe.each(['wasm', 'js'] as const)('num_batches_tracked on %s', (backend) => {
  const sd = { weight, bias, running_mean: [0, 0, 0], running_var: [1, 1, 1], momentum: 0.1, eps };

  it('counts every training forward with a momentum too, and travels through toPyTorch, state() and fromState()', () => {
    const bn = BatchNormalization.fromPyTorch({ ...sd, num_batches_tracked: 41 }, { backend });
    const { shape, data } = batches[1];
    bn.forward({ data, shape });
    bn.forward({ data, shape });
    expect(bn.numBatchesTracked).toBe(43);
    const exported = bn.toPyTorch();
    expect(Object.keys(exported)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked', 'momentum', 'eps']);
    expect(exported.num_batches_tracked).toBe(43);
    const again = BatchNormalization.fromPyTorch(exported, { backend });
    expect(again.numBatchesTracked).toBe(43);
    const state = JSON.parse(JSON.stringify(bn.state())) as BatchNormState;
    expect(state.format).toBe('batchnorm-wasm/state@3');
    expect(state.numBatchesTracked).toBe(43);
    const restored = BatchNormalization.fromState(state, { backend });
    expect(restored.state()).toEqual(bn.state());
    for (const layer of [bn, again, restored]) layer.dispose();
  });

  it('accepts the forms a 0-dim int64 tensor arrives in: a number, a BigInt, a one-element array', () => {
    for (const n of [7, 7n, [7], BigInt64Array.of(7n), Float64Array.of(7)]) {
      expect(BatchNormalization.fromPyTorch({ ...sd, num_batches_tracked: n }, { backend }).numBatchesTracked).toBe(7);
    }
  });

  it('refuses what is no count, naming num_batches_tracked', () => {
    const bad: Array<[unknown, ErrorConstructor, RegExp]> = [
      [-1, RangeError, /fromPyTorch: num_batches_tracked must be an integer >= 0 \(a number, a BigInt or a one-element array\); got number -1/],
      [1.5, RangeError, /num_batches_tracked must be an integer >= 0 .*; got number 1\.5/],
      [2n ** 60n, RangeError, /num_batches_tracked must be an integer >= 0 .*; got number 1152921504606847000/],
      ['7', TypeError, /num_batches_tracked must be an integer >= 0 .*; got the string "7"/],
      [[1, 2], TypeError, /num_batches_tracked must be .*; got an Array of length 2/],
    ];
    for (const [n, error, message] of bad) {
      const call = () => BatchNormalization.fromPyTorch({ ...sd, num_batches_tracked: n as never }, { backend });
      expect(call).toThrow(error);
      expect(call).toThrow(message);
    }
    expect(() => new BatchNormalization([1], [0], 0.9, null, null, { numBatchesTracked: -2 })).toThrow(/new BatchNormalization: options\.numBatchesTracked must be an integer >= 0; got number -2/);
    expect(() => new BatchNormalization([1], [0], 0.9, null, null, { numBatchesTracked: '1' as never })).toThrow(TypeError);
  });

  it('reads a state of the first format (no counter, running statistics): counted from 0', () => {
    const old = {
      format: 'batchnorm-wasm/state@1', gamma: [1, 2], beta: [0, 1], runningMean: [0.5, 1], runningVar: [2, 3],
      momentum: 0.8, eps: 1e-3, axis: 1, activation: null, runningVarUnbiased: true,
    };
    const bn = BatchNormalization.fromState(old as never, { backend });
    expect(bn.trackRunningStats).toBe(true);
    expect(bn.numBatchesTracked).toBe(0);
    expect(Array.from(bn.runningVar!)).toEqual([2, 3]);
    expect(bn.state()).toEqual({ ...old, format: 'batchnorm-wasm/state@3', dtype: 'float32', trackRunningStats: true, numBatchesTracked: 0 });
    bn.dispose();
    // The format decides: @1 has no counter nor trackRunningStats, so keys of those names are not read as them.
    const odd = BatchNormalization.fromState({ ...old, trackRunningStats: false, numBatchesTracked: 5 } as never, { backend });
    expect([odd.trackRunningStats, odd.numBatchesTracked]).toEqual([true, 0]);
    odd.dispose();
  });

  it('reads a state of the second format (no dtype): a float32 layer with its counter', () => {
    const old = {
      format: 'batchnorm-wasm/state@2', gamma: [1, 2], beta: [0, 1], runningMean: [0.5, 1], runningVar: [2, 3],
      momentum: 0.8, eps: 1e-3, axis: 1, activation: null, runningVarUnbiased: true, trackRunningStats: true, numBatchesTracked: 4,
    };
    const bn = BatchNormalization.fromState(old as never, { backend });
    expect(bn.dtype).toBe('float32');
    expect(bn.numBatchesTracked).toBe(4);
    expect(bn.state()).toEqual({ ...old, format: 'batchnorm-wasm/state@3', dtype: 'float32' });
    bn.dispose();
  });

  it('names state.dtype when the current format has none, or one that is no dtype', () => {
    const layer = new BatchNormalization([1, 2], [0, 1], 0.9, null, null, { backend });
    const state = layer.state();
    layer.dispose();
    for (const dtype of [undefined, 'float16']) {
      expect(() => BatchNormalization.fromState({ ...state, dtype } as never, { backend })).toThrow(/state\.dtype/);
    }
  });

  it('toPyTorch gives copies: writing into them leaves the layer as it was', () => {
    const gamma = new Float32Array([1, 2]), beta = new Float32Array([0, 1]);
    const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend });
    bn.forward({ data: new Float32Array([1, 2, 3, 5]), shape: [2, 2] });
    const before = [Array.from(bn.gamma), Array.from(bn.beta), Array.from(bn.runningMean!), Array.from(bn.runningVar!)];
    const sd = bn.toPyTorch();
    for (const a of [sd.weight, sd.bias, sd.running_mean!, sd.running_var!]) a.fill(99);
    expect([Array.from(bn.gamma), Array.from(bn.beta), Array.from(bn.runningMean!), Array.from(bn.runningVar!)]).toEqual(before);
    bn.dispose();
  });
});

describe.each(['wasm', 'js'] as const)('track_running_stats=False on %s', (backend) => {
  const [shape, data] = [batches[2].shape, batches[2].data];
  const m = moments(data, shape);
  const batchY = normalise(data, shape, m.mean, m.variance, weight, bias, eps);

  it('a state_dict without running statistics normalises with the batch statistics in both modes', () => {
    const bn = BatchNormalization.fromPyTorch({ weight, bias, momentum: 0.1, eps }, { backend });
    expect(bn.trackRunningStats).toBe(false);
    expect(bn.numBatchesTracked).toBeNull();
    close(bn.forward({ data, shape }, false).data, batchY); // eval: no running statistics to use
    close(bn.forward({ data, shape }, true).data, batchY);
    close(bn.forward({ data, shape }, false).data, batchY); // the training forward left nothing behind
    expect(bn.runningMean).toBeNull();
    expect(bn.runningVar).toBeNull();
    expect(bn.numBatchesTracked).toBeNull();
    bn.dispose();
  });

  it('backward after an inference forward differentiates through the batch statistics, as autograd does', () => {
    const bn = BatchNormalization.fromPyTorch({ weight, bias, eps }, { backend });
    const dy = seeded(data.length, 99);
    bn.forward({ data: batches[0].data, shape: batches[0].shape }, true);
    bn.forward({ data, shape }, false); // the last forward is what backward differentiates
    close(bn.backward({ data: dy, shape }).data, batchStatsBackward(data, dy, shape, weight, eps), 2e-5);
    bn.dispose();
  });

  it('toPyTorch leaves out the running statistics and the counter, as the state_dict does; both round trips hold', () => {
    const bn = new BatchNormalization(weight, bias, 0.9, null, null, { backend, axis: 1, eps, trackRunningStats: false });
    const sd = bn.toPyTorch();
    expect(Object.keys(sd)).toEqual(['weight', 'bias', 'momentum', 'eps']);
    const back = BatchNormalization.fromPyTorch(sd, { backend });
    expect(back.trackRunningStats).toBe(false);
    close(back.forward({ data, shape }, false).data, batchY);
    const state = JSON.parse(JSON.stringify(bn.state())) as BatchNormState;
    expect(state).toMatchObject({ trackRunningStats: false, numBatchesTracked: null, runningMean: null, runningVar: null });
    const restored = BatchNormalization.fromState(state, { backend });
    expect(restored.trackRunningStats).toBe(false);
    close(restored.forward({ data, shape }, false).data, batchY);
    for (const layer of [bn, back, restored]) layer.dispose();
  });

  it('foldInto refuses, toKeras refuses, and the layer is left as it was', () => {
    const bn = BatchNormalization.fromPyTorch({ weight, bias, eps }, { backend });
    bn.forward({ data, shape }, false);
    const before = bn.state();
    expect(() => bn.foldInto({ data: new Float32Array(6), shape: [2, 3] })).toThrow(TypeError);
    expect(() => bn.foldInto({ data: new Float32Array(6), shape: [2, 3] })).toThrow(/foldInto: the layer keeps no running statistics \(trackRunningStats false\)/);
    expect(() => bn.toKeras()).toThrow(/toKeras: the layer's trackRunningStats must be true \(Keras keeps moving statistics\); got false/);
    expect(bn.state()).toEqual(before);
    close(bn.backward({ data: seeded(data.length, 5), shape }).data, batchStatsBackward(data, seeded(data.length, 5), shape, weight, eps), 2e-5);
    bn.dispose();
  });

  it('refuses running statistics or a counter together with trackRunningStats false', () => {
    expect(() => new BatchNormalization([1], [0], 0.9, [0], [1], { trackRunningStats: false }))
      .toThrow(/new BatchNormalization: runningMean and runningVar must be left out when options\.trackRunningStats is false/);
    expect(() => new BatchNormalization([1], [0], 0.9, null, null, { trackRunningStats: false, numBatchesTracked: 2 })).toThrow(/options\.numBatchesTracked must be left out/);
    expect(() => new BatchNormalization([1], [0], 0.9, null, null, { trackRunningStats: 'no' as never })).toThrow(/options\.trackRunningStats must be a boolean; got the string "no"/);
    expect(() => BatchNormalization.fromPyTorch({ weight: [1], bias: [0], running_mean: [0] }))
      .toThrow(/fromPyTorch: running_mean and running_var must be given together \(or neither\); got running_mean only/);
    expect(() => BatchNormalization.fromPyTorch({ weight: [1], bias: [0], num_batches_tracked: 3 })).toThrow(/fromPyTorch: num_batches_tracked needs running_mean and running_var/);
    expect(() => new BatchNormalization([1], [0], 0.9, null, null, { track_running_stats: false } as never)).toThrow(/did you mean trackRunningStats\?/);
  });
});

describe('track_running_stats=False with Wasm tensors', () => {
  it('an inference forward in place keeps the input backward needs', () => {
    const shape = batches[3].shape;
    const x = allocTensor(shape);
    x.data.set(batches[3].data);
    const bn = BatchNormalization.fromPyTorch({ weight, bias, eps }, { backend: 'wasm' });
    const m = moments(batches[3].data, shape);
    bn.forward(x, false, x);
    close(x.data, normalise(batches[3].data, shape, m.mean, m.variance, weight, bias, eps));
    const dy = seeded(x.length, 8);
    close(bn.backward({ data: dy, shape }).data, batchStatsBackward(batches[3].data, dy, shape, weight, eps), 2e-5);
    bn.dispose();
    x.dispose();
  });
});
