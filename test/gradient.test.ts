// backward against central finite differences of forward, on both backends:
// L = sum(w * forward(x)) for a fixed random w, so dL/dx = backward(w).
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init } from '../src/index.js';
import { scaledDistance } from './helpers/compare.js';
import { channelMap, refBackward, refTrain, type RefOptions } from './helpers/general-reference.js';
import { centralDifference, weightedLoss } from './helpers/gradient-check.js';

beforeAll(async () => {
  await init();
});

function random(n: number, seed: number, offset = 0): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return offset + (s / 2147483648 - 0.5) * 2;
  });
}


describe.each(['wasm', 'js'] as const)('gradient check on %s', (backend) => {
  for (const shape of [[5, 3], [4, 2, 2, 3], [7, 9]]) {
    it(`dx, dgamma, dbeta for x of shape [${shape}]`, () => {
      const count = shape.reduce((a, b) => a * b, 1);
      const D = count / shape[0];
      const gamma = random(D, 1, 1);
      const beta = random(D, 2);
      const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend });
      const x = random(count, 3, 0.3);
      const w = random(count, 4);
      bn.forward({ data: x, shape });
      const dx = bn.backward({ data: w, shape }).data;
      const dgamma = Float32Array.from(bn.dgamma!);
      const dbeta = Float32Array.from(bn.dbeta!);

      const h = 2e-3; // float32 forward: rounding in the loss stays ~1e-4 of the slope at this step
      const numeric = (arr: Float32Array, i: number) => centralDifference(arr, i, h, () => weightedLoss(bn, x, shape, w));
      // Rounding and the O(h^2) truncation stay under 2e-3 of the slope's size.
      const close = (analytic: number, fd: number) => expect(Math.abs(analytic - fd)).toBeLessThanOrEqual(2e-3 * Math.max(1, Math.abs(fd)));
      for (let i = 0; i < count; i++) close(dx[i], numeric(x, i));
      // gamma and beta are held by reference: editing them in place perturbs the layer.
      for (let d = 0; d < D; d++) {
        close(dgamma[d], numeric(gamma, d));
        close(dbeta[d], numeric(beta, d));
      }
      bn.dispose();
    });
  }
});

// The book's backward multiplies by self.gamma as it is when backward runs: an optimiser that
// steps gamma between the forward and the backward (or a caller who edits it) is seen, on both
// paths of the Wasm backend (two passes; slab by slab, [16, 16384]). Against the float64
// reference with the forward's statistics and the new gamma, as a distance scaled by its size.
describe.each(['wasm', 'js'] as const)('backward on %s reads gamma as it is then', (backend) => {
  for (const shape of [[8, 20], [16, 16384]]) {
    it(`edited in place and set anew between forward and backward, [${shape}]`, () => {
      const [N, D] = shape;
      const options: RefOptions = { activation: null, unbiased: false, momentum: 0.9, eps: 1e-7 };
      const channel = channelMap(N, D, 1, 'first');
      const gamma = random(D, 11, 1), beta = random(D, 12);
      const x = random(N * D, 13, 0.5), dy = random(N * D, 14);
      const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend });
      const t = refTrain(x, channel, D, gamma.slice(), beta, new Float64Array(D), new Float64Array(D), options);
      bn.forward({ data: x, shape });
      bn.gamma[1] = -3; // in place
      const edited = Float32Array.from(bn.gamma);
      expect(scaledDistance(bn.backward({ data: dy, shape }).data, refBackward(dy, channel, D, edited, t, options).dx)).toBeLessThan(1e-5);
      bn.forward({ data: x, shape });
      bn.gamma = random(D, 15, 2); // a new array
      expect(scaledDistance(bn.backward({ data: dy, shape }).data, refBackward(dy, channel, D, bn.gamma, t, options).dx)).toBeLessThan(1e-5);
      bn.dispose();
    });
  }
});
