// Per-channel batch norm (axis 1: NCHW, axis -1: NHWC) against a float64 reference of the
// ONNX operator's formulas, on both backends, with odd C and S for the SIMD tails.
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init } from '../src/index.js';
import { scaledDistance } from './helpers/compare.js';
import { refChannelInfer, refChannelTrain, toChannelsLast } from './helpers/channel-reference.js';
import { seeded } from './helpers/seeded.js';
import { propertyOptions } from './helpers/property.js';

beforeAll(async () => {
  await init();
});

const SHAPES: number[][] = [[4, 3, 5, 7], [2, 8, 3, 3], [6, 5, 1, 1], [3, 17, 9], [9, 6], [1, 4, 2, 3]];
const spatial = (shape: number[]) => shape.slice(2).reduce((a, b) => a * b, 1);

describe.each(['wasm', 'js'] as const)('per channel on %s', (backend) => {
  for (const shape of SHAPES) {
    const [N, C] = shape;
    const S = spatial(shape);
    const gamma = seeded(C, 1, 1, 1);
    const beta = seeded(C, 2);
    const rm0 = seeded(C, 3, 0, 0.5);
    const rv0 = seeded(C, 4, 1, 0.5);
    const x = seeded(N * C * S, 5, 3, 4);
    const dy = seeded(N * C * S, 6);
    const eps = 1e-5;
    const ref = refChannelTrain(x, N, C, S, gamma, beta, rm0, rv0, 0.9, eps);
    const refInfer = refChannelInfer(x, N, C, S, gamma, beta, ref.runningMean, ref.runningVar, eps);

    it(`axis 1 on [${shape}]: training forward, running stats, inference`, () => {
      const bn = new BatchNormalization(gamma, beta, 0.9, rm0, rv0, { backend, axis: 1, eps });
      expect(scaledDistance(bn.forward({ data: x, shape }).data, ref.y)).toBeLessThan(2e-6);
      expect(scaledDistance(bn.runningMean!, ref.runningMean)).toBeLessThan(1e-6);
      expect(scaledDistance(bn.runningVar!, ref.runningVar)).toBeLessThan(1e-6);
      expect(scaledDistance(bn.forward({ data: x, shape }, false).data, refInfer)).toBeLessThan(2e-6);
      bn.dispose();
    });

    it(`axis -1 on the same data laid out channels-last equals axis 1, transposed`, () => {
      const nhwc = [N, ...shape.slice(2), C];
      const first = new BatchNormalization(gamma, beta, 0.9, rm0, rv0, { backend, axis: 1, eps });
      const last = new BatchNormalization(gamma, beta, 0.9, rm0, rv0, { backend, axis: -1, eps });
      const yFirst = first.forward({ data: x, shape }).data;
      const yLast = last.forward({ data: toChannelsLast(x, N, C, S), shape: nhwc }).data;
      expect(scaledDistance(yLast, toChannelsLast(yFirst, N, C, S))).toBeLessThan(2e-6);
      expect(scaledDistance(last.runningVar!, first.runningVar!)).toBeLessThan(1e-6);
      const dxFirst = first.backward({ data: dy, shape }).data;
      const dxLast = last.backward({ data: toChannelsLast(dy, N, C, S), shape: nhwc }).data;
      expect(scaledDistance(dxLast, toChannelsLast(dxFirst, N, C, S))).toBeLessThan(1e-5);
      expect(scaledDistance(last.dgamma!, first.dgamma!)).toBeLessThan(1e-5);
      expect(scaledDistance(last.dbeta!, first.dbeta!)).toBeLessThan(1e-5);
      // The last axis may be named by its index too.
      const byIndex = new BatchNormalization(gamma, beta, 0.9, rm0, rv0, { backend, axis: nhwc.length - 1 as 1 | 2 | 3, eps });
      expect(Array.from(byIndex.forward({ data: toChannelsLast(x, N, C, S), shape: nhwc }).data)).toEqual(Array.from(yLast));
      for (const bn of [first, last, byIndex]) bn.dispose();
    });

    it(`axis 1 backward on [${shape}] matches dgamma = sum(dy*xhat), dbeta = sum(dy) and the closed-form dx`, () => {
      const bn = new BatchNormalization(gamma, beta, 0.9, null, null, { backend, axis: 1, eps });
      bn.forward({ data: x, shape });
      const dx = bn.backward({ data: dy, shape }).data;
      const M = N * S;
      const dgamma = new Float64Array(C);
      const dbeta = new Float64Array(C);
      const at = (n: number, c: number, i: number) => (n * C + c) * S + i;
      for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < S; i++) {
        const xhat = (x[at(n, c, i)] - ref.mean[c]) / Math.sqrt(ref.variance[c] + eps);
        dgamma[c] += dy[at(n, c, i)] * xhat;
        dbeta[c] += dy[at(n, c, i)];
      }
      const expected = new Float64Array(N * C * S);
      for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < S; i++) {
        const invstd = 1 / Math.sqrt(ref.variance[c] + eps);
        const xhat = (x[at(n, c, i)] - ref.mean[c]) * invstd;
        expected[at(n, c, i)] = ((gamma[c] * invstd) / M) * (M * dy[at(n, c, i)] - dbeta[c] - xhat * dgamma[c]);
      }
      expect(scaledDistance(bn.dgamma!, dgamma)).toBeLessThan(1e-5);
      expect(scaledDistance(bn.dbeta!, dbeta)).toBeLessThan(1e-5);
      expect(scaledDistance(dx, expected)).toBeLessThan(1e-5);
      bn.dispose();
    });
  }
});

describe('per-channel bad input', () => {
  const g = new Float32Array(3).fill(1);
  const b = new Float32Array(3);
  it('rejects axis values other than 1, -1, 2, 3 or undefined', () => {
    for (const axis of [0, 4, -2, 1.5, '1']) {
      expect(() => new BatchNormalization(g, b, 0.9, null, null, { axis: axis as never, backend: 'js' })).toThrow(RangeError);
      expect(() => new BatchNormalization(g, b, 0.9, null, null, { axis: axis as never, backend: 'js' })).toThrow(/options\.axis must be 1 \(channels first\), -1 or the last axis index/);
    }
  });
  it('names channels, the axis and the shape', () => {
    const bn = new BatchNormalization(g, b, 0.9, null, null, { axis: 1, backend: 'js' });
    expect(() => bn.forward({ data: new Float32Array(2 * 4 * 5), shape: [2, 4, 5] })).toThrow(/x\.shape \[2, 4, 5\] has 4 channels; expected 3 \(the length of gamma\)/);
    expect(() => bn.forward({ data: new Float32Array(2 * 3 * 2 * 2 * 2), shape: [2, 3, 2, 2, 2] })).toThrow(/x\.shape must have 2 to 4 dimensions \(\[N, C\], \[N, C, L\] or \[N, C, H, W\]\) for axis 1; got \[2, 3, 2, 2, 2\]/);
    const last = new BatchNormalization(g, b, 0.9, null, null, { axis: 2, backend: 'js' });
    expect(() => last.forward({ data: new Float32Array(2 * 2 * 2 * 3), shape: [2, 2, 2, 3] })).toThrow(/options\.axis 2 is neither 1 nor the last axis of x\.shape \[2, 2, 2, 3\]/);
    expect(last.forward({ data: new Float32Array(2 * 2 * 3), shape: [2, 2, 3] }).shape).toEqual([2, 2, 3]);
  });
  it('rejects a bad activation or runningVarUnbiased', () => {
    expect(() => new BatchNormalization(g, b, 0.9, null, null, { activation: 'gelu' as never })).toThrow(/options\.activation must be 'relu', 'relu6' or null; got the string "gelu"/);
    expect(() => new BatchNormalization(g, b, 0.9, null, null, { runningVarUnbiased: 1 as never })).toThrow(TypeError);
  });
});

describe('Wasm and JS agree per channel on random shapes', () => {
  it('for axis 1 and -1, every operation', async () => {
    const fc = (await import('fast-check')).default;
    const dims = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(dims, fc.constantFrom(1 as const, -1 as const), fc.integer({ min: 1, max: 1e9 }), (rest, axis, seed) => {
        const shape = [1 + (seed % 12), ...rest];
        const count = shape.reduce((a, b) => a * b, 1);
        const C = axis === 1 ? shape[1] : shape[shape.length - 1];
        const results = (['wasm', 'js'] as const).map((backend) => {
          const bn = new BatchNormalization(seeded(C, seed, 1), seeded(C, seed + 1), 0.7, null, null, { backend, axis });
          const y = bn.forward({ data: seeded(count, seed + 2, 2, 3), shape }).data;
          const dx = bn.backward({ data: seeded(count, seed + 3), shape }).data;
          const yi = bn.forward({ data: seeded(count, seed + 4, 2, 3), shape }, false).data;
          const r = [y, dx, yi, bn.dgamma!, bn.dbeta!, bn.runningMean!, bn.runningVar!];
          bn.dispose();
          return r;
        });
        // dx for one element per channel (N*S = 1) is a cancellation of ~1e3-sized terms.
        const tol = count / C <= 2 ? 1e-3 : 1e-5;
        results[0].forEach((a, i) => expect(scaledDistance(a, results[1][i]), `output ${i}`).toBeLessThanOrEqual(i === 1 ? tol : 1e-5));
      }),
      propertyOptions(150),
    );
  });
});
