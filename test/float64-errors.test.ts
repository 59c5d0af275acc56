// What float64 and float32 layers refuse, by name: typed arrays of other numbers (integers,
// Float16Array, BigInt64Array) as data or parameters, an out or a Wasm tensor of the other
// dtype, and dtypes that are neither. Each refusal leaves the layer as it was.
import { beforeAll, describe, expect, it } from 'vitest';
import { allocTensor, BatchNormalization, foldInto, init, type DType } from '../src/index.js';

beforeAll(async () => {
  await init();
});

// Every typed array of numbers other than float32 and float64 this runtime has (Float16Array
// from Node 24 on, or behind a flag).
const Float16 = (globalThis as { Float16Array?: new (n: number) => ArrayBufferView }).Float16Array;
const OTHERS: Array<[string, (n: number) => ArrayBufferView]> = [
  ['Int32Array', (n) => new Int32Array(n)],
  ['Uint8Array', (n) => new Uint8Array(n)],
  ['Uint8ClampedArray', (n) => new Uint8ClampedArray(n)],
  ['Int16Array', (n) => new Int16Array(n)],
  ['BigInt64Array', (n) => new BigInt64Array(n)],
  ['BigUint64Array', (n) => new BigUint64Array(n)],
  ...(Float16 ? [['Float16Array', (n: number) => new Float16(n)] as [string, (n: number) => ArrayBufferView]] : []),
];
const ACCEPTED = /must be a Float32Array, a Float64Array or an array of numbers/;

describe.each(['wasm', 'js'] as const)('refusals on %s', (backend) => {
  for (const dtype of ['float32', 'float64'] as const) {
    const make = () => new BatchNormalization([1, 2, 3], [0, 0, 0], 0.9, null, null, { backend, dtype });
    const snapshot = (bn: BatchNormalization<DType>) => JSON.stringify(bn.state());

    for (const [name, of] of OTHERS) {
      it(`${dtype}: a ${name} as x.data, dout.data, gamma or runningMean is a TypeError naming it`, () => {
        const bn = make();
        bn.forward({ data: [1, 2, 3, 4, 5, 7], shape: [2, 3] });
        const before = snapshot(bn);
        const got = new RegExp(`got an? ${name}`);
        for (const call of [
          () => bn.forward({ data: of(6) as never, shape: [2, 3] }),
          () => bn.forward({ data: of(6) as never, shape: [2, 3] }, false),
          () => bn.backward({ data: of(6) as never, shape: [2, 3] }),
        ]) {
          expect(call).toThrow(TypeError);
          expect(call).toThrow(ACCEPTED);
          expect(call).toThrow(got);
        }
        expect(() => bn.forward({ data: of(6) as never, shape: [2, 3] })).toThrow(/x\.data must be/);
        expect(() => bn.backward({ data: of(6) as never, shape: [2, 3] })).toThrow(/dout\.data must be/);
        expect(() => (bn.gamma = of(3) as never)).toThrow(/gamma must be a Float32Array, a Float64Array or an array of numbers/);
        expect(snapshot(bn)).toBe(before);
        expect(() => new BatchNormalization(of(3) as never, [0, 0, 0], 0.9, null, null, { backend, dtype })).toThrow(/new BatchNormalization: gamma must be .*; got an? /);
        expect(() => new BatchNormalization([1, 1, 1], [0, 0, 0], 0.9, of(3) as never, [1, 1, 1], { backend, dtype })).toThrow(/runningMean must be/);
        bn.dispose();
      });
    }

    it(`${dtype}: an out of the other float type is a TypeError naming out.data, the layer's dtype and what came`, () => {
      const bn = make();
      const before = snapshot(bn);
      const wrong = dtype === 'float64' ? new Float32Array(6) : new Float64Array(6);
      const expected = dtype === 'float64' ? 'Float64Array' : 'Float32Array';
      const call = () => bn.forward({ data: [1, 2, 3, 4, 5, 7], shape: [2, 3] }, true, { data: wrong as never, shape: [2, 3] });
      expect(call).toThrow(TypeError);
      expect(call).toThrow(new RegExp(`out\\.data must be a ${expected} \\(the layer's dtype is ${dtype}\\); got a ${wrong.constructor.name}`));
      expect(snapshot(bn)).toBe(before);
      bn.dispose();
    });

    it(`${dtype}: a Wasm tensor of the other dtype, as x or out, is refused by name (nothing is converted)`, () => {
      const bn = make();
      const other: DType = dtype === 'float64' ? 'float32' : 'float64';
      const x = allocTensor([2, 3], other);
      x.data.set([1, 2, 3, 4, 5, 7]);
      const own = allocTensor([2, 3], dtype);
      own.data.set([1, 2, 3, 4, 5, 7]);
      const before = snapshot(bn);
      expect(() => bn.forward(x)).toThrow(new RegExp(`x must be a ${dtype} Wasm tensor \\(the layer's dtype\\); got a ${other} one`));
      expect(() => bn.forward(own, true, x as never)).toThrow(new RegExp(`out must be a ${dtype} Wasm tensor`));
      expect(snapshot(bn)).toBe(before);
      bn.forward(own);
      expect(() => bn.backward(x)).toThrow(new RegExp(`dout must be a ${dtype} Wasm tensor`));
      for (const d of [x, own, bn]) d.dispose();
    });
  }

  it('refuses dtypes that are neither float32 nor float64, naming the option', () => {
    for (const dtype of ['float16', 'int32', 'f64', 64, null]) {
      const call = () => new BatchNormalization([1], [0], 0.9, null, null, { backend, dtype: dtype as never });
      expect(call).toThrow(RangeError);
      expect(call).toThrow(/new BatchNormalization: options\.dtype must be 'float32' or 'float64'; got /);
    }
  });
});

describe('allocTensor(shape, dtype)', () => {
  it("gives a Float64Array over Wasm memory for 'float64', and refuses other dtypes by name", () => {
    const t = allocTensor([3, 5], 'float64');
    expect(t.dtype).toBe('float64');
    expect(t.data).toBeInstanceOf(Float64Array);
    expect(t.data.length).toBe(15);
    expect(t.data.byteOffset % 8).toBe(0);
    expect(allocTensor([2]).dtype).toBe('float32');
    expect(() => allocTensor([2], 'float16' as never)).toThrow(/allocTensor: dtype must be 'float32' or 'float64'; got the string "float16"/);
    t.dispose();
  });
});

describe('foldInto of a float64 layer', () => {
  it('folds in float64: Float64Array weights and bias equal to the float64 formula', () => {
    const bn = new BatchNormalization([1.5, 2], [0.25, -1], 0.9, [0.1, 0.2], [2, 3], { dtype: 'float64', backend: 'js', eps: 1e-5 });
    const W = Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6); // [3, 2]
    const f = bn.foldInto({ data: W, shape: [3, 2] }, [0.5, -0.5]);
    expect(f.weights.data).toBeInstanceOf(Float64Array);
    expect(f.bias).toBeInstanceOf(Float64Array);
    const a = [1.5 / Math.sqrt(2 + 1e-5), 2 / Math.sqrt(3 + 1e-5)];
    expect(Array.from(f.weights.data)).toEqual(Array.from(W, (w, i) => w * a[i % 2]));
    expect(Array.from(f.bias)).toEqual([0.5 * a[0] + (0.25 - 0.1 * a[0]), -0.5 * a[1] + (-1 - 0.2 * a[1])]);
    // A plain layer object without a dtype folds in float32, as before.
    expect(foldInto({ gamma: [1], beta: [0], runningMean: [0], runningVar: [1], eps: 1e-5, activation: null }, { data: [0.1], shape: [1, 1] }).bias).toBeInstanceOf(Float32Array);
    bn.dispose();
  });
});
