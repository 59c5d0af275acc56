// allocTensor: the zero-copy path's entry point.
import { requireRuntime } from './init.js';
import type { DType } from './types.js';
import { describe, elementBytes, formatShape, isInteger } from './validate.js';
import { namedMemoryError } from './wasm/heap.js';
import { WasmTensor } from './wasm/tensor.js';

export { WasmTensor };

/**
 * A tensor whose data lives in Wasm memory (needs the Wasm backend: `await init()` first).
 *
 * @param shape - Positive integers.
 * @param dtype - 'float32' (default: its data is a Float32Array) or 'float64' (a Float64Array,
 *   for float64 layers). A layer takes only tensors of its own dtype.
 * @returns A new WasmTensor; its data is not cleared (reused memory may hold old values): set it before use.
 * @throws TypeError when shape is no array; Error before init().
 * @throws RangeError when a dimension is not a positive integer, dtype is neither 'float32' nor
 *   'float64', or the tensor would not fit Wasm memory.
 *
 * @example
 * ```ts
 * await init();
 * const x = allocTensor([1024, 4096]);
 * const x64 = allocTensor([1024, 4096], 'float64');
 * ```
 */
export function allocTensor<D extends DType = 'float32'>(shape: readonly number[], dtype: D = 'float32' as D): WasmTensor<D> {
  const who = 'allocTensor';
  if (!Array.isArray(shape)) throw new TypeError(`${who}: shape must be an array of positive integers; got ${describe(shape)}`);
  if (shape.length === 0) throw new RangeError(`${who}: shape must have at least one dimension; got []`);
  if (dtype !== 'float32' && dtype !== 'float64') throw new RangeError(`${who}: dtype must be 'float32' or 'float64'; got ${describe(dtype)}`);
  const bytes = elementBytes(dtype);
  let count = 1;
  shape.forEach((d: unknown, i) => {
    if (!isInteger(d) || d <= 0) {
      throw new RangeError(`${who}: shape[${i}] must be a positive integer; got ${describe(d)} in ${formatShape(shape)}`);
    }
    count *= d;
  });
  if (count * bytes > 2 ** 32) throw new RangeError(`${who}: shape ${formatShape(shape)} of ${dtype} needs ${count * bytes} bytes; Wasm memory holds at most 4 GiB`);
  const heap = requireRuntime(who).heap;
  try {
    return new WasmTensor(heap, shape, count, dtype);
  } catch (error) {
    throw namedMemoryError(error, who, `shape ${formatShape(shape)}, ${count * bytes} bytes`);
  }
}
