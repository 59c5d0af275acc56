// An all-zero batch through a float64 layer gives exact zeros: the mean and variance of zeros
// are 0, so y = 0 * gamma * invstd + beta is beta, the running statistics stay 0, x_hat is 0,
// and dgamma = sum(dout * x_hat) is 0 for any dout. Float64 keeps what float32 rounds away:
// a per-channel sum that starts a hair off zero (a stray bit in an accumulator's start) shows
// here as a tiny nonzero, on each path the Wasm backend has (rows, runs along S, channels last,
// and the book's layout past the cache, slab by slab).
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init, type Axis } from '../src/index.js';
import { randoms } from './helpers/random64.js';

beforeAll(async () => {
  await init();
});

const CASES: { shape: number[]; axis?: Axis }[] = [
  { shape: [16, 11] },
  { shape: [4, 3, 5, 6], axis: 1 },
  { shape: [3, 5, 6, 4], axis: -1 },
  { shape: [16, 16384] }, // past the cache in float64: slab by slab on Wasm
];

const channelsOf = (shape: number[], axis?: Axis) =>
  axis === undefined ? shape.slice(1).reduce((a, b) => a * b, 1) : shape[axis === -1 ? shape.length - 1 : axis];

// Every element exactly 0 (+0 or -0): the first one that is not, else null.
const firstNonzero = (a: ArrayLike<number>) => {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return `[${i}] = ${a[i]}`;
  return null;
};

describe.each(['wasm', 'js'] as const)('an all-zero batch through a float64 layer on %s', (backend) => {
  it.each(CASES)('gives exact zeros for [$shape] axis $axis', ({ shape, axis }) => {
    const C = channelsOf(shape, axis);
    const count = shape.reduce((a, b) => a * b, 1);
    const bn = new BatchNormalization(randoms(C, 1, 1), new Float64Array(C), 0.9, null, null, { dtype: 'float64', backend, axis });
    const y = bn.forward({ data: new Float64Array(count), shape });
    expect(firstNonzero(y.data), 'y').toBeNull();
    expect(firstNonzero(bn.runningMean!), 'runningMean').toBeNull();
    expect(firstNonzero(bn.runningVar!), 'runningVar').toBeNull();
    const dx = bn.backward({ data: new Float64Array(count), shape });
    expect(firstNonzero(dx.data), 'dx of a zero dout').toBeNull();
    expect(firstNonzero(bn.dgamma!), 'dgamma of a zero dout').toBeNull();
    expect(firstNonzero(bn.dbeta!), 'dbeta of a zero dout').toBeNull();
    bn.forward({ data: new Float64Array(count), shape });
    bn.backward({ data: randoms(count, 2), shape });
    expect(firstNonzero(bn.dgamma!), 'dgamma = sum(dout * x_hat) with x_hat = 0').toBeNull();
    bn.dispose();
  });
});
