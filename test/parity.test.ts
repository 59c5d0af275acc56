// Property tests: the Wasm and JS backends agree, and both agree with an independent
// float64 port of the book, on random shapes (2D and 4D, D % 4 != 0 included).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init, type BackendName } from '../src/index.js';
import { scaledDistance } from './helpers/compare.js';
import { refBackward, refForward } from './helpers/reference.js';
import { seeded } from './helpers/seeded.js';
import { propertyOptions } from './helpers/property.js';

beforeAll(async () => {
  await init();
});

const shape2d = fc.tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 300 }));
const shape4d = fc.tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }));
const anyShape = fc.oneof(shape2d.map((s) => [...s]), shape4d.map((s) => [...s]));

const fill = seeded;

interface Run {
  trainY: Float32Array;
  inferY: Float32Array;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
}

function run(backend: BackendName, shape: number[], seed: number): Run {
  const N = shape[0];
  const D = shape.slice(1).reduce((a, b) => a * b, 1);
  const bn = new BatchNormalization(fill(D, seed + 1, 1, 1), fill(D, seed + 2), 0.8, null, null, { backend });
  const x = { data: fill(N * D, seed + 3, 0.5, 4), shape };
  const trainY = bn.forward(x).data;
  const dx = bn.backward({ data: fill(N * D, seed + 4), shape }).data;
  const inferY = bn.forward({ data: fill(N * D, seed + 5, 0.5, 4), shape }, false).data;
  const r = { trainY, inferY, dx, dgamma: bn.dgamma!, dbeta: bn.dbeta!, runningMean: bn.runningMean!, runningVar: bn.runningVar! };
  bn.dispose();
  return r;
}

function reference(shape: number[], seed: number): Omit<Run, 'trainY' | 'inferY' | 'dx' | 'dgamma' | 'dbeta' | 'runningMean' | 'runningVar'> & Record<keyof Run, Float64Array> {
  const N = shape[0];
  const D = shape.slice(1).reduce((a, b) => a * b, 1);
  const gamma = fill(D, seed + 1, 1, 1);
  const state = { runningMean: new Float64Array(D), runningVar: new Float64Array(D) };
  const trainY = refForward(fill(N * D, seed + 3, 0.5, 4), N, D, gamma, fill(D, seed + 2), state, 0.8, true);
  const { dx, dgamma, dbeta } = refBackward(fill(N * D, seed + 4), D, gamma, state);
  const inferY = refForward(fill(N * D, seed + 5, 0.5, 4), N, D, gamma, fill(D, seed + 2), state, 0.8, false);
  return { trainY, inferY, dx, dgamma, dbeta, runningMean: state.runningMean, runningVar: state.runningVar };
}

const fields = ['trainY', 'inferY', 'dx', 'dgamma', 'dbeta', 'runningMean', 'runningVar'] as const;

// dx is a difference of terms of size |gamma/std * dout|; for tiny batches (N = 1, 2) those
// terms cancel almost exactly, so float32 error is relative to them, not to dx itself.
function dxTermScale(shape: number[], seed: number): number {
  const N = shape[0];
  const D = shape.slice(1).reduce((a, b) => a * b, 1);
  const gamma = fill(D, seed + 1, 1, 1);
  const state = { runningMean: new Float64Array(D), runningVar: new Float64Array(D), std: undefined as Float64Array | undefined };
  refForward(fill(N * D, seed + 3, 0.5, 4), N, D, gamma, fill(D, seed + 2), state, 0.8, true);
  const dout = fill(N * D, seed + 4);
  let scale = 1;
  for (let i = 0; i < N * D; i++) scale = Math.max(scale, Math.abs((gamma[i % D] / state.std![i % D]) * dout[i]));
  return scale;
}

function distance(f: (typeof fields)[number], a: ArrayLike<number>, b: ArrayLike<number>, shape: number[], seed: number): number {
  return f === 'dx' ? scaledDistance(a, b) / dxTermScale(shape, seed) : scaledDistance(a, b);
}

describe('Wasm and JS backends', () => {
  it('agree within 1e-5 (relative to the largest magnitude) on random shapes', () => {
    fc.assert(
      fc.property(anyShape, fc.integer({ min: 1, max: 1e9 }), (shape, seed) => {
        const w = run('wasm', shape, seed);
        const j = run('js', shape, seed);
        for (const f of fields) expect(distance(f, w[f], j[f], shape, seed), f).toBeLessThanOrEqual(1e-5);
      }),
      propertyOptions(150),
    );
  });

  it('both match the float64 port of the book', () => {
    fc.assert(
      fc.property(anyShape, fc.integer({ min: 1, max: 1e9 }), (shape, seed) => {
        const ref = reference(shape, seed);
        for (const backend of ['wasm', 'js'] as const) {
          const r = run(backend, shape, seed);
          for (const f of fields) expect(distance(f, r[f], ref[f], shape, seed), `${backend} ${f}`).toBeLessThanOrEqual(2e-5);
        }
      }),
      propertyOptions(100),
    );
  });
});
