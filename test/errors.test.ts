// Bad input: a TypeError or RangeError naming the argument, the expectation and what came,
// with the layer left exactly as it was. NaN and Infinity are data, not errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNormalization, init } from '../src/index.js';

beforeAll(async () => {
  await init();
});

const D = 3;
const good = { data: new Float32Array([1, 2, 3, 4, 5, 7, 0, -1, 2, 8, 8, 8]), shape: [4, D] };
const dout = { data: new Float32Array([1, -2, 0.5, 3, 1, 0, 2, 2, -1, 0, 1, 4]), shape: [4, D] };

function trainedLayer(backend: 'wasm' | 'js') {
  const bn = new BatchNormalization(new Float32Array([1, 2, 0.5]), new Float32Array([0, 1, -1]), 0.9, null, null, { backend });
  bn.forward(good);
  bn.backward(dout);
  return bn;
}

// Everything observable about the layer, including what the next backward would give.
function snapshot(bn: BatchNormalization) {
  const plain = (a: Float32Array | null) => (a ? Array.from(a) : null);
  const state = {
    runningMean: plain(bn.runningMean), runningVar: plain(bn.runningVar), dgamma: plain(bn.dgamma), dbeta: plain(bn.dbeta),
    gamma: plain(bn.gamma), beta: plain(bn.beta), momentum: bn.momentum, eps: bn.eps,
  };
  return state;
}

function nextBackward(bn: BatchNormalization) {
  return Array.from(bn.backward(dout).data);
}

type Call = [what: string, call: (bn: BatchNormalization) => unknown, error: typeof TypeError | typeof RangeError, message: RegExp];

const calls: Call[] = [
  ['x not an object', (bn) => bn.forward(42 as never), TypeError, /forward: x must be an object \{ data, shape \}; got number 42/],
  ['x.data not array-like', (bn) => bn.forward({ data: 'abc' as never, shape: [1, 3] }), TypeError, /x\.data must be a Float32Array, a Float64Array or an array of numbers; got the string "abc"/],
  ['x.data missing', (bn) => bn.forward({ shape: [1, 3] } as never), TypeError, /x\.data must be .*; got undefined/],
  ['x.shape not an array', (bn) => bn.forward({ data: good.data, shape: '4,3' as never }), TypeError, /x\.shape must be an array \[N, D\] or \[N, C, H, W\]; got the string "4,3"/],
  ['x.shape 1D', (bn) => bn.forward({ data: good.data, shape: [12] }), RangeError, /x\.shape must have 2 dimensions \[N, D\] or 4 \[N, C, H, W\]; got \[12\]/],
  ['x.shape 3D', (bn) => bn.forward({ data: good.data, shape: [2, 2, 3] }), RangeError, /got \[2, 2, 3\]/],
  ['x.shape non-integer', (bn) => bn.forward({ data: good.data, shape: [4, 3.5] }), RangeError, /x\.shape\[1\] must be a positive integer; got number 3\.5 in \[4, 3\.5\]/],
  ['x.shape zero', (bn) => bn.forward({ data: new Float32Array(0), shape: [0, 3] }), RangeError, /x\.shape\[0\] must be a positive integer; got number 0/],
  ['x.shape negative', (bn) => bn.forward({ data: good.data, shape: [-4, 3] }), RangeError, /x\.shape\[0\] must be a positive integer; got number -4/],
  ['x.data.length wrong', (bn) => bn.forward({ data: good.data.subarray(1), shape: [4, 3] }), RangeError, /x\.data\.length must be the product of x\.shape \[4, 3\] = 12; got 11/],
  ['feature count wrong (2D)', (bn) => bn.forward({ data: good.data, shape: [3, 4] }), RangeError, /x\.shape \[3, 4\] has 4 features per sample; expected 3 \(the length of gamma\)/],
  ['feature count wrong (4D)', (bn) => bn.forward({ data: good.data, shape: [1, 2, 2, 3] }), RangeError, /has 12 features per sample; expected 3/],
  ['trainFlg not boolean', (bn) => bn.forward(good, 'yes' as never), TypeError, /trainFlg must be a boolean; got the string "yes"/],
  ['dout shape differs', (bn) => bn.backward({ data: good.data, shape: [2, 6] }), RangeError, /dout\.shape must be the last training input's shape \[4, 3\]; got \[2, 6\]/],
  ['dout.data length wrong', (bn) => bn.backward({ data: [1, 2], shape: [4, 3] }), RangeError, /dout\.data\.length must be the product of dout\.shape \[4, 3\] = 12; got 2/],
  ['gamma set to wrong length', (bn) => { bn.gamma = new Float32Array(4); }, RangeError, /gamma\.length must be 3 \(the feature count\); got 4/],
];

describe.each(['wasm', 'js'] as const)('bad calls on a %s layer', (backend) => {
  for (const [what, call, error, message] of calls) {
    it(`${what}: ${error.name}, state unchanged`, () => {
      const bn = trainedLayer(backend);
      const before = snapshot(bn);
      expect(() => call(bn)).toThrow(error);
      expect(() => call(bn)).toThrow(message);
      expect(snapshot(bn)).toEqual(before);
      // The caches of the last training forward survive: backward still gives the same dx.
      const reference = trainedLayer(backend);
      expect(nextBackward(bn)).toEqual(nextBackward(reference));
      bn.dispose();
      reference.dispose();
    });
  }

  it('backward before any training forward: TypeError, nothing set', () => {
    const bn = new BatchNormalization([1, 1, 1], [0, 0, 0], 0.9, null, null, { backend });
    bn.forward(good, false); // inference does not make a cache for backward
    const before = snapshot(bn);
    expect(() => bn.backward(dout)).toThrow(TypeError);
    expect(() => bn.backward(dout)).toThrow(/backward: no training forward to differentiate; call forward\(x, true\) first/);
    expect(snapshot(bn)).toEqual(before);
    bn.dispose();
  });

  it('calls after dispose throw', () => {
    const bn = trainedLayer(backend);
    bn.dispose();
    bn.dispose(); // idempotent
    expect(bn.disposed).toBe(true);
    expect(() => bn.forward(good)).toThrow(/forward: the layer was disposed/);
    expect(() => bn.backward(dout)).toThrow(/backward: the layer was disposed/);
  });

  it('NaN and Infinity propagate per IEEE and stay in their own layer', () => {
    const bad = new BatchNormalization([1, 1, 1], [0, 0, 0], 0.9, null, null, { backend });
    const other = trainedLayer(backend);
    const otherBefore = snapshot(other);
    const x = Float32Array.from(good.data);
    x[0] = NaN; // column 0 of every row becomes NaN (its mean is NaN)
    x[4] = Infinity; // column 1: mean Infinity, Infinity - Infinity = NaN
    const y = bad.forward({ data: x, shape: [4, 3] }).data;
    for (let n = 0; n < 4; n++) {
      expect(y[n * 3]).toBeNaN();
      expect(y[n * 3 + 1]).toBeNaN();
      expect(Number.isFinite(y[n * 3 + 2])).toBe(true);
    }
    expect(bad.runningMean![0]).toBeNaN();
    expect(bad.runningMean![2]).toBeCloseTo(0.1 * ((3 + 7 + 2 + 8) / 4), 6);
    expect(snapshot(other)).toEqual(otherBefore);
    expect(other.forward(good, false).data.every(Number.isFinite)).toBe(true);
    bad.dispose();
    other.dispose();
  });
});

describe('bad constructor arguments', () => {
  const g = new Float32Array([1, 1, 1]);
  const b = new Float32Array([0, 0, 0]);
  const cases: Array<[string, () => unknown, typeof TypeError | typeof RangeError, RegExp]> = [
    ['gamma not array-like', () => new BatchNormalization(3 as never, b), TypeError, /gamma must be a Float32Array, a Float64Array or an array of numbers; got number 3/],
    ['gamma empty', () => new BatchNormalization([], []), RangeError, /gamma must have at least one element; got length 0/],
    ['beta not array-like', () => new BatchNormalization(g, 'xyz' as never), TypeError, /beta must be a Float32Array, a Float64Array or an array of numbers; got the string "xyz"/],
    ['beta length differs', () => new BatchNormalization(g, [0, 0]), RangeError, /beta\.length must be 3 \(the length of gamma\); got 2/],
    ['momentum above 1', () => new BatchNormalization(g, b, 1.5), RangeError, /momentum must be a finite number in \[0, 1\]; got 1\.5/],
    ['momentum negative', () => new BatchNormalization(g, b, -0.1), RangeError, /got -0\.1/],
    ['momentum NaN', () => new BatchNormalization(g, b, NaN), RangeError, /momentum must be a finite number in \[0, 1\]; got NaN/],
    ['momentum Infinity', () => new BatchNormalization(g, b, Infinity), RangeError, /got Infinity/],
    ['momentum a string', () => new BatchNormalization(g, b, '0.9' as never), TypeError, /momentum must be a number in \[0, 1\] or null \(the cumulative average\); got the string "0\.9"/],
    ['runningMean wrong length', () => new BatchNormalization(g, b, 0.9, [0, 0], [1, 1, 1]), RangeError, /runningMean\.length must be 3 \(the length of gamma\); got 2/],
    ['runningVar wrong length', () => new BatchNormalization(g, b, 0.9, [0, 0, 0], [1, 1, 1, 1]), RangeError, /runningVar\.length must be 3 \(the length of gamma\); got 4/],
    ['runningVar holding a string', () => new BatchNormalization(g, b, 0.9, [0, 0, 0], [1, 'a', 1] as never), TypeError, /runningVar\[1\] must be a number; got the string "a"/],
    ['runningVar without runningMean', () => new BatchNormalization(g, b, 0.9, null, [1, 1, 1]), TypeError, /runningMean and runningVar must be given together; got runningVar only/],
    ['eps zero', () => new BatchNormalization(g, b, 0.9, null, null, { eps: 0 }), RangeError, /options\.eps must be a finite number > 0; got 0/],
    ['eps negative', () => new BatchNormalization(g, b, 0.9, null, null, { eps: -1e-5 }), RangeError, /got -0\.00001/],
    ['eps Infinity', () => new BatchNormalization(g, b, 0.9, null, null, { eps: Infinity }), RangeError, /got Infinity/],
    ['eps NaN', () => new BatchNormalization(g, b, 0.9, null, null, { eps: NaN }), RangeError, /got NaN/],
    ['backend unknown', () => new BatchNormalization(g, b, 0.9, null, null, { backend: 'gpu' as never }), RangeError, /options\.backend must be 'wasm' or 'js'; got the string "gpu"/],
  ];
  for (const [what, make, error, message] of cases) {
    it(`${what}: ${error.name}`, () => {
      expect(make).toThrow(error);
      expect(make).toThrow(message);
    });
  }
});
