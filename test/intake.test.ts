// src/intake.ts: a caller's tensor read once, against the rules its header states. The data
// comes out as the caller's own Float32Array where it already is one (a subarray for a
// contiguous view), else as a copy gathered element by element; the shape comes out frozen;
// every refusal names the argument, what it must be and what came (messages are API). Views
// are checked against an independent gather: element i of the result is data[offset +
// sum_d index_d * stride_d], index the row-major digits of i.
import ndarray from 'ndarray';
import { Tensor as OrtTensor } from 'onnxruntime-common';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTarget, readTensor } from '../src/intake.js';
import { allocTensor, BatchNormalization, init } from '../src/index.js';
import { expectThrows } from './helpers/throws.js';

beforeAll(async () => {
  await init();
});

const RANKS = [2, 4];
const RANK_TEXT = '2 dimensions [N, D] or 4 [N, C, H, W]';
const read = (value: unknown, maxCount = Infinity, known: { shape: readonly number[]; count: number } | null = null) =>
  readTensor(value, 'x', 'f', 'float32', RANKS, RANK_TEXT, maxCount, known);

// The independent gather: row-major digits of i, each times its stride.
function gather(data: ArrayLike<number>, shape: number[], stride: number[], offset: number): number[] {
  const count = shape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    let at = offset;
    let place = count;
    for (let d = 0; d < shape.length; d++) {
      place /= shape[d];
      at += (Math.floor(i / place) % shape[d]) * stride[d];
    }
    out.push(data[at]);
  }
  return out;
}

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i + 1);

describe('readTensor: the forms a tensor may take', () => {
  it('{ data, shape } with a Float32Array is the caller\'s array, its shape a frozen copy', () => {
    const data = iota(6);
    const shape = [2, 3];
    const t = read({ data, shape });
    expect(t.data).toBe(data);
    expect(t.count).toBe(6);
    expect(t.shape).toEqual([2, 3]);
    expect(t.shape).not.toBe(shape);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(t.tensor).toBeNull();
  });

  it('an array of numbers (or a Float64Array) is copied into a Float32Array', () => {
    const t = read({ data: [1, 2, 3, 4.5], shape: [2, 2] });
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4.5]);
    expect(Array.from(read({ data: new Float64Array([0.5, 1, 2, 3]), shape: [1, 4], dtype: 'float64' }).data)).toEqual([0.5, 1, 2, 3]);
  });

  it('an onnxruntime Tensor gives its dims as the shape; shape and dims given together must agree', () => {
    const t = read(new OrtTensor('float32', iota(6), [3, 2]));
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(read({ data: iota(6), shape: [3, 2], dims: [3, 2] }).shape).toEqual([3, 2]);
    expectThrows(() => read({ data: iota(6), shape: [3, 2], dims: [2, 3] }), RangeError, 'f: x.shape and x.dims must agree; got shape [3, 2] and dims [2, 3]');
    expectThrows(() => read({ data: iota(6), shape: [3, 2], dims: [3, 2, 1] }), RangeError, 'f: x.shape and x.dims must agree; got shape [3, 2] and dims [3, 2, 1]');
    expectThrows(() => read({ data: iota(6), shape: [3, 2], dims: [3] }), RangeError, 'f: x.shape and x.dims must agree; got shape [3, 2] and dims [3]');
    expectThrows(() => read({ data: iota(6), shape: [3, 2], dims: [3, 5] }), RangeError, 'f: x.shape and x.dims must agree; got shape [3, 2] and dims [3, 5]');
    expectThrows(() => read({ data: iota(6), shape: [3, 2], dims: 'no' }), RangeError, 'f: x.shape and x.dims must agree; got shape [3, 2] and dims the string "no"');
  });

  it('a declared type: float32 or float64 for an input, each of type and dtype checked', () => {
    for (const declared of [{ type: 'float32' }, { dtype: 'float32' }, { type: 'float64', dtype: 'float32' }]) {
      expect(read({ data: iota(4), shape: [2, 2], ...declared }).count).toBe(4);
    }
    expectThrows(() => read({ data: iota(4), shape: [2, 2], type: 'float16' }), TypeError,
      "f: x.type must be 'float32' or 'float64' (the layer computes in float32); got the string \"float16\": convert the tensor to float32 first");
    expectThrows(() => read({ data: iota(4), shape: [2, 2], type: 'float32', dtype: 'int32' }), TypeError,
      "f: x.dtype must be 'float32' or 'float64' (the layer computes in float32); got the string \"int32\": convert the tensor to float32 first");
  });

  it('the shape the caller passed last time is reused as checked then (its count too); another one is checked afresh', () => {
    const first = read({ data: iota(6), shape: [2, 3] });
    const again = read({ data: iota(6), shape: [2, 3] }, Infinity, first);
    expect(again.shape).toBe(first.shape);
    expect(again.count).toBe(6);
    const other = read({ data: iota(8), shape: [2, 4] }, Infinity, first);
    expect(other.shape).toEqual([2, 4]);
    expect(other.count).toBe(8);
    expectThrows(() => read({ data: iota(6), shape: [6] }, Infinity, first), RangeError, `f: x.shape must have ${RANK_TEXT}; got [6]`);
  });

  it('a Wasm tensor is taken where it is', () => {
    const w = allocTensor([2, 2]);
    w.data.set([1, 2, 3, 4]);
    const t = read(w);
    expect(t.tensor).toBe(w);
    expect(t.data.buffer).toBe(w.data.buffer);
    expect(t.data.byteOffset).toBe(w.ptr);
    expect(t.count).toBe(4);
    expectThrows(() => readTensor(w, 'x', 'f', 'float32', [4], 'four', Infinity), RangeError, 'f: x.shape must have four; got [2, 2]');
    w.dispose();
    expectThrows(() => read(w), TypeError, 'f: x must be a live tensor; got a disposed Wasm tensor');
  });
});

describe('readTensor: strided and offset views', () => {
  it('a contiguous view from an offset is a subarray of the caller\'s Float32Array (no copy); of an Array, the same elements copied', () => {
    const data = iota(20);
    const t = read({ data, shape: [2, 3], offset: 5 });
    expect(t.data.buffer).toBe(data.buffer);
    expect(t.data.byteOffset).toBe(20);
    expect(Array.from(t.data)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(Array.from(read({ data: Array.from(data), shape: [2, 3], offset: 5 }).data)).toEqual([6, 7, 8, 9, 10, 11]);
    expect(Array.from(read({ data, shape: [2, 3], stride: [3, 1] }).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a dimension of size 1 may have any stride and the view is still contiguous (no copy)', () => {
    const data = iota(40);
    const t = read({ data, shape: [1, 4], stride: [100, 1], offset: 2 });
    expect(t.data.buffer).toBe(data.buffer);
    expect(Array.from(t.data)).toEqual([3, 4, 5, 6]);
    const u = read({ data, shape: [2, 1, 1, 3], stride: [3, -7, 50, 1] });
    expect(u.data.buffer).toBe(data.buffer);
    expect(Array.from(u.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('padded rows, transposed, and reversed (negative strides) views are gathered element by element', () => {
    const data = iota(40);
    const cases: Array<[number[], number[], number]> = [
      [[4, 3], [6, 1], 0], // padded rows: every row 6 elements apart (the case)
      [[4, 3], [1, 4], 0], // transposed
      [[3, 4], [-4, 1], 8], // rows in reverse order
      [[3, 4], [4, -1], 3], // each row reversed
      [[2, 2, 2, 3], [12, -6, 3, 1], 6], // a 4D view, one axis reversed
      [[2, 3], [20, 2], 1], // every other element
    ];
    for (const [shape, stride, offset] of cases) {
      const t = read({ data, shape, stride, offset });
      const expected = gather(data, shape, stride, offset);
      expect(Array.from(t.data), `shape ${shape} stride ${stride} offset ${offset}`).toEqual(expected);
      expect(t.data.buffer, 'a gathered copy').not.toBe(data.buffer);
    }
    // An ndarray view of the same kind.
    const transposed = ndarray(iota(12), [3, 4]).transpose(1, 0);
    expect(Array.from(read(transposed).data)).toEqual(gather(iota(12), [4, 3], [1, 4], 0));
  });

  it('a view must stay inside its data, at either end; its offset and strides must be integers', () => {
    const data = iota(12);
    expect(Array.from(read({ data, shape: [2, 3], offset: 6 }).data)).toEqual([7, 8, 9, 10, 11, 12]); // ends on the last element
    expectThrows(() => read({ data, shape: [2, 3], offset: 7 }), RangeError, 'f: x.shape [2, 3] with stride [3, 1] and offset 7 reaches elements 7 to 12 of x.data; it has 12');
    expect(Array.from(read({ data, shape: [3, 2], stride: [-4, 1], offset: 8 }).data)).toEqual([9, 10, 5, 6, 1, 2]); // starts on element 0
    expectThrows(() => read({ data, shape: [3, 2], stride: [-4, 1], offset: 7 }), RangeError, 'f: x.shape [3, 2] with stride [-4, 1] and offset 7 reaches elements -1 to 8 of x.data; it has 12');
    expectThrows(() => read({ data, shape: [2, 3], offset: -1 }), RangeError, 'f: x.offset must be a non-negative integer; got number -1');
    expectThrows(() => read({ data, shape: [2, 3], offset: 0.5 }), RangeError, 'f: x.offset must be a non-negative integer; got number 0.5');
    expectThrows(() => read({ data, shape: [2, 3], offset: '1' }), RangeError, 'f: x.offset must be a non-negative integer; got the string "1"');
    expectThrows(() => read({ data, shape: [2, 3], stride: [3] }), RangeError, 'f: x.stride must be an array of 2 integers (one per dimension of x.shape [2, 3]); got [3]');
    expectThrows(() => read({ data, shape: [2, 3], stride: [3, 1.5] }), RangeError, 'f: x.stride must be an array of 2 integers (one per dimension of x.shape [2, 3]); got [3, 1.5]');
    expectThrows(() => read({ data, shape: [2, 3], stride: [3, '1'] }), RangeError, 'f: x.stride must be an array of 2 integers (one per dimension of x.shape [2, 3]); got [3, the string "1"]');
    // A view's elements are read once each and named by their index in data.
    const strings: unknown[] = Array.from(data);
    strings[7] = 'x';
    expectThrows(() => read({ data: strings, shape: [2, 3], offset: 3 }), TypeError, 'f: x.data[7] must be a number; got the string "x"');
    expectThrows(() => read({ data: strings, shape: [2, 2], stride: [6, 1], offset: 1 }), TypeError, 'f: x.data[7] must be a number; got the string "x"');
    expectThrows(() => read({ data, shape: [2, 3], stride: 3 }), RangeError, 'f: x.stride must be an array of 2 integers (one per dimension of x.shape [2, 3]); got number 3');
  });

  it('through the layer: a padded-rows view gives what the same rows packed give', () => {
    const padded = iota(24).map((v) => Math.sin(v) * 3);
    const packed = Float32Array.from(gather(padded, [4, 3], [6, 1], 0));
    for (const backend of ['wasm', 'js'] as const) {
      const a = new BatchNormalization([1, 2, 3], [0, 1, 0], 0.9, null, null, { backend });
      const b = new BatchNormalization([1, 2, 3], [0, 1, 0], 0.9, null, null, { backend });
      expect(Array.from(a.forward({ data: padded, shape: [4, 3], stride: [6, 1] } as never).data)).toEqual(Array.from(b.forward({ data: packed, shape: [4, 3] }).data));
      a.dispose();
      b.dispose();
    }
  });
});

describe('readTensor: refusals', () => {
  it('what is no tensor: the data alone gets the fix; anything else what came', () => {
    expectThrows(() => read([1, 2, 3, 4]), TypeError, 'f: x must be a tensor { data, shape }, not its data alone; got an Array of length 4: pass { data: x, shape: [N, D] }');
    expectThrows(() => read(new Float32Array(4)), TypeError, 'f: x must be a tensor { data, shape }, not its data alone; got a Float32Array of length 4: pass { data: x, shape: [N, D] }');
    expectThrows(() => read(null), TypeError, 'f: x must be an object { data, shape }; got null');
    expectThrows(() => read(7), TypeError, 'f: x must be an object { data, shape }; got number 7');
    // An array-like that carries a shape or dims is a tensor (another copy's Wasm tensor has a length).
    expectThrows(() => read(Object.assign([1, 2, 3, 4], { shape: [2, 2] })), TypeError, 'f: x.data must be a Float32Array, a Float64Array or an array of numbers; got undefined');
    expectThrows(() => read(Object.assign([1, 2, 3, 4], { dims: [2, 2] })), TypeError, 'f: x.data must be a Float32Array, a Float64Array or an array of numbers; got undefined');
    expectThrows(() => read({ data: [1, 2] }), TypeError, 'f: x.shape must be an array [N, D] or [N, C, H, W]; got undefined');
  });

  it("another copy's disposed Wasm tensor, and a TensorFlow.js tensor", () => {
    expectThrows(() => read({ data: iota(4), shape: [2, 2], disposed: true }), TypeError, 'f: x must be a live tensor; got a disposed Wasm tensor');
    expect(read({ data: iota(4), shape: [2, 2], disposed: false }).count).toBe(4);
    expectThrows(() => read({ data: iota(4), shape: [2, 2], dataSync: () => iota(4) }), TypeError,
      'f: x is a TensorFlow.js tensor, whose data lives in its backend; pass { data: x.dataSync(), shape: x.shape }');
  });

  it('data that does not fill the shape, dimensions that are not positive integers, a rank not allowed', () => {
    expectThrows(() => read({ data: [], shape: [1, 1] }), RangeError, 'f: x.data.length must be the product of x.shape [1, 1] = 1; got 0');
    expectThrows(() => read({ data: iota(5), shape: [2, 3] }), RangeError, 'f: x.data.length must be the product of x.shape [2, 3] = 6; got 5');
    expectThrows(() => read({ data: iota(4), shape: [2, 0] }), RangeError, 'f: x.shape[1] must be a positive integer; got number 0 in [2, 0]');
    expectThrows(() => read({ data: iota(4), shape: [2, NaN] }), RangeError, 'f: x.shape[1] must be a positive integer; got number NaN in [2, NaN]');
    expectThrows(() => read({ data: iota(4), shape: ['2', 2] }), RangeError, 'f: x.shape[0] must be a positive integer; got the string "2" in [the string "2", 2]');
    expectThrows(() => read({ data: iota(4), shape: [2, 2, 1] }), RangeError, `f: x.shape must have ${RANK_TEXT}; got [2, 2, 1]`);
  });

  it('more elements than the memory can still hold is refused before anything is read; exactly as many is taken', () => {
    expect(read({ data: iota(6), shape: [2, 3] }, 6).count).toBe(6);
    expectThrows(() => read({ data: iota(6), shape: [2, 3] }, 5), RangeError, 'f: out of Wasm memory: x.shape [2, 3] needs 24 bytes, more than the 20 it can still hold');
  });
});

describe('readTarget: an out', () => {
  const target = (value: unknown, shape = [2, 3]) => readTarget(value, shape, shape.reduce((a, b) => a * b, 1), 'x', 'f', 'float32');

  it('a Float32Array of the result\'s shape, given as { data, shape }, an onnxruntime Tensor, or with the row-major strides and offset 0', () => {
    const data = new Float32Array(6);
    expect(target({ data, shape: [2, 3] }).data).toBe(data);
    const ort = new OrtTensor('float32', data, [2, 3]);
    expect(target(ort).data).toBe(data);
    expect(target({ data, shape: [2, 3], offset: 0, stride: [3, 1] }).data).toBe(data);
    expect(target({ data, shape: [2, 3], dtype: 'float32' }).data).toBe(data);
    expect(target({ data, shape: [1, 6], stride: [99, 1] }, [1, 6]).data).toBe(data); // a size-1 dimension takes any stride
  });

  it('an out of another shape, of the same size, is refused (sameShape compares every entry and the length)', () => {
    const data = new Float32Array(12);
    expectThrows(() => target({ data, shape: [12] }, [4, 3]), RangeError, "f: out.shape must be x's shape [4, 3]; got [12]");
    expectThrows(() => target({ data, shape: [4] }, [4, 3]), RangeError, "f: out.shape must be x's shape [4, 3]; got [4]");
    expectThrows(() => target({ data, shape: [3, 4] }, [4, 3]), RangeError, "f: out.shape must be x's shape [4, 3]; got [3, 4]");
    expectThrows(() => target({ data, shape: '4,3' }, [4, 3]), RangeError, "f: out.shape must be x's shape [4, 3]; got the string \"4,3\"");
    expectThrows(() => target(new OrtTensor('float32', data, [2, 6]), [4, 3]), RangeError, "f: out.shape must be x's shape [4, 3]; got [2, 6]");
    // Through the layer, as the issue found: an out shaped [4] with 12 elements for a [4, 3] result.
    const bn = new BatchNormalization([1, 1, 1], [0, 0, 0], 0.9, null, null, { backend: 'js' });
    expectThrows(() => bn.forward({ data: iota(12), shape: [4, 3] }, true, { data, shape: [4] }), RangeError,
      "BatchNormalization.forward: out.shape must be x's shape [4, 3]; got [4]");
    expect(bn.runningMean).toBeNull();
  });

  it('refuses each wrong form by name', () => {
    expectThrows(() => target(new Float32Array(6)), TypeError,
      'f: out must be a tensor { data: Float32Array, shape } or null, not its data alone; got a Float32Array of length 6: pass { data: out, shape: [2, 3] }');
    expectThrows(() => target('out'), TypeError, 'f: out must be a tensor { data: Float32Array, shape } or null; got the string "out"');
    expectThrows(() => target(null), TypeError, 'f: out must be a tensor { data: Float32Array, shape } or null; got null');
    expectThrows(() => target({ data: new Float32Array(6), shape: [2, 3], disposed: true }), TypeError, 'f: out must be a live tensor; got a disposed Wasm tensor');
    expectThrows(() => target({ data: new Float32Array(6), shape: [2, 3], dataSync: () => null }), TypeError,
      'f: out is a TensorFlow.js tensor, which cannot be written; pass { data: new Float32Array(6), shape: [2, 3] } and make a tensor of it after');
    expectThrows(() => target({ data: new Float64Array(6), shape: [2, 3], type: 'float64' }), TypeError,
      "f: out.type must be 'float32' (the layer computes in float32); got the string \"float64\": convert the tensor to float32 first");
    expectThrows(() => target({ data: new Float32Array(6), shape: [2, 3], dtype: 'float64' }), TypeError,
      "f: out.dtype must be 'float32' (the layer computes in float32); got the string \"float64\": convert the tensor to float32 first");
    expectThrows(() => target({ data: new Float64Array(6), shape: [2, 3] }), TypeError, 'f: out.data must be a Float32Array (the layer\'s dtype is float32); got a Float64Array of length 6');
    expectThrows(() => target({ data: new Float32Array(7), shape: [2, 3] }), RangeError, 'f: out.data.length must be 6; got 7');
    expectThrows(() => target({ data: new Float32Array(6), shape: [2, 3], offset: 2 }), RangeError,
      'f: out.offset must be 0 (the layer writes out.data from its start); got number 2: pass a contiguous out of its own');
    expectThrows(() => target({ data: new Float32Array(6), shape: [2, 3], stride: [1, 2] }), RangeError,
      'f: out.stride must be the row-major strides [3, 1] of [2, 3] (the layer writes contiguously); got [1, 2]: pass a contiguous out of its own');
    expectThrows(() => target({ data: new Float32Array(6), shape: [2, 3], stride: [3, 2] }), RangeError,
      'f: out.stride must be the row-major strides [3, 1] of [2, 3] (the layer writes contiguously); got [3, 2]: pass a contiguous out of its own');
    expectThrows(() => target({ data: new Float32Array(6), shape: [2, 3], stride: [3] }), RangeError,
      'f: out.stride must be the row-major strides [3, 1] of [2, 3] (the layer writes contiguously); got [3]: pass a contiguous out of its own');
    expectThrows(() => target({ data: new Float32Array(6), shape: [2, 3], stride: 'c' }), RangeError,
      'f: out.stride must be the row-major strides [3, 1] of [2, 3] (the layer writes contiguously); got the string "c": pass a contiguous out of its own');
  });

  it('a Wasm tensor: taken when live and of the shape, refused by name otherwise', () => {
    const w = allocTensor([2, 3]);
    expect(target(w).tensor).toBe(w);
    expectThrows(() => target(w, [3, 2]), RangeError, "f: out.shape must be x's shape [3, 2]; got [2, 3]");
    w.dispose();
    expectThrows(() => target(w), TypeError, 'f: out must be a live tensor; got a disposed Wasm tensor');
  });
});
