// The experiment's network (experiment/): backward against central differences of the loss,
// with and without the library's BatchNormalization; and its matmul against a plain loop.
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from '../src/index.js';
import { matmul, SoftmaxWithLoss } from '../experiment/layers.js';
import { MultiLayerNet } from '../experiment/net.js';
import { Rng } from '../experiment/rng.js';

beforeAll(async () => {
  await init();
});

function randn(n: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

describe('matmul', () => {
  // Odd sizes reach the remainder paths (odd N, K not a multiple of 4); zeros reach the skips.
  it.each([
    [5, 7, 3],
    [4, 8, 6],
    [1, 3, 2],
  ])('matches a float64 triple loop for [%i, %i] x [%i], plain and with a transposed A', (N, K, M) => {
    const rng = new Rng(N * 100 + K * 10 + M);
    const a = randn(N * K, rng).map((v, i) => (i % 3 === 0 ? 0 : v));
    const b = randn(K * M, rng);
    const want = (get: (i: number, k: number) => number) =>
      Array.from({ length: N * M }, (_, p) => {
        let s = 0;
        for (let k = 0; k < K; k++) s += get(Math.floor(p / M), k) * b[k * M + (p % M)];
        return s;
      });
    const plain = matmul(a, K, 1, b, N, K, M);
    want((i, k) => a[i * K + k]).forEach((v, p) => expect(plain[p]).toBeCloseTo(v, 5));
    // a read as the transpose of a [K, N] matrix
    const trans = matmul(a, 1, N, b, N, K, M);
    want((i, k) => a[k * N + i]).forEach((v, p) => expect(trans[p]).toBeCloseTo(v, 5));
  });
});

describe('SoftmaxWithLoss', () => {
  it('gives ln(M) for equal scores and (softmax - onehot) / N as gradient', () => {
    const layer = new SoftmaxWithLoss();
    expect(layer.forward(new Float32Array(2 * 4), Uint8Array.of(1, 3), 2)).toBeCloseTo(Math.log(4), 6);
    expect(Array.from(layer.backward())).toEqual([0.125, -0.375, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375]);
  });
});

const cases = [
  { useBatchNorm: true, backend: 'wasm' as const },
  { useBatchNorm: true, backend: 'js' as const },
  { useBatchNorm: false, backend: undefined },
];

describe.each(cases)('network gradient check (BN: $useBatchNorm, backend: $backend)', ({ useBatchNorm, backend }) => {
  it('every parameter gradient matches central differences of the float32 loss', () => {
    const rng = new Rng(2024);
    const N = 8;
    const net = new MultiLayerNet(
      { inputSize: 6, hiddenSizes: [5, 4], outputSize: 3, weightInitStd: 0.8, useBatchNorm, backend },
      rng,
    );
    // Non-trivial biases, gamma and beta, so that no gradient is trivially zero or symmetric.
    for (const p of net.params()) {
      if (p.name.startsWith('b')) p.value.set(randn(p.value.length, rng, 0.3));
      if (p.name.startsWith('gamma')) p.value.set(randn(p.value.length, rng, 0.3).map((v) => 1 + v));
    }
    const x = randn(N * 6, rng);
    const t = Uint8Array.from({ length: N }, (_, i) => i % 3);

    net.gradient(x, t, N);
    const params = net.params();
    expect(params.map((p) => p.name)).toEqual(
      useBatchNorm ? ['W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2', 'gamma2', 'beta2', 'W3', 'b3'] : ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'],
    );
    const analytic = params.map((p) => Float32Array.from(p.grad()));

    const h = 1e-2;
    let worst = 0;
    params.forEach((p, q) => {
      for (let i = 0; i < p.value.length; i++) {
        const v = p.value[i];
        p.value[i] = v + h;
        const up = p.value[i]; // the float32 value actually used
        const lossUp = net.loss(x, t, N);
        p.value[i] = v - h;
        const down = p.value[i];
        const lossDown = net.loss(x, t, N);
        p.value[i] = v;
        const numeric = (lossUp - lossDown) / (up - down);
        const err = Math.abs(numeric - analytic[q][i]) / (1e-3 + Math.abs(numeric) + Math.abs(analytic[q][i]));
        worst = Math.max(worst, err);
        if (err > 1e-2) expect.fail(`${p.name}[${i}]: backward ${analytic[q][i]}, central difference ${numeric}`);
      }
    });
    // Some gradient is far from zero: the check compared something.
    expect(Math.max(...analytic.map((g) => Math.max(...g.map(Math.abs))))).toBeGreaterThan(0.05);
    expect(worst).toBeLessThan(1e-2);
    net.dispose();
  });
});

// The book's chapter 6 check as numpy runs it: the whole network in float64 (weights, every
// layer's arrays, batch norm's dtype), central differences of the loss with a small step,
// each parameter's gradient within 1e-7 of its largest entry. The loss differenced is the
// cross-entropy without the book's +1e-7 inside the log, of which SoftmaxWithLoss.backward's
// (softmax - onehot) / N is the exact derivative: with it, the gradients differ by about
// 1e-7 / y_t relative (3e-7 measured here), which is the loss's, not the layers'.
function exactLoss(net: MultiLayerNet, x: Float64Array, t: Uint8Array, N: number): number {
  const s = net.predict(x, N, true);
  const M = s.length / N;
  let loss = 0;
  for (let i = 0; i < N; i++) {
    const row = Array.from(s.subarray(i * M, (i + 1) * M));
    const max = Math.max(...row);
    const sum = row.reduce((a, v) => a + Math.exp(v - max), 0);
    loss -= row[t[i]] - max - Math.log(sum);
  }
  return loss / N;
}

describe.each(['wasm', 'js'] as const)('float64 network gradient check with batch norm on %s', (backend) => {
  it('every parameter gradient matches central differences to 1e-7', () => {
    const rng = new Rng(2025);
    const N = 8;
    const net = new MultiLayerNet({ inputSize: 6, hiddenSizes: [5, 4], outputSize: 3, weightInitStd: 0.8, useBatchNorm: true, backend, dtype: 'float64' }, rng);
    expect(net.norms[0]!.dtype).toBe('float64');
    for (const p of net.params()) {
      expect(p.value).toBeInstanceOf(Float64Array);
      if (p.name.startsWith('b')) p.value.set(Array.from({ length: p.value.length }, () => rng.normal() * 0.3));
      if (p.name.startsWith('gamma')) p.value.set(Array.from({ length: p.value.length }, () => 1 + rng.normal() * 0.3));
    }
    const x = Float64Array.from({ length: N * 6 }, () => rng.normal());
    const t = Uint8Array.from({ length: N }, (_, i) => i % 3);
    net.gradient(x, t, N);
    const params = net.params();
    expect(params.map((p) => p.name)).toEqual(['W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2', 'gamma2', 'beta2', 'W3', 'b3']);
    const analytic = params.map((p) => Float64Array.from(p.grad()));
    const h = 1e-5;
    params.forEach((p, q) => {
      const numeric = Float64Array.from(p.value, (v, i) => {
        p.value[i] = v + h;
        const up = exactLoss(net, x, t, N);
        p.value[i] = v - h;
        const down = exactLoss(net, x, t, N);
        p.value[i] = v;
        return (up - down) / (2 * h);
      });
      const scale = Math.max(...Array.from(numeric, Math.abs));
      const err = Math.max(...Array.from(numeric, (n, i) => Math.abs(n - analytic[q][i])));
      if (p.name === 'b1' || p.name === 'b2') {
        // A bias before batch norm is subtracted with the batch mean: its gradient is zero.
        expect(Math.max(...Array.from(analytic[q], Math.abs)), p.name).toBeLessThan(1e-12);
        expect(scale, p.name).toBeLessThan(1e-9);
        return;
      }
      expect(scale, `${p.name}: some slope to compare`).toBeGreaterThan(1e-3);
      expect(err / scale, p.name).toBeLessThanOrEqual(1e-7);
    });
    net.dispose();
  });
});
