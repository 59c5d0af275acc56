// Fuzz over every option: axis (the book's, per channel first and last), activation, the
// unbiased running variance, momentum, eps, given running statistics, data far from zero
// (offsets up to 1e4) and constant columns (ties at an activation's kink included). Each
// case trains, differentiates and infers on the Wasm and the JS backend and compares both
// with an independent float64 reference (test/helpers/general-reference.ts), and with each
// other. Seeded (test/helpers/property.ts): 2,000 cases in CI; BN_RUNS for more.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init, type Axis } from '../src/index.js';
import { scaledDistance } from './helpers/compare.js';
import { channelMap, refBackward, refInfer, refTrain, type RefOptions } from './helpers/general-reference.js';
import { propertyOptions, RERUN_HINT } from './helpers/property.js';
import { seeded } from './helpers/seeded.js';

beforeAll(async () => {
  await init();
});

interface Case {
  layout: 'book' | 'first' | 'last';
  dims: number[]; // the input's shape
  activation: RefOptions['activation'];
  unbiased: boolean;
  momentum: number;
  eps: number;
  offset: number;
  spread: number;
  constantChannel: boolean;
  kinkBeta: boolean; // the constant channel's beta exactly at a kink (0 or 6)
  givenStats: boolean;
  seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  layout: fc.constantFrom('book' as const, 'first' as const, 'last' as const),
  rank: fc.constantFrom(2, 3, 4),
  n: fc.integer({ min: 1, max: 9 }),
  c: fc.integer({ min: 1, max: 9 }),
  s1: fc.integer({ min: 1, max: 5 }),
  s2: fc.integer({ min: 1, max: 5 }),
  activation: fc.constantFrom(null, 'relu' as const, 'relu6' as const),
  unbiased: fc.boolean(),
  momentum: fc.constantFrom(0, 0.1, 0.5, 0.9, 0.99, 1),
  eps: fc.constantFrom(1e-6, 1e-5, 1e-3, 0.1),
  offset: fc.constantFrom(0, 0, 3, -50, 1e2, 1e4, -1e4),
  spread: fc.constantFrom(0.5, 2, 4),
  constantChannel: fc.boolean(),
  kinkBeta: fc.boolean(),
  givenStats: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
}).map(({ rank, n, c, s1, s2, ...r }) => {
  // The book's semantics take 2D or 4D only; a channels-last input has C last.
  const R = r.layout === 'book' && rank === 3 ? 4 : rank;
  const spatial = [s1, s2].slice(0, R - 2);
  const dims = r.layout === 'last' ? [n, ...spatial, c] : [n, c, ...spatial];
  return { ...r, dims };
});

const axisOf = (layout: Case['layout']): Axis | undefined => (layout === 'first' ? 1 : layout === 'last' ? -1 : undefined);

function setUp(k: Case) {
  const count = k.dims.reduce((a, b) => a * b, 1);
  const N = k.dims[0];
  const C = k.layout === 'book' ? count / N : k.layout === 'first' ? k.dims[1] : k.dims[k.dims.length - 1];
  const S = count / N / C;
  const channel = channelMap(N, C, k.layout === 'book' ? 1 : S, k.layout === 'last' ? 'last' : 'first');
  const x = seeded(count, k.seed, k.offset, k.spread);
  const gamma = seeded(C, k.seed + 1, 1.5, 5); // negative gammas too
  const beta = seeded(C, k.seed + 2, 1, 6);
  if (k.constantChannel) {
    for (let i = 0; i < count; i++) if (channel[i] === 0) x[i] = Math.fround(k.offset + 0.375);
    if (k.kinkBeta) beta[0] = k.activation === 'relu6' && k.seed % 2 ? 6 : 0;
  }
  const runningMean = k.givenStats ? seeded(C, k.seed + 3, k.offset) : new Float32Array(C);
  const runningVar = k.givenStats ? seeded(C, k.seed + 4, 2, 2) : new Float32Array(C);
  const options: RefOptions = { activation: k.activation, unbiased: k.unbiased, momentum: k.momentum, eps: k.eps };
  // A pre-activation value within float32 rounding of a kink would be masked one way here and
  // the other way in float32: move that channel's beta off it (an exact tie stays a tie).
  for (let tries = 0; tries < 50; tries++) {
    const { pre } = refTrain(x, channel, C, gamma, beta, runningMean, runningVar, options);
    const near = pre.findIndex((v) => [0, 6].some((kink) => v !== kink && Math.abs(v - kink) < 1e-3));
    if (near < 0 || k.activation === null) break;
    beta[channel[near]] = Math.fround(beta[channel[near]] + 0.0371);
  }
  return { count, N, C, channel, x, gamma, beta, runningMean, runningVar, options };
}

function runBackend(backend: 'wasm' | 'js', k: Case, u: ReturnType<typeof setUp>) {
  const bn = new BatchNormalization(u.gamma, u.beta, k.momentum, k.givenStats ? u.runningMean : null, k.givenStats ? u.runningVar : null,
    { backend, axis: axisOf(k.layout), activation: k.activation, runningVarUnbiased: k.unbiased, eps: k.eps });
  const shape = k.dims;
  const y = bn.forward({ data: u.x, shape }).data.slice();
  const runningMean = bn.runningMean!.slice();
  const runningVar = bn.runningVar!.slice();
  const dy = seeded(u.count, k.seed + 5);
  const dx = bn.backward({ data: dy, shape }).data.slice();
  const x2 = seeded(u.count, k.seed + 6, k.offset, k.spread);
  const y2 = bn.forward({ data: x2, shape }, false).data.slice();
  const result = { y, runningMean, runningVar, dx, dgamma: bn.dgamma!.slice(), dbeta: bn.dbeta!.slice(), y2 };
  bn.dispose();
  return { result, dy, x2 };
}

// dx and dgamma sum terms of size |gamma * invstd * dy| (and |dy * xhat|): their float32 error
// is relative to those terms, which cancel for tiny batches; y relative to its largest value.
function check(k: Case, u: ReturnType<typeof setUp>, got: ReturnType<typeof runBackend>['result'], dy: Float32Array, x2: Float32Array, what: string) {
  const t = refTrain(u.x, u.channel, u.C, u.gamma, u.beta, u.runningMean, u.runningVar, u.options);
  const b = refBackward(dy, u.channel, u.C, u.gamma, t, u.options);
  // The layer keeps its running statistics in float32 (as the book's arrays): inference starts from those.
  const y2 = refInfer(x2, u.channel, u.gamma, u.beta, t.runningMean.map(Math.fround), t.runningVar.map(Math.fround), u.options);
  // One float32 rounding step of a running mean far from zero moves inference by that step times the scale.
  const ulp = 2 ** -23 * Math.max(...Array.from(t.runningMean, Math.abs));
  const scaleMax = Math.max(...Array.from(u.gamma, (g, c) => Math.abs(g) / Math.sqrt(Math.fround(t.runningVar[c]) + k.eps)));
  const inferTolerance = 2e-5 + (ulp * scaleMax) / Math.max(1, ...Array.from(y2, Math.abs));
  const termScale = Math.max(1, ...Array.from(dy, (v, i) => Math.abs(u.gamma[u.channel[i]] * t.invstd[u.channel[i]] * v)));
  const sumScale = Math.max(1, u.count / u.C) * Math.max(1, ...Array.from(dy, Math.abs));
  const statScale = Math.max(1, Math.abs(k.offset));
  const checks: Array<[string, number, number]> = [
    ['y', scaledDistance(got.y, t.y), 1e-5],
    ['runningMean', scaledDistance(got.runningMean, t.runningMean), 1e-6 * statScale],
    ['runningVar', scaledDistance(got.runningVar, t.runningVar), 2e-5],
    ['dx', scaledDistance(got.dx, b.dx) / termScale, 2e-5],
    ['dgamma', scaledDistance(got.dgamma, b.dgamma) / sumScale, 2e-5],
    ['dbeta', scaledDistance(got.dbeta, b.dbeta) / sumScale, 2e-6],
    ['inference y', scaledDistance(got.y2, y2), inferTolerance],
  ];
  for (const [name, distance, tolerance] of checks) {
    expect(distance, `${what} ${name} (${JSON.stringify(k)}; ${RERUN_HINT})`).toBeLessThanOrEqual(tolerance);
  }
}

describe('fuzz over every option: Wasm, JS and a float64 reference', () => {
  it('agree on 2,000 seeded cases', () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        const u = setUp(k);
        const w = runBackend('wasm', k, u);
        const j = runBackend('js', k, u);
        check(k, u, w.result, w.dy, w.x2, 'wasm');
        check(k, u, j.result, j.dy, j.x2, 'js');
        expect(scaledDistance(w.result.y, j.result.y), `wasm vs js y (${RERUN_HINT})`).toBeLessThanOrEqual(1e-5);
      }),
      propertyOptions(2000),
    );
  });
});
