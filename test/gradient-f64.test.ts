// The book's chapter 6 gradient check, in float64 as numpy runs it: central differences of a
// loss L = sum(w * forward(x)) against backward(w), for x, gamma and beta, with a non-uniform
// upstream gradient w (a uniform one gives dx = 0 and would hide errors). A float64 layer
// agrees to 1e-7 relative on both backends; a float32 layer cannot (checked below, so the
// bound is known to bite).
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init, type Axis, type DType } from '../src/index.js';
import { centralDifference, weightedLoss } from './helpers/gradient-check.js';
import { randoms } from './helpers/random64.js';

beforeAll(async () => {
  await init();
});

const H = 1e-5; // float64: the O(h^2) truncation and the rounding of L / h both stay near 1e-10


/**
 * The worst disagreement of backward with central differences over x, gamma and beta, each
 * relative to the largest slope of its array: max |analytic - numeric| / max |numeric|.
 */
function gradientCheck(backend: 'wasm' | 'js', dtype: DType, shape: number[], axis?: Axis, activation: 'relu' | null = null): Record<'x' | 'gamma' | 'beta', number> {
  const count = shape.reduce((a, b) => a * b, 1);
  const C = axis === undefined ? count / shape[0] : axis === 1 ? shape[1] : shape[shape.length - 1];
  const gamma = randoms(C, 21, 1, 0.5), beta = randoms(C, 22);
  // The layer's own arrays (by reference for a float64 layer; a float32 layer copies them).
  const bn = new BatchNormalization<DType>(gamma, beta, 0.9, null, null, { backend, dtype, axis, activation });
  const x = randoms(count, 23, 0.3, 2);
  const w = randoms(count, 24); // non-uniform
  bn.forward({ data: x, shape });
  const analytic = { x: Float64Array.from(bn.backward({ data: w, shape }).data), gamma: Float64Array.from(bn.dgamma!), beta: Float64Array.from(bn.dbeta!) };
  const arrays = { x, gamma: bn.gamma, beta: bn.beta };
  const worst = { x: 0, gamma: 0, beta: 0 };
  for (const key of ['x', 'gamma', 'beta'] as const) {
    const arr = arrays[key];
    const numeric = new Float64Array(arr.length);
    for (let i = 0; i < arr.length; i++) numeric[i] = centralDifference(arr, i, H, () => weightedLoss(bn, x, shape, w));
    let scale = 0, err = 0;
    for (let i = 0; i < arr.length; i++) {
      scale = Math.max(scale, Math.abs(numeric[i]));
      err = Math.max(err, Math.abs(analytic[key][i] - numeric[i]));
    }
    worst[key] = err / scale;
  }
  bn.dispose();
  return worst;
}

const SHAPES: Array<{ shape: number[]; axis?: Axis; activation?: 'relu' }> = [
  { shape: [5, 3] },
  { shape: [7, 9] },
  { shape: [4, 2, 2, 3] },
  { shape: [4, 3, 2, 2], axis: 1 },
  { shape: [3, 2, 2, 5], axis: -1 },
];

describe.each(['wasm', 'js'] as const)('float64 gradient check on %s', (backend) => {
  for (const { shape, axis } of SHAPES) {
    it(`dx, dgamma and dbeta agree with central differences to 1e-7, [${shape}]${axis ? ` axis ${axis}` : ''}`, () => {
      const worst = gradientCheck(backend, "float64", shape, axis);
      expect(worst.x).toBeLessThanOrEqual(1e-7);
      expect(worst.gamma).toBeLessThanOrEqual(1e-7);
      expect(worst.beta).toBeLessThanOrEqual(1e-7);
    });
  }

  it('a float32 layer misses the same bound (the check can fail)', () => {
    // Its forward rounds to float32: the differences of L carry ~1e-7 * |L| / h of noise.
    const worst = gradientCheck(backend, "float32", [7, 9]);
    expect(Math.max(worst.x, worst.gamma, worst.beta)).toBeGreaterThan(1e-7);
  });
});
