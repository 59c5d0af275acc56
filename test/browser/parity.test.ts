// Wasm/JS parity in Chromium: both backends take the same steps on the same layer inputs
// and must agree closely; both must also stay near the float64 reference.
import { beforeAll, expect, it } from 'vitest';
import { BatchNormalization, init } from '../../src/index.js';
import { scaledDistance } from '../helpers/compare.js';
import { refBackward, refForward, type RefState } from '../helpers/reference.js';

function rand(count: number, seed: number, offset = 0): Float32Array {
  const a = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s ^ (s >>> 15), 2246822519) + 3266489917) >>> 0;
    a[i] = offset + (s / 2 ** 32) * 4 - 2;
  }
  return a;
}

// Shapes chosen for the kernels' edges: SIMD tails (D % 4 != 0), N = 1, 4D flattening,
// a row count past one row block, and a wide layer.
const SHAPES: number[][] = [[1, 5], [3, 4], [9, 7], [17, 33], [2, 3, 4, 5], [4, 2, 3, 3], [64, 130]];

beforeAll(async () => {
  expect((await init()).backend).toBe('wasm');
});

it.each(SHAPES.map((s) => [s.join('x'), s] as const))('wasm and js agree on %s', (_name, shape) => {
  const N = shape[0];
  const D = shape.slice(1).reduce((a, b) => a * b, 1);
  const gamma = rand(D, 1, 1);
  const beta = rand(D, 2);
  const layers = { wasm: new BatchNormalization(gamma, beta, 0.8, null, null, { backend: 'wasm' }),
    js: new BatchNormalization(gamma, beta, 0.8, null, null, { backend: 'js' }) };
  const ref: RefState = { runningMean: new Float64Array(D), runningVar: new Float64Array(D) };
  try {
    for (let step = 0; step < 2; step++) {
      const x = { data: rand(N * D, 10 + step, step * 3), shape };
      const dout = { data: rand(N * D, 20 + step), shape };
      const w = layers.wasm.forward(x, true);
      const j = layers.js.forward(x, true);
      const r = refForward(x.data, N, D, gamma, beta, ref, 0.8, true);
      expect(scaledDistance(w.data, j.data)).toBeLessThan(2e-5);
      expect(scaledDistance(w.data, r)).toBeLessThan(1e-4);
      expect(scaledDistance(layers.wasm.runningMean!, layers.js.runningMean!)).toBeLessThan(2e-5);
      expect(scaledDistance(layers.wasm.runningVar!, layers.js.runningVar!)).toBeLessThan(2e-5);
      const dw = layers.wasm.backward(dout);
      const dj = layers.js.backward(dout);
      const rb = refBackward(dout.data, D, gamma, ref);
      expect(scaledDistance(dw.data, dj.data)).toBeLessThan(1e-4);
      expect(scaledDistance(dw.data, rb.dx)).toBeLessThan(1e-3);
      expect(scaledDistance(layers.wasm.dgamma!, layers.js.dgamma!)).toBeLessThan(2e-5);
      expect(scaledDistance(layers.wasm.dbeta!, layers.js.dbeta!)).toBeLessThan(2e-5);
      const iw = layers.wasm.forward(x, false);
      const ij = layers.js.forward(x, false);
      expect(scaledDistance(iw.data, ij.data)).toBeLessThan(2e-5);
    }
  } finally {
    layers.wasm.dispose();
    layers.js.dispose();
  }
});
