// Float64 layers on a threaded runtime: the rows split over two threads run the f64 twins of
// the row kernels (the protocol's op codes name them), and every layout agrees with the
// independent float64 reference to 1e-12; so do synchronized replicas whose rows go to the
// workers.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { currentRuntime } from '../src/init.js';
import { allocTensor, BatchNormalization, init, shutdown } from '../src/index.js';
import type { ThreadedRunner } from '../src/threads/threaded-runner.js';
import { scaledDistance } from './helpers/compare.js';
import { channelMap, refBackward, refInfer, refTrain, type RefOptions } from './helpers/general-reference.js';
import { randoms } from './helpers/random64.js';
import { inProcessGroup } from './helpers/sync-group.js';
import { THREAD_CASES } from './helpers/thread-cases.js';

beforeAll(async () => {
  expect(await init({ threads: 2 })).toEqual({ backend: 'wasm', simd: true, threads: 2 });
});

afterAll(() => shutdown());

const pool = () => (currentRuntime()!.threads as ThreadedRunner).pool;
const TOL = 1e-12;


describe('float64 on two threads', () => {
  for (const [name, shape, axis, relu] of THREAD_CASES) {
    it(`${name} [${shape}]: training forward, backward and inference, blocking and async, as float64 arithmetic`, async () => {
      const count = shape.reduce((a, b) => a * b, 1);
      const C = axis === 1 ? shape[1] : axis === -1 ? shape[shape.length - 1] : count / shape[0];
      const S = axis === undefined ? 1 : count / shape[0] / C;
      const channel = channelMap(shape[0], C, S, axis === -1 ? 'last' : 'first');
      const o: RefOptions = { activation: relu ? 'relu' : null, unbiased: false, momentum: 0.9, eps: 1e-6 };
      const gamma = randoms(C, 3, 1), beta = randoms(C, 4);
      const x = randoms(count, 1, 2, 3), dy = randoms(count, 2);
      const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { dtype: 'float64', axis, activation: o.activation });
      const run = vi.spyOn(pool(), 'run');
      const runAsync = vi.spyOn(pool(), 'runAsync');
      const zeros = new Float64Array(C);
      const t = refTrain(x, channel, C, gamma, beta, zeros, zeros, o);
      const r = refBackward(dy, channel, C, gamma, t, o);
      expect(scaledDistance(bn.forward({ data: x, shape }).data, t.y)).toBeLessThan(TOL);
      expect(scaledDistance(bn.backward({ data: dy, shape }).data, r.dx)).toBeLessThan(TOL);
      expect(scaledDistance(bn.dgamma!, r.dgamma)).toBeLessThan(TOL);
      expect(scaledDistance(bn.forward({ data: x, shape }, false).data, refInfer(x, channel, gamma, beta, t.runningMean, t.runningVar, o))).toBeLessThan(TOL);
      const t2 = refTrain(x, channel, C, gamma, beta, t.runningMean, t.runningVar, o);
      expect(scaledDistance((await bn.forwardAsync({ data: x, shape })).data, t2.y)).toBeLessThan(TOL);
      expect(scaledDistance(bn.runningVar!, t2.runningVar)).toBeLessThan(TOL);
      expect(scaledDistance((await bn.backwardAsync({ data: dy, shape })).data, r.dx)).toBeLessThan(TOL);
      // The steps went to the workers, as the f64 kernels.
      const ops = [...run.mock.calls, ...runAsync.mock.calls].flatMap((c) => c[0].flatMap((job) => (job ? [job.op] : [])));
      expect(new Set(ops)).toEqual(new Set(['statsF64', 'normalizeF64', 'backwardReduceF64', 'backwardApplyF64']));
      run.mockRestore();
      runAsync.mockRestore();
      bn.dispose();
    });
  }

  it('with float64 Wasm tensors in and out, inference in place', () => {
    const shape = [256, 1024];
    const x = allocTensor(shape, 'float64');
    const data = randoms(256 * 1024, 5, 1, 2);
    x.data.set(data);
    const y = allocTensor(shape, 'float64');
    const gamma = randoms(1024, 6, 1), beta = randoms(1024, 7);
    const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { dtype: 'float64' });
    const channel = channelMap(256, 1024, 1, 'first');
    const o: RefOptions = { activation: null, unbiased: false, momentum: 0.9, eps: 1e-6 };
    const zeros = new Float64Array(1024);
    const t = refTrain(data, channel, 1024, gamma, beta, zeros, zeros, o);
    expect(bn.forward(x, true, y)).toBe(y);
    expect(scaledDistance(y.data, t.y)).toBeLessThan(TOL);
    bn.forward(x, false, x);
    expect(scaledDistance(x.data, refInfer(data, channel, gamma, beta, t.runningMean, t.runningVar, o))).toBeLessThan(TOL);
    for (const d of [x, y, bn]) d.dispose();
  });
});

describe('synchronized float64 replicas on a threaded runtime', () => {
  it('two replicas train as one float64 layer over the whole batch', async () => {
    const shape = [400, 6, 7, 8];
    const C = 6, per = 6 * 7 * 8;
    const whole = 800 * per;
    const x = randoms(whole, 7, 2, 3), dy = randoms(whole, 8);
    const gamma = randoms(C, 3, 1), beta = randoms(C, 4);
    const replicas = inProcessGroup(2).map((collective) => new BatchNormalization(gamma.slice(), beta.slice(), 0.9, null, null, { dtype: 'float64', axis: 1, collective }));
    const half = (a: Float64Array, r: number) => ({ data: a.subarray(r * 400 * per, (r + 1) * 400 * per), shape });
    const ys = await Promise.all(replicas.map((bn, r) => bn.forwardAsync(half(x, r))));
    const dxs = await Promise.all(replicas.map((bn, r) => bn.backwardAsync(half(dy, r))));
    const channel = channelMap(800, C, 56, 'first');
    const o: RefOptions = { activation: null, unbiased: false, momentum: 0.9, eps: 1e-6 };
    const zeros = new Float64Array(C);
    const t = refTrain(x, channel, C, gamma, beta, zeros, zeros, o);
    const r = refBackward(dy, channel, C, gamma, t, o);
    ys.forEach((y, k) => expect(scaledDistance(y.data, t.y.subarray(k * 400 * per, (k + 1) * 400 * per))).toBeLessThan(TOL));
    dxs.forEach((d, k) => expect(scaledDistance(d.data, r.dx.subarray(k * 400 * per, (k + 1) * 400 * per))).toBeLessThan(TOL));
    for (const bn of replicas) {
      expect(bn.runningVar).toBeInstanceOf(Float64Array);
      expect(scaledDistance(bn.runningVar!, t.runningVar)).toBeLessThan(TOL);
      bn.dispose();
    }
  });
});
