// The slab kernels (assembly/slab.ts) and when the layer takes them (src/wasm/slabs.ts).
// A slab kernel runs a whole training forward or backward one slab of channels at a time; it
// must give the same bits as the two-pass steps it replaces, on every edge a slab has: a
// last slab that is short, a scalar tail (C % 4), rows past one sub-block, an activation,
// dx written over dy. The two passes run one driver (a row at a time, two vectors a step) and
// the slabs another (the plan's): with S == 1 every driver sums each feature in the same
// order (assembly/drivers.ts), so the bits must still agree.
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/activation.js';
import { BatchNormalization, init } from '../src/index.js';
import { partialBytes, scratchPartial, secondPartial } from '../src/wasm/abi.js';
import { PLAN_TABLE, planFor, planWord, type PlanOp } from '../src/wasm/plan.js';
import { slabChannels } from '../src/wasm/slabs.js';
import { scaledDistance } from './helpers/compare.js';
import { channelMap, refBackward, refTrain, type RefOptions } from './helpers/general-reference.js';
import { kernelMemory } from './helpers/kernel-memory.js';
import { seeded } from './helpers/seeded.js';

const { kernels: k, heap, put, f32At, f64At } = kernelMemory();
const copies = (values: Float32Array, n: number) => Array.from({ length: n }, () => put(values));
const ROW_AT_A_TIME = planWord({ V: 2, R: 1 }); // the two passes' driver here
const plan = (op: PlanOp, N: number, C: number) => planFor(op, N, C, 1);

// [N, C] with slab widths: a short last slab, C % 4 != 0 in it, one row, rows past a sub-block.
const CASES = [
  { N: 1, C: 40, slab: 8, offset: 0 },
  { N: 17, C: 103, slab: 12, offset: 0 },
  { N: 32, C: 1000, slab: 256, offset: 1e4 },
  { N: 5, C: 4098, slab: 1024, offset: 3 },
  { N: 40, C: 66, slab: 64, offset: 0 }, // 40 rows: a block of 32 and one of 8
];

describe.each(CASES)('the slab kernels on [$N, $C] in slabs of $slab channels, offset $offset', ({ N, C, slab, offset }) => {
  const count = N * C;
  const x = seeded(count, N + C, offset, 4);
  const dy = seeded(count, 77);
  const gamma = seeded(C, 5, 1.5, 2);
  const beta = seeded(C, 6, 0, 2);
  const runMean = seeded(C, 7, offset);
  const runVar = seeded(C, 8, 1, 1);
  const xp = put(x);
  const [gp, bp] = [put(gamma), put(beta)];
  const acc = heap.alloc(partialBytes(C)); // partial results and scratch of one share (abi.ts)
  const channels = () => Array.from({ length: 5 }, () => put(new Float32Array(C))); // meanHi, meanLo, invstd, alpha, shift

  it.each(ACTIVATIONS.map((a) => [a.name ?? 'none', a.code] as const))('trainSlabs gives the bits of stats, trainFinalize and normalize (activation %s)', (_, code) => {
    const [two, slabbed] = [channels(), channels()];
    const [rm2, rmS] = copies(runMean, 2);
    const [rv2, rvS] = copies(runVar, 2);
    const [y2, yS] = [put(new Float32Array(count)), put(new Float32Array(count))];
    k.stats(xp, N, C, 1, acc, secondPartial(acc, C), scratchPartial(acc, C), ROW_AT_A_TIME);
    k.trainFinalize(C, N, acc, secondPartial(acc, C), gp, bp, rm2, rv2, 0.9, 1e-5, 1, ...two as [number, number, number, number, number]);
    k.normalize(xp, y2, N, C, 1, two[0], two[3], two[4], code, ROW_AT_A_TIME);
    k.trainSlabs(xp, yS, N, C, 1, slab, acc, secondPartial(acc, C), gp, bp, rmS, rvS, 0.9, 1e-5, 1, ...slabbed as [number, number, number, number, number],
      scratchPartial(acc, C), code, plan('stats', N, C), plan('normalize', N, C));
    expect(f32At(yS, count)).toEqual(f32At(y2, count));
    expect(f32At(rmS, C)).toEqual(f32At(rm2, C));
    expect(f32At(rvS, C)).toEqual(f32At(rv2, C));
    slabbed.forEach((p, i) => expect(f32At(p, C), ['meanHi', 'meanLo', 'invstd', 'alpha', 'shift'][i]).toEqual(f32At(two[i], C)));
  });

  it.each(ACTIVATIONS.map((a) => [a.name ?? 'none', a.code] as const))('backwardSlabs gives the bits of backwardReduce, backwardFinalize and backwardApply, dx over dy too (activation %s)', (_, code) => {
    const saved = channels();
    const [rm, rv] = [put(runMean), put(runVar)];
    k.stats(xp, N, C, 1, acc, secondPartial(acc, C), scratchPartial(acc, C), ROW_AT_A_TIME);
    k.trainFinalize(C, N, acc, secondPartial(acc, C), gp, bp, rm, rv, 0.9, 1e-5, 0, ...saved as [number, number, number, number, number]);
    const [meanHi, meanLo, invstd, alpha, shift] = saved;
    const sums = heap.alloc(C * 16);
    const outs = () => Array.from({ length: 5 }, () => put(new Float32Array(C))); // dgamma, dbeta, ka, kb, kc
    const [two, slabbed] = [outs(), outs()];
    const dyp = put(dy);
    const [dx2, dxS] = [put(new Float32Array(count)), put(new Float32Array(count))];
    k.backwardReduce(xp, dyp, N, C, 1, meanHi, alpha, shift, sums, sums + C * 8, scratchPartial(acc, C), code, ROW_AT_A_TIME);
    k.backwardFinalize(C, N, gp, meanLo, invstd, sums, sums + C * 8, ...two as [number, number, number, number, number]);
    k.backwardApply(xp, dyp, dx2, N, C, 1, meanHi, alpha, shift, two[2], two[3], two[4], code, ROW_AT_A_TIME);
    const plans = [plan('backwardReduce', N, C), plan('backwardApply', N, C)] as const;
    k.backwardSlabs(xp, dyp, dxS, N, C, 1, slab, meanHi, alpha, shift, sums, sums + C * 8, gp, meanLo, invstd, ...slabbed as [number, number, number, number, number],
      scratchPartial(acc, C), code, ...plans);
    expect(f32At(dxS, count)).toEqual(f32At(dx2, count));
    // dgamma and dbeta are outputs; ka, kb and kc are a slab's scratch in backwardSlabs.
    slabbed.slice(0, 2).forEach((p, i) => expect(f32At(p, C), ['dgamma', 'dbeta'][i]).toEqual(f32At(two[i], C)));
    // dx written over dy: each slab's dy is read before it is overwritten.
    k.backwardSlabs(xp, dyp, dyp, N, C, 1, slab, meanHi, alpha, shift, sums, sums + C * 8, gp, meanLo, invstd, ...slabbed as [number, number, number, number, number],
      scratchPartial(acc, C), code, ...plans);
    expect(f32At(dyp, count)).toEqual(f32At(dx2, count));
  });
});

describe('the S == 1 drivers (assembly/drivers.ts)', () => {
  it('sum in the same order whatever their rows and vectors a step: stats and backwardReduce give the same bits', () => {
    const [N, C] = [1318, 199]; // 41 blocks of 32 rows and a short one; 199 = 3 * 64 + 4 + 3 features
    const x = seeded(N * C, 41, 1e4, 4), dy = seeded(N * C, 42);
    const [xp, dyp] = [put(x), put(dy)];
    const acc = heap.alloc(partialBytes(C));
    const ch = () => put(new Float32Array(C));
    const [gp, bp, rm, rv, hi, lo, inv, al, sh] = [put(seeded(C, 3, 1.5)), put(seeded(C, 4)), ch(), ch(), ch(), ch(), ch(), ch(), ch()];
    k.stats(xp, N, C, 1, acc, secondPartial(acc, C), scratchPartial(acc, C), ROW_AT_A_TIME);
    const [mean, m2] = [f64At(acc, C), f64At(secondPartial(acc, C), C)];
    // Slabs of 100 channels, four vectors a step over 8 rows at a time. A slab kernel
    // keeps each slab's sums at the front of its f64 arrays: after the call they hold the
    // last slab's, channels 100 to 198 (eight and four features a step, and a scalar tail).
    const last = (all: Float64Array) => all.subarray(100, C);
    const WIDE = planWord({ V: 4, R: 8 });
    k.trainSlabs(xp, put(new Float32Array(N * C)), N, C, 1, 100, acc, secondPartial(acc, C), gp, bp, rm, rv, 0.9, 1e-5, 0, hi, lo, inv, al, sh,
      scratchPartial(acc, C), 0, WIDE, WIDE);
    expect(f64At(acc, C - 100)).toEqual(last(mean));
    expect(f64At(secondPartial(acc, C), C - 100)).toEqual(last(m2));
    for (const code of ACTIVATIONS.map((a) => a.code)) {
      const sums = heap.alloc(C * 16);
      k.backwardReduce(xp, dyp, N, C, 1, hi, al, sh, sums, sums + C * 8, scratchPartial(acc, C), code, ROW_AT_A_TIME);
      const [sumDy, sumDyXc] = [f64At(sums, C), f64At(sums + C * 8, C)];
      const outs = Array.from({ length: 5 }, ch) as [number, number, number, number, number];
      k.backwardSlabs(xp, dyp, put(new Float32Array(N * C)), N, C, 1, 100, hi, al, sh, sums, sums + C * 8, gp, lo, inv, ...outs, scratchPartial(acc, C), code, WIDE, WIDE);
      expect(f64At(sums, C - 100), `activation ${code}`).toEqual(last(sumDy));
      expect(f64At(sums + C * 8, C - 100), `activation ${code}`).toEqual(last(sumDyXc));
    }
  });
});

describe('slabChannels: when the layer runs an operation slab by slab', () => {
  const g = (N: number, C: number, S = 1) => ({ N, C, S, count: N * C * S });
  // A table's slab entry (the plan table's are measured: src/wasm/plan-table.ts).
  const [SLAB_BYTES, SLAB_MAX_ROWS] = [512 * 1024, 32];
  const table = { ...PLAN_TABLE, slab: { bytes: SLAB_BYTES, maxRows: SLAB_MAX_ROWS } };
  const slabChannelsOf = (geometry: ReturnType<typeof g>, tensors: 1 | 2, maxShares: number) => slabChannels(geometry, tensors, maxShares, 4, table);

  it('takes the book layout of up to maxRows rows in slabs of the table\'s bytes, a multiple of 4 channels', () => {
    expect(slabChannelsOf(g(32, 200704), 1, 1)).toBe(SLAB_BYTES / (32 * 4));
    expect(slabChannelsOf(g(32, 200704), 2, 1)).toBe(SLAB_BYTES / (32 * 8));
    const odd = slabChannelsOf(g(7, 1 << 20), 2, 1);
    expect(odd % 4).toBe(0);
    expect(odd * 7 * 8).toBeLessThanOrEqual(SLAB_BYTES);
    expect((odd + 4) * 7 * 8).toBeGreaterThan(SLAB_BYTES);
  });

  it('runs two passes over channel runs (S > 1), more rows, a tensor of one slab or in cache, or threads that split the passes', () => {
    expect(slabChannelsOf(g(32, 64, 3136), 1, 1)).toBe(0);
    expect(slabChannelsOf(g(SLAB_MAX_ROWS + 1, 1 << 20), 1, 1)).toBe(0);
    const one = SLAB_BYTES / (32 * 4);
    expect(slabChannelsOf(g(32, 2 * one - 4), 1, 1)).toBe(0);
    expect(slabChannelsOf(g(32, 2 * one + 4), 1, 1)).toBe(one);
    // Two slabs of a tensor the cache holds (the table's inCacheBytes) save nothing either.
    expect(slabChannelsOf(g(32, 2 * one), 1, 1)).toBe(0);
    expect(slabChannelsOf(g(16, 2 * one), 2, 1)).toBe(0);
    expect(slabChannelsOf(g(16, 2 * one + 4), 2, 1)).toBe(one);
    expect(slabChannelsOf(g(32, 200704), 1, 2)).toBe(0);
  });

  it('asks for two slabs at least, four channels a slab at least, and the book layout, whatever the cache', () => {
    // With the plan table, a tensor past the cache always spans two slabs; a table that puts
    // every tensor past the cache tests each rule alone.
    const rules = { ...PLAN_TABLE, inCacheBytes: 0, slab: { bytes: 32 * 4 * 32, maxRows: 32 } }; // 32 channels of 32 rows
    const of = (geometry: ReturnType<typeof g>, tensors: 1 | 2) => slabChannels(geometry, tensors, 1, 4, rules);
    expect(of(g(32, 64), 1)).toBe(32);
    expect(of(g(32, 63), 1)).toBe(0);
    expect(of(g(32, 64, 2), 1)).toBe(0);
    expect(of(g(32, 32), 2)).toBe(16);
    expect(of(g(32, 31), 2)).toBe(0);
    expect(of(g(8, 1 << 20), 2)).toBe(64);
    const four = { ...rules, slab: { bytes: 4 * 32 * 4, maxRows: 32 } };
    expect(slabChannels(g(32, 8), 1, 1, 4, four)).toBe(4);
    expect(slabChannels(g(32, 7), 1, 1, 4, four)).toBe(0);
    expect(slabChannels(g(32, 1 << 20), 2, 1, 4, four)).toBe(0); // 2 channels fit: not a multiple of 4
  });
});

describe('a Wasm layer on a shape it runs slab by slab', () => {
  beforeAll(async () => {
    await init();
  });
  // [8, 2, 256, 128] read as [8, 65536]: 2 MiB, past the cache, in slabs of the committed table's size.
  const shape = [8, 2, 256, 128];
  const [N, C] = [8, 65536];
  it('is the slab path with the committed plan table', () => {
    expect(slabChannels({ N, C, S: 1, count: N * C }, 1, 1)).toBeGreaterThan(0);
    expect(slabChannels({ N, C, S: 1, count: N * C }, 2, 1)).toBeGreaterThan(0);
  });

  it.each(['relu', null] as const)('trains, updates the running statistics and differentiates as the float64 reference (activation %s)', (activation) => {
    const x = seeded(N * C, 51, 1e4, 4), dy = seeded(N * C, 52);
    const gamma = seeded(C, 53, 1, 1), beta = seeded(C, 54);
    const options: RefOptions = { activation, unbiased: false, momentum: 0.9, eps: 1e-7 };
    const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend: 'wasm', activation: activation ?? undefined });
    const y = bn.forward({ data: x, shape }).data;
    const dx = bn.backward({ data: dy, shape }).data;
    const channel = channelMap(N, C, 1, 'first');
    const t = refTrain(x, channel, C, gamma, beta, new Float64Array(C), new Float64Array(C), options); // the book's running statistics start at 0
    const b = refBackward(dy, channel, C, gamma, t, options);
    expect(scaledDistance(y, t.y)).toBeLessThan(1e-5);
    expect(scaledDistance(bn.runningMean!, t.runningMean)).toBeLessThan(1e-6);
    expect(scaledDistance(bn.runningVar!, t.runningVar)).toBeLessThan(1e-5);
    expect(scaledDistance(dx, b.dx)).toBeLessThan(1e-4);
    expect(scaledDistance(bn.dgamma!, b.dgamma)).toBeLessThan(1e-4);
    expect(scaledDistance(bn.dbeta!, b.dbeta)).toBeLessThan(1e-5);
    bn.dispose();
  });
});
