// The seams, where a caller's objects meet the layer's state: aliasing, getters, failed
// calls, strided views, typed tensors, options, messages. Each case ends in a correct result
// or a TypeError/RangeError that names the argument, the expectation and what came, with
// the layer exactly as it was (checked by what its next backward gives).
import ndarray from 'ndarray';
import { Tensor as OrtTensor } from 'onnxruntime-common';
import { beforeAll, describe, expect, it } from 'vitest';
import { allocTensor, BatchNormalization, init, wasmMemoryInfo, type WasmTensor } from '../src/index.js';
import { scaledDistance } from './helpers/compare.js';
import { seeded } from './helpers/seeded.js';

beforeAll(async () => {
  await init();
});

const D = 3;
const shape = [4, D];
const xData = seeded(12, 1, 0.5, 3);
const dyData = seeded(12, 2);
const make = (backend: 'wasm' | 'js', options = {}) => new BatchNormalization(new Float32Array([1, 2, 0.5]), new Float32Array([0, 1, -1]), 0.9, null, null, { backend, ...options });

function tensor(values: Float32Array, dims = shape): WasmTensor {
  const t = allocTensor(dims);
  t.data.set(values);
  return t;
}

// Everything observable about the layer, and what its next backward gives.
function observe(bn: BatchNormalization) {
  const plain = (a: Float32Array | null) => (a ? Array.from(a) : null);
  const state = { runningMean: plain(bn.runningMean), runningVar: plain(bn.runningVar), dgamma: plain(bn.dgamma), dbeta: plain(bn.dbeta) };
  return { ...state, next: Array.from(bn.backward({ data: dyData, shape }).data) };
}

// A twin that ran only the calls that succeeded.
function trainedTwin(backend: 'wasm' | 'js') {
  const bn = make(backend);
  bn.forward({ data: xData, shape });
  return bn;
}

describe.each(['wasm', 'js'] as const)('on the %s backend', (backend) => {
  describe('in-place writes into an input the training forward saw (item 1)', () => {
    it("docs/TENSORS.md's zero-copy loop: in-place inference after a training forward gives a correct dx or a refusal, never a wrong dx", () => {
      const bn = make(backend);
      const [x, y, dy, dx] = [tensor(xData), tensor(new Float32Array(12)), tensor(dyData), tensor(new Float32Array(12))];
      bn.forward(x, true, y);
      bn.forward(x, false, x); // overwrites the input the training forward saw
      const twin = trainedTwin(backend);
      const expected = Array.from(twin.backward({ data: dyData, shape }).data);
      if (backend === 'js') {
        // The JS backend keeps a copy of every training input: backward is right.
        bn.backward(dy, dx);
        expect(scaledDistance(dx.data, expected)).toBeLessThan(1e-6);
      } else {
        // The Wasm backend kept the tensor by reference: backward refuses, with the layer unchanged.
        const before = { runningMean: Array.from(bn.runningMean!), dgamma: bn.dgamma };
        expect(() => bn.backward(dy, dx)).toThrow(TypeError);
        expect(() => bn.backward(dy, dx)).toThrow(/BatchNormalization\.backward: the Wasm tensor given to the training forward was written since .*call backward first/);
        expect({ runningMean: Array.from(bn.runningMean!), dgamma: bn.dgamma }).toEqual(before);
      }
      // docs/TENSORS.md's order: backward first, then inference in place.
      x.data.set(xData);
      bn.forward(x, true, y);
      bn.backward(dy, dx);
      bn.forward(x, false, x);
      expect(scaledDistance(dx.data, expected)).toBeLessThan(1e-6);
      for (const t of [bn, twin, x, y, dy, dx]) t.dispose();
    });

    it("a write by another layer of this backend into a Wasm layer's saved tensor, or through a plain view of it, is seen", () => {
      const keeper = make('wasm');
      const writer = make(backend);
      const x = tensor(xData);
      keeper.forward(x, true);
      writer.forward({ data: xData, shape }, false, { data: x.data, shape }); // a view of x's memory as out
      expect(() => keeper.backward({ data: dyData, shape })).toThrow(/was written since/);
      keeper.forward(x, true); // a new training forward keeps the tensor as it is now
      expect(keeper.backward({ data: dyData, shape }).data.every(Number.isFinite)).toBe(true);
      keeper.forward(x, true);
      writer.forward(x, false, x); // in place, by the other layer
      expect(() => keeper.backward({ data: dyData, shape })).toThrow(/was written since/);
      for (const t of [keeper, writer, x]) t.dispose();
    });

    it("a write into a Wasm layer's saved tensor by forwardAsync's out, or by backward's and backwardAsync's, is seen", async () => {
      const keeper = make('wasm');
      const writer = make(backend);
      const x = tensor(xData);
      keeper.forward(x, true);
      await writer.forwardAsync({ data: xData, shape }, false, x);
      expect(() => keeper.backward({ data: dyData, shape })).toThrow(/was written since/);
      writer.forward({ data: xData, shape }, true);
      for (const backward of [(out: WasmTensor) => writer.backward({ data: dyData, shape }, out), (out: WasmTensor) => writer.backwardAsync({ data: dyData, shape }, out)]) {
        x.data.set(xData);
        keeper.forward(x, true);
        await backward(x); // dx into the tensor keeper saved
        expect(() => keeper.backward({ data: dyData, shape })).toThrow(/was written since/);
      }
      for (const t of [keeper, writer, x]) t.dispose();
    });

    it("a write into the last row alone of a Wasm layer's saved tensor is seen", () => {
      const keeper = make('wasm');
      const writer = make(backend);
      const x = tensor(xData);
      keeper.forward(x, true);
      const last = { data: x.data.subarray(9), shape: [1, 3] }; // x's last row: its last 12 of 48 bytes
      writer.forward({ data: xData.subarray(0, 3), shape: [1, 3] }, false, last);
      expect(() => keeper.backward({ data: dyData, shape })).toThrow(/was written since/);
      for (const t of [keeper, writer, x]) t.dispose();
    });

    it("a write into a Wasm layer's saved tensor by a call that grows the memory is seen too", () => {
      const C = 1024;
      // A saved tensor as large as the memory was: the writer's own buffers for x make its call grow the memory.
      const rows = Math.ceil(wasmMemoryInfo()!.byteLength / 4 / C) + 1;
      const big = [rows, C];
      const keeper = new BatchNormalization(seeded(C, 3, 1), seeded(C, 4), 0.9, null, null, { backend: 'wasm' });
      const writer = new BatchNormalization(seeded(C, 3, 1), seeded(C, 4), 0.9, null, null, { backend });
      const x = allocTensor(big);
      x.data.set(seeded(rows * C, 5, 1, 2));
      keeper.forward(x, true);
      const before = wasmMemoryInfo()!.byteLength;
      writer.forward({ data: seeded(rows * C, 6), shape: big }, true, x); // out: the tensor keeper saved
      if (backend === 'wasm') expect(wasmMemoryInfo()!.byteLength).toBeGreaterThan(before); // it did grow
      expect(() => keeper.backward({ data: seeded(rows * C, 7), shape: big })).toThrow(/was written since/);
      for (const t of [keeper, writer, x]) t.dispose();
    });

    it('a training forward whose out is its own input still differentiates the input it saw', () => {
      const bn = make(backend);
      const x = tensor(xData);
      bn.forward(x, true, x);
      const twin = trainedTwin(backend);
      expect(scaledDistance(bn.backward({ data: dyData, shape }).data, twin.backward({ data: dyData, shape }).data)).toBeLessThan(1e-6);
      for (const t of [bn, twin, x]) t.dispose();
    });
  });

  describe('a call that fails leaves the layer as it was (items 2, 3)', () => {
    const throwing = (bad: unknown, at = 5) => new Proxy(Array.from(xData), { get: (t, k) => (k === String(at) ? bad : Reflect.get(t, k)) });
    it.each([
      ['a BigInt element', 10n],
      ['a Symbol element', Symbol('s')],
      ['a string element', '0.5'],
      ['an undefined element (a hole)', undefined],
    ])('%s in x.data: TypeError naming the index', (_, bad) => {
      const bn = trainedTwin(backend);
      const before = observe(trainedTwin(backend));
      expect(() => bn.forward({ data: throwing(bad), shape })).toThrow(TypeError);
      expect(() => bn.forward({ data: throwing(bad), shape })).toThrow(/forward: x\.data\[5\] must be a number; got /);
      expect(observe(bn)).toEqual(before);
      bn.dispose();
    });

    it('an element getter that throws: its error, and the layer unchanged (with a larger batch, and memory reused after)', () => {
      const bn = trainedTwin(backend);
      const before = observe(trainedTwin(backend));
      const data = new Proxy(Array.from({ length: 48 }, (_, i) => i / 7), {
        get: (t, k) => { if (k === '40') throw new Error('element 40 is gone'); return Reflect.get(t, k); },
      });
      expect(() => bn.forward({ data, shape: [16, D] })).toThrow(/element 40 is gone/);
      // Memory freed by the failed call (if any) is handed out again and overwritten.
      const others = Array.from({ length: 8 }, () => tensor(new Float32Array(12).fill(12345)));
      expect(observe(bn)).toEqual(before);
      for (const t of [bn, ...others]) t.dispose();
    });

    it("an out.data whose getter throws on a second read is read once: the call succeeds", () => {
      const bn = make(backend);
      const target = new Float32Array(12);
      let reads = 0;
      const out = { get data() { if (++reads > 1) throw new Error('read twice'); return target; }, shape };
      bn.forward({ data: xData, shape }, true, out);
      expect(reads).toBe(1);
      const twin = trainedTwin(backend);
      expect(Array.from(target)).toEqual(Array.from(twin.forward({ data: xData, shape }, true).data));
      for (const t of [bn, twin]) t.dispose();
    });

    it('an out whose data getter throws: that error, running statistics unmoved', () => {
      const bn = trainedTwin(backend);
      const before = observe(trainedTwin(backend));
      const out = { get data(): Float32Array { throw new Error('no data'); }, shape };
      expect(() => bn.forward({ data: xData, shape }, true, out)).toThrow(/no data/);
      expect(observe(bn)).toEqual(before);
      bn.dispose();
    });

    it('an out that is a view of Wasm memory, given to a call that itself grows the memory, gets the result', () => {
      const C = 1024;
      // An x as large as the whole memory: its copy for backward makes the call grow the memory.
      const rows = Math.ceil(wasmMemoryInfo()!.byteLength / 4 / C) + 1;
      const big = [rows, C];
      const x = { data: seeded(rows * C, 5, 1, 2), shape: big };
      const y = allocTensor(big);
      const bn = new BatchNormalization(seeded(C, 3, 1), seeded(C, 4), 0.9, null, null, { backend });
      const twin = new BatchNormalization(seeded(C, 3, 1), seeded(C, 4), 0.9, null, null, { backend: 'js' });
      const before = wasmMemoryInfo()!.byteLength;
      bn.forward(x, true, { data: y.data, shape: big });
      if (backend === 'wasm') expect(wasmMemoryInfo()!.byteLength).toBeGreaterThan(before); // it did grow
      expect(scaledDistance(y.data, twin.forward(x).data)).toBeLessThan(1e-5); // y.data read again: the old view is detached
      expect(scaledDistance(bn.runningMean!, twin.runningMean!)).toBeLessThan(1e-6); // moved once
      for (const t of [bn, twin, y]) t.dispose();
    });

    it('an x that is a view of Wasm memory, given to a training forward that grows the memory, is normalised from its elements', () => {
      const C = 1024;
      const rows = Math.ceil(wasmMemoryInfo()!.byteLength / 4 / C / 2) + 1; // x takes half the memory: its copy for backward grows it
      const big = [rows, C];
      const xs = allocTensor(big);
      xs.data.set(seeded(rows * C, 6, 1, 2));
      const plain = xs.data.slice();
      const bn = new BatchNormalization(seeded(C, 3, 1), seeded(C, 4), 0.9, null, null, { backend });
      const twin = new BatchNormalization(seeded(C, 3, 1), seeded(C, 4), 0.9, null, null, { backend: 'js' });
      const before = wasmMemoryInfo()!.byteLength;
      const y = bn.forward({ data: xs.data, shape: big }, true).data;
      if (backend === 'wasm') expect(wasmMemoryInfo()!.byteLength).toBeGreaterThan(before); // it did grow
      expect(scaledDistance(y, twin.forward({ data: plain, shape: big }).data)).toBeLessThan(1e-5);
      for (const t of [bn, twin, xs]) t.dispose();
    });
  });

  describe('every property of a caller is read once (item 4)', () => {
    it('a data getter that answers 12 elements, then 3000, is read once and used as read', () => {
      const bystander = make('wasm');
      bystander.forward({ data: xData, shape });
      const expected = Array.from(bystander.backward({ data: dyData, shape }).data);
      let reads = 0;
      const x = { get data() { return ++reads === 1 ? xData : seeded(3000, 9); }, shape };
      const bn = make(backend);
      const y = bn.forward(x).data;
      expect(reads).toBe(1);
      expect(y.length).toBe(12);
      expect(Array.from(bystander.backward({ data: dyData, shape }).data)).toEqual(expected); // nothing written past a buffer
      for (const t of [bn, bystander]) t.dispose();
    });

    it("out.shape's length and entries are read once each, and checked as read", () => {
      const reads = new Map<string, number>();
      const counted = (entries: number[]) => new Proxy(entries, {
        get: (t, k) => { if (typeof k === 'string') reads.set(k, (reads.get(k) ?? 0) + 1); return Reflect.get(t, k); },
      });
      const bn = make(backend);
      const out = { data: new Float32Array(12), shape: counted([4, D]) };
      expect(bn.forward({ data: xData, shape }, true, out)).toBe(out);
      expect(Object.fromEntries(reads)).toEqual({ length: 1, 0: 1, 1: 1 });
      bn.dispose();
    });

    it('an out of the right size whose shape differs in any entry, or whose dims alone match, is refused', () => {
      const bn = trainedTwin(backend);
      const before = observe(trainedTwin(backend));
      const data = new Float32Array(12);
      expect(() => bn.forward({ data: xData, shape }, true, { data, shape: [D, 4] })).toThrow(/out\.shape must be x's shape \[4, 3\]; got \[3, 4\]/);
      expect(() => bn.forward({ data: xData, shape }, true, { data, shape: [4, 5] })).toThrow(/got \[4, 5\]/); // the last entry alone
      expect(() => bn.forward({ data: xData, shape }, true, { data, shape: [4, 3, 1] })).toThrow(RangeError);
      expect(() => bn.forward({ data: xData, shape }, true, { data, shape: [2, 6], dims: [4, D] })).toThrow(/got \[2, 6\]/); // shape is what is checked
      expect(observe(bn)).toEqual(before);
      bn.dispose();
    });

    it('a shape whose first entry answers 4, then 400, gives 12 outputs', () => {
      let reads = 0;
      const dims = new Proxy([4, D], { get: (t, k) => (k === '0' ? (++reads === 1 ? 4 : 400) : Reflect.get(t, k)) });
      const bn = make(backend);
      const y = bn.forward({ data: xData, shape: dims });
      expect(y.data.length).toBe(12);
      expect(y.shape).toEqual([4, D]);
      expect(reads).toBe(1);
      bn.dispose();
    });
  });

  it('an out overlapping x shifted by one element gives the plain result (item 5)', () => {
    const bn = trainedTwin(backend);
    const expected = Array.from(bn.forward({ data: xData, shape }, false).data);
    const buffer = new Float32Array(13);
    buffer.set(xData, 1);
    const x = { data: buffer.subarray(1), shape };
    const out = { data: buffer.subarray(0, 12), shape };
    bn.forward(x, false, out);
    expect(scaledDistance(out.data, expected)).toBeLessThan(1e-6);
    bn.dispose();
  });

  it('views of one Wasm tensor overlapping shifted, either way, as x and out or dy and out: the plain results', () => {
    const plain = trainedTwin(backend);
    const expected = {
      infer: Array.from(plain.forward({ data: xData, shape }, false).data),
      backward: Array.from(plain.backward({ data: dyData, shape }).data),
      train: Array.from(make(backend).forward({ data: xData, shape }).data),
    };
    for (const [inAt, outAt] of [[1, 0], [0, 1]]) {
      const memory = allocTensor([13]); // x (or dy) and out, one element apart
      const view = (at: number) => ({ data: memory.data.subarray(at, at + 12), shape });
      const bn = trainedTwin(backend);
      memory.data.set(xData, inAt);
      expect(Array.from(bn.forward(view(inAt), false, view(outAt)).data), `inference, x at ${inAt}, out at ${outAt}`).toEqual(expected.infer);
      memory.data.set(dyData, inAt);
      const dx = Array.from(bn.backward(view(inAt), view(outAt)).data);
      expect(scaledDistance(dx, expected.backward), `backward, dy at ${inAt}, out at ${outAt}`).toBeLessThan(1e-6);
      memory.data.set(xData, inAt);
      const y = Array.from(make(backend).forward(view(inAt), true, view(outAt)).data);
      expect(scaledDistance(y, expected.train), `training forward, x at ${inAt}, out at ${outAt}`).toBeLessThan(1e-6);
      memory.dispose();
      bn.dispose();
    }
    plain.dispose();
  });

  describe('strided and offset views (item 6)', () => {
    it('an ndarray transposed view is gathered (one copy) and normalised as the materialised array', () => {
      const base = ndarray(seeded(12, 7, 1, 3), [D, 4]); // [3, 4]
      const view = base.transpose(1, 0); // [4, 3] with strides [1, 4]
      const materialised = new Float32Array(12);
      for (let n = 0; n < 4; n++) for (let d = 0; d < D; d++) materialised[n * D + d] = view.get(n, d);
      const [a, b] = [make(backend), make(backend)];
      expect(scaledDistance(a.forward(view).data, b.forward({ data: materialised, shape }).data)).toBe(0);
      expect(scaledDistance(a.backward({ data: dyData, shape }).data, b.backward({ data: dyData, shape }).data)).toBe(0);
      for (const t of [a, b]) t.dispose();
    });

    it('an offset view is read from its offset; a view past the data, or with bad strides, is refused by name', () => {
      const bn = make(backend);
      const padded = new Float32Array(20);
      padded.set(xData, 5);
      const twin = make(backend);
      expect(Array.from(bn.forward({ data: padded, shape, offset: 5 } as never).data)).toEqual(Array.from(twin.forward({ data: xData, shape }).data));
      expect(() => bn.forward({ data: padded, shape, offset: 9 } as never)).toThrow(/x\.shape \[4, 3\] with stride \[3, 1\] and offset 9 reaches elements 9 to 20 of x\.data; it has 20/);
      expect(() => bn.forward({ data: padded, shape, stride: [3] } as never)).toThrow(/x\.stride must be an array of 2 integers/);
      expect(() => bn.forward({ data: padded, shape, offset: -1 } as never)).toThrow(/x\.offset must be a non-negative integer; got number -1/);
      expect(() => bn.forward({ data: xData, shape }, false, { data: new Float32Array(12), shape, stride: [1, 4] } as never))
        .toThrow(/out\.stride must be the row-major strides \[3, 1\] of \[4, 3\] .*; got \[1, 4\]: pass a contiguous out/);
      for (const t of [bn, twin]) t.dispose();
    });
  });

  describe('typed tensors (item 7) and the ecosystem\'s tensors', () => {
    it('an onnxruntime float32 Tensor is taken as it is', () => {
      const bn = make(backend);
      const twin = make(backend);
      const t = new OrtTensor('float32', xData.slice(), shape);
      expect(Array.from(bn.forward(t as never).data)).toEqual(Array.from(twin.forward({ data: xData, shape }).data));
      for (const l of [bn, twin]) l.dispose();
    });

    it("an onnxruntime 'float16' Tensor, or any declared type other than float32/float64, is refused", () => {
      const bn = make(backend);
      expect(() => bn.forward(new OrtTensor('float16', new Uint16Array(12), shape) as never)).toThrow(/forward: x\.type must be 'float32' or 'float64' .*; got the string "float16": convert the tensor to float32 first/);
      expect(() => bn.forward({ data: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3]), shape, dtype: 'int32' } as never)).toThrow(/x\.dtype must be 'float32' or 'float64'/);
      const f64 = { data: Float64Array.from(xData), shape, dtype: 'float64' };
      expect(bn.forward(f64 as never).data.length).toBe(12);
      bn.dispose();
    });

    it('a TensorFlow.js tensor gets the one-line conversion, not its source', () => {
      const bn = make(backend);
      const tfjsLike = { shape, dtype: 'float32', data: async () => xData, dataSync: () => xData, isDisposed: false };
      let message = '';
      try {
        bn.forward(tfjsLike as never);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/forward: x is a TensorFlow\.js tensor, whose data lives in its backend; pass \{ data: x\.dataSync\(\), shape: x\.shape \}/);
      expect(message).not.toMatch(/=>|async/);
      bn.dispose();
    });
  });

  it('strings in an array-like are a TypeError naming the index (item 9), in gamma too', () => {
    const bn = make(backend);
    const data = Array.from(xData, (v, i) => (i === 7 ? 'x' : v));
    expect(() => bn.forward({ data: data as never, shape })).toThrow(/x\.data\[7\] must be a number; got the string "x"/);
    expect(() => new BatchNormalization([1, '2', 3] as never, [0, 0, 0], 0.9, null, null, { backend })).toThrow(/new BatchNormalization: gamma\[1\] must be a number; got the string "2"/);
    bn.dispose();
  });

  it('out.data one element too short or too long is refused', () => {
    const bn = make(backend);
    for (const n of [11, 13]) {
      expect(() => bn.forward({ data: xData, shape }, false, { data: new Float32Array(n), shape })).toThrow(new RegExp(`out\\.data\\.length must be 12; got ${n}`));
    }
    bn.dispose();
  });
});

describe('options (item 8)', () => {
  it('unknown keys are refused with the known ones and a guess', () => {
    expect(() => new BatchNormalization([1], [0], 0.9, null, null, { epsilon: 1e-3 } as never)).toThrow(RangeError);
    expect(() => new BatchNormalization([1], [0], 0.9, null, null, { epsilon: 1e-3 } as never))
      .toThrow(/new BatchNormalization: options has no key "epsilon"; did you mean eps\? \(options takes dtype, eps, backend, axis, activation, runningVarUnbiased, trackRunningStats, numBatchesTracked, collective, syncTimeoutMs\)/);
    expect(() => new BatchNormalization([1], [0], 0.9, null, null, { Axis: 1 } as never)).toThrow(/did you mean axis\?/);
    expect(() => init({ thread: 2 } as never)).toThrow(/init\(options\): options has no key "thread"; did you mean threads\?/);
    expect(() => BatchNormalization.fromState(new BatchNormalization([1], [0]).state(), { eps: 1 } as never)).toThrow(/fromState: options has no key "eps"/);
  });

  it('an explicit undefined keeps the default', () => {
    const sd = { weight: [1, 2], bias: [0, 0], running_mean: [0, 1], running_var: [1, 2] };
    const bn = BatchNormalization.fromPyTorch(sd, { eps: undefined, axis: undefined });
    expect(bn.eps).toBe(1e-5);
    expect(bn.axis).toBe(1);
    expect(bn.runningVarUnbiased).toBe(true);
    expect(new BatchNormalization([1], [0], 0.9, null, null, { eps: undefined }).eps).toBe(1e-6);
  });
});

describe('state formats read each field once (item 4)', () => {
  // The object's fields as getters that count their reads.
  function counted<T extends object>(fields: T): { value: T; reads: Record<string, number> } {
    const reads: Record<string, number> = {};
    const value = {} as T;
    for (const [key, v] of Object.entries(fields)) {
      Object.defineProperty(value, key, { get: () => ((reads[key] = (reads[key] ?? 0) + 1), v), enumerable: true });
    }
    return { value, reads };
  }
  const once = (reads: Record<string, number>) => Object.entries(reads).filter(([, n]) => n !== 1);

  it('fromPyTorch, fromKeras and fromState, with the layer a plain object gives', () => {
    const sd = { weight: [1, 2], bias: [0, 1], running_mean: [0.5, -1], running_var: [2, 3], num_batches_tracked: 4, momentum: 0.2, eps: 1e-3 };
    const pt = counted(sd);
    expect(BatchNormalization.fromPyTorch(pt.value).state()).toEqual(BatchNormalization.fromPyTorch(sd).state());
    expect(once(pt.reads)).toEqual([]);
    const weights = { gamma: [1, 2], beta: [0, 1], moving_mean: [0.5, -1], moving_variance: [2, 3] };
    const config = { axis: 1, momentum: 0.9, epsilon: 1e-2, center: true, scale: true, renorm: false };
    const k = counted(config);
    expect(BatchNormalization.fromKeras(weights, k.value).state()).toEqual(BatchNormalization.fromKeras(weights, config).state());
    expect(once(k.reads)).toEqual([]);
    const state = make('wasm').state();
    const st = counted(state);
    expect(BatchNormalization.fromState(st.value).state()).toEqual(BatchNormalization.fromState(state).state());
    expect(once(st.reads)).toEqual([]);
  });
});

describe('messages (items 12, 13)', () => {
  it('the common shape mistakes say what x must be and how to pass it', () => {
    const bn = make('wasm');
    expect(() => bn.forward(xData as never)).toThrow(/forward: x must be a tensor \{ data, shape \}, not its data alone; got a Float32Array of length 12: pass \{ data: x, shape: \[N, D\] \}/);
    expect(() => bn.forward(Array.from(xData) as never)).toThrow(/got an Array of length 12: pass \{ data: x/);
    expect(() => bn.forward(undefined as never)).toThrow(/x must be an object \{ data, shape \}; got undefined$/);
    expect(() => bn.forward({ data: xData } as never)).toThrow(/x\.shape must be an array \[N, D\] or \[N, C, H, W\]; got undefined$/);
    bn.dispose();
  });

  it("fromPyTorch names PyTorch's fields", () => {
    expect(() => BatchNormalization.fromPyTorch({ weight: [1, 2], bias: [0, 0, 0] })).toThrow(/fromPyTorch: bias\.length must be 2 \(the length of weight\); got 3/);
    expect(() => BatchNormalization.fromPyTorch({ weight: [1, 2], running_var: [1] , running_mean: [0, 0] })).toThrow(/fromPyTorch: running_var\.length must be 2 \(the length of weight\); got 1/);
  });

  it('running out of Wasm memory names the call and the shape', () => {
    const bn = new BatchNormalization([1, 1], [0, 0], 0.9, null, null, { backend: 'wasm' });
    const huge = { data: { length: 2 ** 30 } as ArrayLike<number>, shape: [2 ** 29, 2] };
    expect(() => bn.forward(huge)).toThrow(/BatchNormalization\.forward: out of Wasm memory: x\.shape \[536870912, 2\] needs 4294967296 bytes/);
    bn.dispose();
  });

  it("running out of Wasm memory in the engine's own buffers names the call and x.shape, or dout.shape", () => {
    // A Wasm tensor of 2.5 GiB (5 * 2^27 float32) fits (a resident input is not copied); a buffer for y as large does not.
    const N = 5 * 2 ** 27;
    const bn = new BatchNormalization([1], [0], 0.9, null, null, { backend: 'wasm' });
    const huge = allocTensor([N, 1]);
    for (const trainFlg of [true, false]) {
      expect(() => bn.forward(huge, trainFlg)).toThrow(RangeError);
      expect(() => bn.forward(huge, trainFlg)).toThrow(/^BatchNormalization\.forward: out of Wasm memory: .* \(for x\.shape \[671088640, 1\]\)$/);
    }
    huge.dispose();
    // A training forward into an out of its own leaves dx a buffer to find; a memory filled
    // meanwhile (untouched: nothing is written) has no room for it.
    const [x, y, dy] = [allocTensor([4096, 1]), allocTensor([4096, 1]), allocTensor([4096, 1])];
    x.data.set(seeded(4096, 9));
    bn.forward(x, true, y);
    const fill = [];
    for (let n = 2 ** 28; n >= 64;) {
      try {
        fill.push(allocTensor([n]));
      } catch {
        n /= 2;
      }
    }
    expect(() => bn.backward(dy)).toThrow(RangeError);
    expect(() => bn.backward(dy)).toThrow(/^BatchNormalization\.backward: out of Wasm memory: .* \(for dout\.shape \[4096, 1\]\)$/);
    for (const t of [...fill, x, y, dy, bn]) t.dispose();
  });

  it.each(['wasm', 'js'] as const)('%s: data that does not fill a huge shape is named as the mismatch, not as memory', (backend) => {
    const bn = new BatchNormalization([1, 1, 1], [0, 0, 0], 0.9, null, null, { backend });
    const x = { data: new Float32Array(12), shape: [1e9, 3] };
    expect(() => bn.forward(x)).toThrow(new RangeError('BatchNormalization.forward: x.data.length must be the product of x.shape [1000000000, 3] = 3000000000; got 12'));
    // A view that reaches past its data is named too, before the memory is asked.
    const view = { ...x, stride: [3, 1], offset: 0 };
    expect(() => bn.forward(view)).toThrow(/x\.shape \[1000000000, 3\] with stride \[3, 1\] and offset 0 reaches elements 0 to 2999999999 of x\.data; it has 12/);
    expect(bn.runningMean).toBeNull();
    bn.dispose();
  });

  it('allocTensor past Wasm memory names itself, the shape and its bytes', () => {
    expect(() => allocTensor([65536, 16384])).toThrow(/^allocTensor: out of Wasm memory: a block of \d+ bytes does not fit .*\(for shape \[65536, 16384\], 4294967296 bytes\)$/);
    // The memory is still usable after the refusal.
    const t = allocTensor([4]);
    t.data.set([1, 2, 3, 4]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4]);
    t.dispose();
  });
});
