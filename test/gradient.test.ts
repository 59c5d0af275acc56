// backward against central finite differences of forward, on both backends:
// L = sum(w * forward(x)) for a fixed random w, so dL/dx = backward(w).
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init } from '../src/index.js';

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

// f64 sum of w * y, so that the loss itself adds no rounding beyond float32 y.
function loss(bn: BatchNormalization, x: Float32Array, shape: number[], w: Float32Array): number {
  const y = bn.forward({ data: x, shape }, true).data;
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i] * y[i];
  return s;
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
      const numeric = (arr: Float32Array, i: number) => {
        const keep = arr[i];
        arr[i] = keep + h;
        const up = loss(bn, x, shape, w);
        arr[i] = keep - h;
        const down = loss(bn, x, shape, w);
        arr[i] = keep;
        return (up - down) / (2 * h);
      };
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
