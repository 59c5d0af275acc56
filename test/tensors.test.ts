// Zero-copy tensors: Wasm-resident inputs and outputs give the copying path's results,
// stay valid across memory.grow, and free their memory on dispose.
import { beforeAll, describe, expect, it } from 'vitest';
import { allocTensor, BatchNormalization, init, wasmMemoryInfo, type Axis } from '../src/index.js';
import { seeded } from './helpers/seeded.js';

beforeAll(async () => {
  await init();
});

function resident(values: Float32Array, shape: number[]) {
  const t = allocTensor(shape);
  t.data.set(values);
  return t;
}

const SETUPS: Array<[string, number[], Axis | undefined]> = [
  ['book 2D', [7, 13], undefined],
  ['book 4D', [3, 2, 3, 5], undefined],
  ['NCHW', [4, 3, 5, 7], 1],
  ['NHWC', [4, 5, 7, 3], -1],
];

describe.each(['wasm', 'js'] as const)('tensors given to a %s layer', (backend) => {
  for (const [name, shape, axis] of SETUPS) {
    it(`${name}: every placement of x, dout and out gives the copying path's result`, () => {
      const count = shape.reduce((a, b) => a * b, 1);
      const C = axis === 1 ? shape[1] : axis === -1 ? shape[shape.length - 1] : count / shape[0];
      const x = seeded(count, 1, 1, 3);
      const dy = seeded(count, 2);
      const make = () => new BatchNormalization(seeded(C, 3, 1), seeded(C, 4), 0.9, null, null, { backend, axis });

      const copying = make();
      const yTrain = Array.from(copying.forward({ data: x, shape }).data);
      const dx = Array.from(copying.backward({ data: dy, shape }).data);
      const yInfer = Array.from(copying.forward({ data: x, shape }, false).data);

      // x and out resident; dout resident, dx into a resident out.
      const a = make();
      const xt = resident(x, shape);
      const yt = allocTensor(shape);
      expect(a.forward(xt, true, yt)).toBe(yt);
      expect(Array.from(yt.data)).toEqual(yTrain);
      const dyt = resident(dy, shape);
      const dxt = allocTensor(shape);
      expect(a.backward(dyt, dxt)).toBe(dxt);
      expect(Array.from(dxt.data)).toEqual(dx);
      expect(Array.from(a.forward(xt, false, yt).data)).toEqual(yInfer);
      expect(Array.from(xt.data)).toEqual(Array.from(x)); // inputs untouched

      // Inference in place; training in place (x overwritten, backward still right).
      const inPlace = resident(x, shape);
      a.forward(inPlace, false, inPlace);
      expect(Array.from(inPlace.data)).toEqual(yInfer);
      const b = make();
      const trained = resident(x, shape);
      b.forward(trained, true, trained);
      expect(Array.from(trained.data)).toEqual(yTrain);
      expect(Array.from(b.backward({ data: dy, shape }).data)).toEqual(dx);
      // dx in place over a resident dout.
      const dyInPlace = resident(dy, shape);
      const c = make();
      c.forward({ data: x, shape });
      expect(Array.from(c.backward(dyInPlace, dyInPlace).data)).toEqual(dx);

      // Plain arrays as out; a resident x with no out returns a new array.
      const plainOut = { data: new Float32Array(count), shape };
      const d = make();
      expect(d.forward(xt, true, plainOut)).toBe(plainOut);
      expect(Array.from(plainOut.data)).toEqual(yTrain);
      const fresh = d.forward(xt, false);
      expect(fresh.data.buffer).not.toBe(xt.data.buffer);
      expect(Array.from(fresh.data)).toEqual(yInfer);

      for (const t of [xt, yt, dyt, dxt, inPlace, trained, dyInPlace]) t.dispose();
      for (const l of [copying, a, b, c, d]) l.dispose();
    });
  }
});

describe('tensor memory', () => {
  it('views stay valid across memory.grow (data is re-derived)', () => {
    const t = resident(seeded(1000, 5), [10, 100]);
    const before = t.data;
    const grownFrom = wasmMemoryInfo()!.byteLength;
    const big = allocTensor([grownFrom / 4 + 1024]); // more than the whole memory now
    expect(wasmMemoryInfo()!.byteLength).toBeGreaterThan(grownFrom);
    expect(before.length).toBe(0); // the old view was detached by the grow
    expect(Array.from(t.data)).toEqual(Array.from(seeded(1000, 5)));
    const bn = new BatchNormalization(new Float32Array(100).fill(1), new Float32Array(100), 0.9, null, null, { backend: 'wasm' });
    const out = allocTensor([10, 100]);
    bn.forward(t, true, out);
    expect(out.data.length).toBe(1000);
    for (const x of [t, big, out]) x.dispose();
    bn.dispose();
  });

  it('dispose frees the memory and later use throws a clear error', () => {
    const inUse = wasmMemoryInfo()!.bytesInUse;
    const t = allocTensor([64, 64]);
    expect(wasmMemoryInfo()!.bytesInUse).toBe(inUse + 64 * 64 * 4);
    t.dispose();
    t.dispose(); // idempotent
    expect(wasmMemoryInfo()!.bytesInUse).toBe(inUse);
    expect(t.disposed).toBe(true);
    expect(() => t.data).toThrow(TypeError);
    expect(() => t.data).toThrow(/the tensor was disposed/);
    const bn = new BatchNormalization(new Float32Array(64).fill(1), new Float32Array(64), 0.9, null, null, { backend: 'wasm' });
    expect(() => bn.forward(t)).toThrow(TypeError);
    expect(() => bn.forward(t)).toThrow(/forward: x must be a live tensor; got a disposed Wasm tensor/);
    expect(() => bn.forward({ data: new Float32Array(64 * 64), shape: [64, 64] }, true, t)).toThrow(/out must be a live tensor; got a disposed Wasm tensor/);
    bn.dispose();
  });

  it('backward refuses a training input that was disposed since', () => {
    const bn = new BatchNormalization(new Float32Array(4).fill(1), new Float32Array(4), 0.9, null, null, { backend: 'wasm' });
    const x = resident(seeded(8, 6), [2, 4]);
    bn.forward(x);
    x.dispose();
    expect(() => bn.backward({ data: seeded(8, 7), shape: [2, 4] })).toThrow(/the Wasm tensor given to the training forward was disposed/);
    bn.dispose();
  });

  it('bad shapes and bad out tensors are refused', () => {
    expect(() => allocTensor([2, 0])).toThrow(/shape\[1\] must be a positive integer; got number 0/);
    expect(() => allocTensor([])).toThrow(RangeError);
    expect(() => allocTensor('3' as never)).toThrow(TypeError);
    const bn = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { backend: 'wasm' });
    const x = { data: new Float32Array(6), shape: [3, 2] };
    const wrong = allocTensor([2, 3]);
    expect(() => bn.forward(x, true, wrong)).toThrow(/out\.shape must be x's shape \[3, 2\]; got \[2, 3\]/);
    expect(() => bn.forward(x, true, { data: [0, 0, 0, 0, 0, 0], shape: [3, 2] } as never)).toThrow(/out\.data must be a Float32Array \(the layer's dtype is float32\); got an Array of length 6/);
    expect(bn.runningMean).toBeNull(); // nothing ran
    wrong.dispose();
    bn.dispose();
  });
});
