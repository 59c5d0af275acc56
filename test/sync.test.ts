// Synchronized batch norm (options.collective): K replicas with uneven rows train as one layer
// on the concatenated batch would, over several steps with an optimiser's update between them,
// then infer. Checked against that one layer and against the float64 reference, on both
// backends and every layout; the documented rule for dgamma and dbeta (each replica's own, so
// that their sum is the whole batch's); the same bits on every replica; and what a failing
// collective leaves behind: an error naming it, and the layer as it was.
import { beforeAll, describe, expect, it } from 'vitest';
import { allocTensor, BatchNormalization, init, messagePortCollective, type BatchNormalizationOptions, type Collective, type TensorLike } from '../src/index.js';
import { MessageChannel } from 'node:worker_threads';
import { scaledDistance } from './helpers/compare.js';
import { channelMap, refBackward, refInfer, refTrain, type RefOptions } from './helpers/general-reference.js';
import { seeded } from './helpers/seeded.js';
import { inProcessGroup } from './helpers/sync-group.js';

beforeAll(async () => {
  await init();
});

// The row counts of each group size: uneven, one replica with a single row.
const ROWS: Record<number, number[]> = { 1: [12], 2: [3, 10], 3: [5, 1, 9], 4: [7, 8, 1, 16] };

interface Layout {
  name: string;
  axis: 1 | -1 | undefined;
  inner: number[]; // the shape after N
  C: number;
  channels: 'first' | 'last';
}
const LAYOUTS: Layout[] = [
  { name: 'book [N, D]', axis: undefined, inner: [6], C: 6, channels: 'first' },
  { name: 'book [N, C, H, W]', axis: undefined, inner: [2, 3, 2], C: 12, channels: 'first' },
  { name: 'NCHW, axis 1', axis: 1, inner: [3, 2, 5], C: 3, channels: 'first' },
  { name: 'NHWC, axis -1', axis: -1, inner: [2, 3, 5], C: 5, channels: 'last' },
];

const slice = (a: ArrayLike<number>, from: number, to: number) => Float64Array.from({ length: to - from }, (_, i) => a[from + i]);
const sum = (arrays: ArrayLike<number>[]) => Float64Array.from({ length: arrays[0].length }, (_, i) => arrays.reduce((s, a) => s + a[i], 0));
const bitsEqual = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

describe.each(['wasm', 'js'] as const)('%s backend', (backend) => {
  describe.each(LAYOUTS)('$name', (layout) => {
    it.each([1, 2, 3, 4])('%i replicas train as one layer on the whole batch, then infer', async (K) => {
      const rows = ROWS[K];
      const N = rows.reduce((a, b) => a + b);
      const per = layout.inner.reduce((a, b) => a * b);
      const C = layout.C;
      const S = per / C;
      const options: BatchNormalizationOptions = { backend, axis: layout.axis, activation: 'relu', runningVarUnbiased: true, eps: 1e-5 };
      const ref: RefOptions = { activation: 'relu', unbiased: true, momentum: 0.9, eps: 1e-5 };
      let gamma = Float64Array.from(seeded(C, 1, 1, 1));
      let beta = Float64Array.from(seeded(C, 2));
      let runningMean = new Float64Array(C);
      let runningVar = new Float64Array(C);
      const one = new BatchNormalization(Float32Array.from(gamma), Float32Array.from(beta), 0.9, null, null, options);
      const group = inProcessGroup(K);
      const replicas = group.map((collective) => new BatchNormalization(Float32Array.from(gamma), Float32Array.from(beta), 0.9, null, null, { ...options, collective }));
      const starts = rows.map((_, r) => rows.slice(0, r).reduce((a, b) => a + b, 0) * per);
      const shard = (a: Float32Array, r: number): TensorLike => ({ data: a.subarray(starts[r], starts[r] + rows[r] * per), shape: [rows[r], ...layout.inner] });
      const channel = channelMap(N, C, S, layout.channels);
      for (let step = 0; step < 3; step++) {
        const x = seeded(N * per, 10 + step, 2 + step, 3);
        const dy = seeded(N * per, 20 + step);
        const ys = await Promise.all(replicas.map((bn, r) => bn.forwardAsync(shard(x, r))));
        const y1 = one.forward({ data: x, shape: [N, ...layout.inner] });
        const t = refTrain(x, channel, C, gamma, beta, runningMean, runningVar, ref);
        const dxs = await Promise.all(replicas.map((bn, r) => bn.backwardAsync(shard(dy, r))));
        const dx1 = one.backward({ data: dy, shape: [N, ...layout.inner] });
        const b = refBackward(dy, channel, C, gamma, t, ref);
        ys.forEach((y, r) => {
          const at = starts[r];
          expect(scaledDistance(y.data, slice(y1.data, at, at + y.data.length)), `y of replica ${r}, step ${step}`).toBeLessThan(1e-6);
          expect(scaledDistance(y.data, slice(t.y, at, at + y.data.length)), `y of replica ${r} vs float64`).toBeLessThan(2e-6);
          expect(scaledDistance(dxs[r].data, slice(dx1.data, at, at + y.data.length)), `dx of replica ${r}, step ${step}`).toBeLessThan(1e-6);
          expect(scaledDistance(dxs[r].data, slice(b.dx, at, at + y.data.length)), `dx of replica ${r} vs float64`).toBeLessThan(4e-6);
        });
        // The running statistics: the same bits on every replica, the whole batch's update.
        for (const bn of replicas) {
          expect(bitsEqual(bn.runningMean!, replicas[0].runningMean!) && bitsEqual(bn.runningVar!, replicas[0].runningVar!)).toBe(true);
          expect(bn.numBatchesTracked).toBe(step + 1);
        }
        expect(scaledDistance(replicas[0].runningMean!, one.runningMean!)).toBeLessThan(1e-6);
        expect(scaledDistance(replicas[0].runningVar!, one.runningVar!)).toBeLessThan(1e-6);
        expect(scaledDistance(replicas[0].runningVar!, t.runningVar)).toBeLessThan(2e-6);
        // dgamma and dbeta are each replica's own: they add up to the whole batch's.
        const dgamma = sum(replicas.map((bn) => bn.dgamma!));
        const dbeta = sum(replicas.map((bn) => bn.dbeta!));
        expect(scaledDistance(dgamma, one.dgamma!)).toBeLessThan(2e-6);
        expect(scaledDistance(dbeta, one.dbeta!)).toBeLessThan(2e-6);
        expect(scaledDistance(dgamma, b.dgamma)).toBeLessThan(4e-6);
        if (K > 1) expect(scaledDistance(replicas[0].dgamma!, one.dgamma!), 'one replica\'s dgamma is not the whole batch\'s').toBeGreaterThan(1e-3);
        // The optimiser's step, as after an all-reduce of the gradients: the same on every layer.
        gamma = gamma.map((g, c) => Math.fround(g - 0.1 * dgamma[c]));
        beta = beta.map((v, c) => Math.fround(v - 0.1 * dbeta[c]));
        for (const bn of [one, ...replicas]) {
          bn.gamma.set(gamma);
          bn.beta.set(beta);
        }
        runningMean = Float64Array.from(replicas[0].runningMean!);
        runningVar = Float64Array.from(replicas[0].runningVar!);
      }
      // Inference needs no exchange: blocking, on each replica's own rows.
      const x = seeded(N * per, 99, 1, 2);
      const expected = refInfer(x, channel, gamma, beta, runningMean, runningVar, ref);
      replicas.forEach((bn, r) => {
        const y = bn.forward(shard(x, r), false);
        expect(scaledDistance(y.data, slice(expected, starts[r], starts[r] + y.data.length))).toBeLessThan(2e-6);
      });
      for (const bn of [one, ...replicas]) bn.dispose();
    });
  });
});

describe('failures: an error naming the collective, and the layer exactly as it was', () => {
  const C = 4;
  const shape = [3, C];
  const x0 = { data: seeded(12, 1, 1, 2), shape };
  const x1 = { data: seeded(12, 2, 3, 2), shape };
  const dy = { data: seeded(12, 3), shape };

  // A layer of a group of one that trained once, and what it holds.
  async function trained(backend: 'wasm' | 'js', collective: Collective, syncTimeoutMs?: number) {
    let fail = false;
    const wrapped: Collective = { rank: collective.rank, size: collective.size, allGather: (l, o) => (fail ? failing(l, o) : collective.allGather(l, o)) };
    let failing: Collective['allGather'] = () => Promise.reject(new Error('unset'));
    const bn = new BatchNormalization(seeded(C, 4, 1), seeded(C, 5), 0.9, null, null, { backend, collective: wrapped, syncTimeoutMs });
    await bn.forwardAsync(x0);
    await bn.backwardAsync(dy);
    const before = { mean: Float32Array.from(bn.runningMean!), variance: Float32Array.from(bn.runningVar!), count: bn.numBatchesTracked, dgamma: bn.dgamma, dx: (await bn.backwardAsync(dy)).data };
    return {
      bn,
      failWith(f: Collective['allGather']) {
        fail = true;
        failing = f;
      },
      async unchanged() {
        fail = false;
        expect(Array.from(bn.runningMean!)).toEqual(Array.from(before.mean));
        expect(Array.from(bn.runningVar!)).toEqual(Array.from(before.variance));
        expect(bn.numBatchesTracked).toBe(before.count);
        // backward still differentiates the forward before the failure, with the same dx.
        expect(Array.from((await bn.backwardAsync(dy)).data)).toEqual(Array.from(before.dx));
      },
    };
  }
  const solo = (): Collective => ({ rank: 0, size: 1, allGather: async (l) => [l] });

  describe.each(['wasm', 'js'] as const)('%s backend', (backend) => {
    it('a collective that rejects, in forward and in backward', async () => {
      const t = await trained(backend, solo());
      t.failWith(() => Promise.reject(new Error('peer 2 disconnected')));
      await expect(t.bn.forwardAsync(x1)).rejects.toThrow('BatchNormalization.forwardAsync: options.collective.allGather rejected: peer 2 disconnected');
      await t.unchanged();
      const dgamma = t.bn.dgamma;
      t.failWith(() => Promise.reject(new Error('peer 2 disconnected')));
      await expect(t.bn.backwardAsync(dy)).rejects.toThrow('BatchNormalization.backwardAsync: options.collective.allGather rejected: peer 2 disconnected');
      expect(t.bn.dgamma).toBe(dgamma);
      await t.unchanged();
      t.bn.dispose();
    });

    it('a failed forward on a larger batch keeps the smaller batch it would replace, through later allocations', async () => {
      // The forward grows its buffers before the exchange; the copy of x0 that backward needs
      // must not be among them: freed, its block would go to the next allocation.
      const t = await trained(backend, solo());
      t.failWith(() => Promise.reject(new Error('peer 2 disconnected')));
      await expect(t.bn.forwardAsync({ data: seeded(40 * C, 6, 1, 2), shape: [40, C] })).rejects.toThrow(/allGather rejected: peer 2 disconnected/);
      const junk = Array.from({ length: 8 }, () => {
        const j = allocTensor(shape);
        j.data.fill(1e30);
        return j;
      });
      await t.unchanged();
      for (const j of junk) j.dispose();
      t.bn.dispose();
    });

    it('a collective that hangs past the caller\'s timeout', async () => {
      const t = await trained(backend, solo(), 40);
      let signal: AbortSignal | undefined;
      t.failWith((_, o) => { signal = o.signal; return new Promise(() => {}); });
      await expect(t.bn.forwardAsync(x1)).rejects.toThrow('BatchNormalization.forwardAsync: options.collective.allGather did not settle within 40 ms (options.syncTimeoutMs)');
      expect(signal?.aborted).toBe(true);
      await t.unchanged();
      t.bn.dispose();
    });

    it('a collective that answers with the wrong count or length', async () => {
      const t = await trained(backend, solo());
      t.failWith(async (l) => [l, l]);
      await expect(t.bn.forwardAsync(x1)).rejects.toThrow(/forwardAsync: options\.collective\.allGather resolved with 2 arrays; expected 1 \(collective\.size\)/);
      await t.unchanged();
      t.failWith(async (l) => [l.subarray(0, 5)]);
      await expect(t.bn.forwardAsync(x1)).rejects.toThrow(/forwardAsync: options\.collective\.allGather resolved with an array of length 5 for replica 0; expected 11/);
      await t.unchanged();
      t.bn.dispose();
    });
  });

  it('no replica waits on a peer that failed: its abort reaches the others at once', async () => {
    const K = 3;
    const ports = Array.from({ length: K }, () => new Array(K).fill(null));
    for (let a = 0; a < K; a++) {
      for (let b = a + 1; b < K; b++) {
        const { port1, port2 } = new MessageChannel();
        [ports[a][b], ports[b][a]] = [port1, port2];
      }
    }
    const collectives = ports.map((p, rank) => messagePortCollective({ rank, ports: p }));
    // Replica 2 never calls (its own input was bad, say); replica 0 gives up after 50 ms.
    const layers = collectives.slice(0, 2).map((collective, r) => new BatchNormalization(new Float32Array(C).fill(1), new Float32Array(C), 0.9, null, null,
      { backend: 'js', collective, syncTimeoutMs: r === 0 ? 50 : 60_000 }));
    const started = performance.now();
    const results = await Promise.allSettled(layers.map((bn) => bn.forwardAsync(x0)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason.message).toMatch(/allGather rejected: replica 0 gave up round 1/);
    expect(performance.now() - started).toBeLessThan(30_000); // not replica 1's 60 s
    for (const bn of layers) expect(bn.runningMean).toBeNull();
    collectives.forEach((c) => c.close());
  });
});

describe('the blocking forms, and the option', () => {
  it('a training forward and its backward need the async forms; inference does not', async () => {
    const bn = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { backend: 'js', collective: { rank: 0, size: 1, allGather: async (l) => [l] } });
    const x = { data: [1, 2, 3, 5], shape: [2, 2] };
    expect(() => bn.forward(x)).toThrow(new TypeError('BatchNormalization.forward: a training forward of a layer with options.collective exchanges with the other replicas; call forwardAsync (forward(x, false) infers without the collective)'));
    expect(bn.runningMean).toBeNull();
    await bn.forwardAsync(x);
    expect(() => bn.backward(x)).toThrow(new TypeError('BatchNormalization.backward: the last training forward exchanged with the other replicas (options.collective), and so does its backward; call backwardAsync'));
    expect(Array.from(bn.forward(x, false).data).every(Number.isFinite)).toBe(true);
    await bn.backwardAsync(x);
    bn.dispose();
  });

  it('forwardAsync(x, false) of a layer without running statistics normalizes by its own batch, as forward(x, false) does: no exchange', async () => {
    const collective: Collective = { rank: 0, size: 2, allGather: async () => { throw new Error('an inference exchanged'); } };
    const x = { data: [1, 2, 3, 5, 4, 0], shape: [3, 2] };
    for (const backend of ['wasm', 'js'] as const) {
      const bn = new BatchNormalization([1, 2], [0, 1], 0.9, null, null, { backend, collective, trackRunningStats: false });
      const local = new BatchNormalization([1, 2], [0, 1], 0.9, null, null, { backend, trackRunningStats: false });
      const y = await bn.forwardAsync(x, false);
      expect(Array.from(y.data)).toEqual(Array.from(local.forward(x, false).data));
      expect(Array.from(bn.forward(x, false).data)).toEqual(Array.from(y.data));
      for (const l of [bn, local]) l.dispose();
    }
  });

  it('is checked when the layer is made, and fromState takes it', () => {
    expect(() => new BatchNormalization([1], [0], 0.9, null, null, { collective: { rank: 1, size: 1, allGather: async () => [] } }))
      .toThrow(new RangeError('new BatchNormalization: options.collective.rank must be an integer in [0, 0] (collective.size 1); got 1'));
    const saved = new BatchNormalization([1], [0], 0.9, null, null, { backend: 'js' }).state();
    const bn = BatchNormalization.fromState(saved, { backend: 'js', collective: { rank: 0, size: 1, allGather: async (l) => [l] } });
    expect(() => bn.forward({ data: [1, 2], shape: [2, 1] })).toThrow(/call forwardAsync/);
  });
});
