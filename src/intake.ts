// Reading a caller's tensor: each property is read exactly once, into locals, and only the
// locals are checked and used, so that a getter that answers differently the second time
// cannot pass the checks with one value and be used with another. What comes out is a
// contiguous array of the layer's dtype (the caller's own where it already is one: a
// Float32Array for a float32 layer, a Float64Array for a float64 one) with a frozen shape.
//   { data, shape }               the API's form; data a Float32Array, a Float64Array or an
//                                 array of numbers (converted: widened exactly into float64,
//                                 rounded into float32); other typed arrays are refused
//   an onnxruntime Tensor         { data, dims, type }: used as it is when its type is the layer's
//   an ndarray view               { data, shape, stride, offset }: gathered into one copy unless
//                                 it is contiguous row-major (then a subarray: no copy)
//   a Wasm tensor (allocTensor)   its memory, where the layer's kernels can read it in place
// An object that declares a type or dtype other than float32 or float64 is refused: its data
// is not numbers of that kind (an ort 'float16' tensor's data is a Uint16Array of bits).
// A Wasm tensor of the other dtype is refused too: the kernels would read its bytes as the
// layer's type, and a silent copy would hide a precision change.
import type { DType, FloatArray, Input, Target } from './types.js';
import { arrayLength, describe, elementBytes, FLOAT_DATA, formatShape, isArrayLike, isArrayOf, isInteger, refuseOtherTypedArray, sameShape, toFloats } from './validate.js';
import { WasmTensor } from './wasm/tensor.js';

export type { Input, Target };

/** A shape checked before, and its element count: readTensor reuses it when the next one is the same. */
export interface KnownShape {
  readonly shape: readonly number[];
  readonly count: number;
}

interface RawTensor {
  data?: unknown;
  shape?: unknown;
  dims?: unknown;
  stride?: unknown;
  offset?: unknown;
  type?: unknown;
  dtype?: unknown;
  disposed?: unknown;
  dataSync?: unknown;
}

// An array or typed array passed where a tensor goes (a tensor with a length, such as a Wasm
// tensor of another copy of this library, has a shape too).
function bareData(value: object): boolean {
  return isArrayLike(value) && !('shape' in value) && !('dims' in value);
}

// The common mistakes get a message that shows the fix.
function notATensor(value: unknown, name: string, who: string, form: string): TypeError {
  if (isArrayLike(value)) {
    return new TypeError(`${who}: ${name} must be a tensor ${form}, not its data alone; got ${describe(value)}: pass { data: ${name}, shape: [N, D] }`);
  }
  return new TypeError(`${who}: ${name} must be an object ${form}; got ${describe(value)}`);
}

function tfjsTensor(name: string, who: string): TypeError {
  return new TypeError(`${who}: ${name} is a TensorFlow.js tensor, whose data lives in its backend; pass { data: ${name}.dataSync(), shape: ${name}.shape }`);
}

function checkDeclaredType(raw: { type?: unknown; dtype?: unknown }, name: string, who: string, allowed: readonly string[], dtype: DType): void {
  for (const key of ['type', 'dtype'] as const) {
    const declared = raw[key];
    if (declared === undefined) continue;
    if (!allowed.includes(declared as string)) {
      throw new TypeError(`${who}: ${name}.${key} must be ${allowed.map((t) => `'${t}'`).join(' or ')} (the layer computes in ${dtype}); got ${describe(declared)}: convert the tensor to ${dtype} first`);
    }
  }
}

/** The array type of a dtype, by name, for messages. */
export const arrayName = (dtype: DType): string => (dtype === 'float64' ? 'Float64Array' : 'Float32Array');

// A Wasm tensor given where the layer's dtype goes.
function checkTensorDtype(t: WasmTensor<DType>, name: string, who: string, dtype: DType): void {
  if (t.dtype !== dtype) {
    throw new TypeError(`${who}: ${name} must be a ${dtype} Wasm tensor (the layer's dtype); got a ${t.dtype} one: allocTensor(shape, '${dtype}') makes one (nothing is converted silently)`);
  }
}

// An array's entries, each read once (its length too), into a new array.
function entries(array: readonly unknown[]): unknown[] {
  const n = array.length;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = array[i];
  return out;
}

// The shape: `shape`, or an onnxruntime tensor's `dims`; its entries read once into a new array.
function readShape(givenShape: unknown, givenDims: unknown, name: string, who: string): number[] {
  const given = givenShape !== undefined ? givenShape : givenDims;
  if (!Array.isArray(given)) {
    throw new TypeError(`${who}: ${name}.shape must be an array [N, D] or [N, C, H, W]; got ${describe(given)}`);
  }
  const shape = entries(given);
  if (givenShape !== undefined && givenDims !== undefined) {
    const dims = Array.isArray(givenDims) ? entries(givenDims) : givenDims;
    if (!Array.isArray(dims) || dims.length !== shape.length || dims.some((d, i) => d !== shape[i])) {
      throw new RangeError(`${who}: ${name}.shape and ${name}.dims must agree; got shape ${formatShape(shape)} and dims ${Array.isArray(dims) ? formatShape(dims) : describe(dims)}`);
    }
  }
  return shape as number[];
}

function checkDims(shape: readonly unknown[], name: string, who: string): number {
  let count = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!isInteger(d) || d <= 0) {
      throw new RangeError(`${who}: ${name}.shape[${i}] must be a positive integer; got ${describe(d)} in ${formatShape(shape)}`);
    }
    count *= d;
  }
  return count;
}

// Row-major strides of a shape.
function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

// An ndarray-style view: its stride and offset checked against the data's length; the
// flat index of each element in row-major order.
function readView(givenStride: unknown, givenOffset: unknown, shape: readonly number[], length: number, name: string, who: string): ((i: number) => number) | number {
  const rank = shape.length;
  const offset = givenOffset === undefined ? 0 : givenOffset;
  if (!isInteger(offset) || offset < 0) {
    throw new RangeError(`${who}: ${name}.offset must be a non-negative integer; got ${describe(offset)}`);
  }
  const given = givenStride === undefined ? contiguousStrides(shape) : givenStride;
  const stride = Array.isArray(given) ? entries(given) : null;
  if (!stride || stride.length !== rank || stride.some((s) => !isInteger(s))) {
    throw new RangeError(`${who}: ${name}.stride must be an array of ${rank} integers (one per dimension of ${name}.shape ${formatShape(shape)}); got ${Array.isArray(given) ? formatShape(given as unknown[]) : describe(given)}`);
  }
  const strides = stride as number[];
  let lo = offset, hi = offset;
  for (let d = 0; d < rank; d++) {
    const span = (shape[d] - 1) * strides[d];
    if (span < 0) lo += span;
    else hi += span;
  }
  if (lo < 0 || hi >= length) {
    throw new RangeError(`${who}: ${name}.shape ${formatShape(shape)} with stride ${formatShape(strides)} and offset ${offset} reaches elements ${lo} to ${hi} of ${name}.data; it has ${length}`);
  }
  const contiguous = contiguousStrides(shape);
  if (strides.every((s, d) => s === contiguous[d] || shape[d] === 1)) return offset; // a plain block of data
  return (i: number) => {
    let at = offset;
    for (let d = rank - 1, rest = i; d >= 0; d--) {
      at += (rest % shape[d]) * strides[d];
      rest = Math.floor(rest / shape[d]);
    }
    return at;
  };
}

/**
 * A tensor argument checked and read once: a shape of one of the allowed ranks (described for
 * the message), positive integer dimensions, and data that fills it, as an array of dtype.
 */
export function readTensor(value: unknown, name: string, who: string, dtype: DType, ranks: readonly number[], rankText: string,
  maxCount = Infinity, known: KnownShape | null = null): Input {
  if (value instanceof WasmTensor) {
    if (value.disposed) throw new TypeError(`${who}: ${name} must be a live tensor; got a disposed Wasm tensor`);
    checkTensorDtype(value, name, who, dtype);
    const shape = value.shape;
    checkRank(shape, name, who, ranks, rankText);
    return { data: value.data, shape, count: value.length, tensor: value };
  }
  if (value === null || typeof value !== 'object' || bareData(value)) throw notATensor(value, name, who, '{ data, shape }');
  // Each property read once, into locals (as readTarget).
  const { data, shape: givenShape, dims, stride, offset, type, dtype: declared, disposed, dataSync } = value as RawTensor;
  if (disposed === true) throw new TypeError(`${who}: ${name} must be a live tensor; got a disposed Wasm tensor`);
  if (typeof dataSync === 'function') throw tfjsTensor(name, who);
  if (type !== undefined || declared !== undefined) checkDeclaredType({ type, dtype: declared }, name, who, ['float32', 'float64'], dtype);
  refuseOtherTypedArray(data, `${name}.data`, who);
  const length = arrayLength(data); // read once: the checks and the copy use this one
  if (length < 0) {
    throw new TypeError(`${who}: ${name}.data must be ${FLOAT_DATA}; got ${describe(data)}`);
  }
  const shape = readShape(givenShape, dims, name, who);
  // The shape of the layer's last call again (the common case): checked then, and kept frozen.
  const again = known !== null && sameShape(shape, known.shape);
  if (!again) checkRank(shape, name, who, ranks, rankText);
  const count = again ? known.count : checkDims(shape, name, who);
  // Data that does not fill the shape is the caller's error, whatever the memory could hold.
  const plain = stride === undefined && offset === undefined;
  if (plain && length !== count) {
    throw new RangeError(`${who}: ${name}.data.length must be the product of ${name}.shape ${formatShape(shape)} = ${count}; got ${length}`);
  }
  const view = plain ? 0 : readView(stride, offset, shape, length, name, who);
  // Before anything is converted: an input the backend's memory cannot hold is refused at once.
  if (count > maxCount) {
    const bytes = elementBytes(dtype);
    throw new RangeError(`${who}: out of Wasm memory: ${name}.shape ${formatShape(shape)} needs ${count * bytes} bytes, more than the ${maxCount * bytes} it can still hold`);
  }
  const frozen = again ? known.shape : Object.freeze(shape as number[]);
  // The caller's own array where it is of the layer's dtype, else a converted copy.
  const own = isArrayOf(data, dtype);
  const source = data as ArrayLike<unknown>;
  if (plain) {
    return { data: own ? data as FloatArray : toFloats(source, count, `${name}.data`, who, dtype), shape: frozen, count, tensor: null };
  }
  if (typeof view === 'number') { // contiguous from an offset: no gather
    const contiguous = own ? (data as FloatArray).subarray(view, view + count) : toFloats(source, count, `${name}.data`, who, dtype, (i) => view + i);
    return { data: contiguous, shape: frozen, count, tensor: null };
  }
  return { data: toFloats(source, count, `${name}.data`, who, dtype, view), shape: frozen, count, tensor: null };
}

function checkRank(shape: readonly unknown[], name: string, who: string, ranks: readonly number[], rankText: string): void {
  if (!ranks.includes(shape.length)) throw new RangeError(`${who}: ${name}.shape must have ${rankText}; got ${formatShape(shape)}`);
}

/** An out argument checked and read once: an array of the layer's dtype, of the result's shape, contiguous. */
export function readTarget(value: unknown, shape: readonly number[], count: number, of: string, who: string, dtype: DType): Target {
  const array = arrayName(dtype);
  if (value instanceof WasmTensor) {
    if (value.disposed) throw new TypeError(`${who}: out must be a live tensor; got a disposed Wasm tensor`);
    checkTensorDtype(value, 'out', who, dtype);
    checkShape(value.shape, shape, of, who);
    return { data: value.data, tensor: value };
  }
  if (typeof value !== 'object' || value === null || bareData(value)) {
    throw isArrayLike(value)
      ? new TypeError(`${who}: out must be a tensor { data: ${array}, shape } or null, not its data alone; got ${describe(value)}: pass { data: out, shape: ${formatShape(shape)} }`)
      : new TypeError(`${who}: out must be a tensor { data: ${array}, shape } or null; got ${describe(value)}`);
  }
  // Each property read once, into locals (no object: a small call allocates less).
  const { data, shape: givenShape, dims, stride, offset, type, dtype: declared, disposed, dataSync } = value as RawTensor;
  if (disposed === true) throw new TypeError(`${who}: out must be a live tensor; got a disposed Wasm tensor`);
  if (typeof dataSync === 'function') throw new TypeError(`${who}: out is a TensorFlow.js tensor, which cannot be written; pass { data: new ${array}(${count}), shape: ${formatShape(shape)} } and make a tensor of it after`);
  if (type !== undefined || declared !== undefined) checkDeclaredType({ type, dtype: declared }, 'out', who, [dtype], dtype);
  const own = isArrayOf(data, dtype) ? data : null;
  if (own === null) throw new TypeError(`${who}: out.data must be a ${array} (the layer's dtype is ${dtype}); got ${describe(data)}`);
  checkShape(givenShape !== undefined ? givenShape : dims, shape, of, who);
  const length = own.length; // a typed array's own length: no getter of the caller's
  if (length !== count) throw new RangeError(`${who}: out.data.length must be ${count}; got ${length}`);
  if (offset !== undefined && offset !== 0) {
    throw new RangeError(`${who}: out.offset must be 0 (the layer writes out.data from its start); got ${describe(offset)}: pass a contiguous out of its own`);
  }
  if (stride !== undefined) {
    const contiguous = contiguousStrides(shape);
    const given = Array.isArray(stride) ? entries(stride) : stride;
    if (!Array.isArray(given) || given.length !== shape.length || given.some((s, d) => s !== contiguous[d] && shape[d] !== 1)) {
      throw new RangeError(`${who}: out.stride must be the row-major strides ${formatShape(contiguous)} of ${formatShape(shape)} (the layer writes contiguously); got ${Array.isArray(given) ? formatShape(given) : describe(given)}: pass a contiguous out of its own`);
    }
  }
  return { data: own, tensor: null };
}

// out's shape against the result's: its length and entries read once each, compared as read
// (no copy: this runs on every call); only a mismatch reads them again, for the message.
function checkShape(outShape: unknown, shape: readonly number[], of: string, who: string): void {
  if (!Array.isArray(outShape) || !sameShape(outShape, shape)) {
    throw new RangeError(`${who}: out.shape must be ${of}'s shape ${formatShape(shape)}; got ${Array.isArray(outShape) ? formatShape(entries(outShape)) : describe(outShape)}`);
  }
}
