// allocTensor: the zero-copy path's entry point.
import { requireRuntime } from './init.js';
import { describe, formatShape } from './validate.js';
import { namedMemoryError } from './wasm/heap.js';
import { WasmTensor } from './wasm/tensor.js';

export { WasmTensor };

/**
 * A tensor whose data lives in Wasm memory (needs the Wasm backend: `await init()` first).
 *
 * @param shape - Positive integers.
 * @returns A new WasmTensor; its data is not cleared (reused memory may hold old values): set it before use.
 * @throws TypeError when shape is no array; Error before init().
 * @throws RangeError when a dimension is not a positive integer, or the tensor would not fit
 *   Wasm memory.
 *
 * @example
 * ```ts
 * await init();
 * const x = allocTensor([1024, 4096]);
 * ```
 */
export function allocTensor(shape: readonly number[]): WasmTensor {
  const who = 'allocTensor';
  if (!Array.isArray(shape)) throw new TypeError(`${who}: shape must be an array of positive integers; got ${describe(shape)}`);
  if (shape.length === 0) throw new RangeError(`${who}: shape must have at least one dimension; got []`);
  let count = 1;
  shape.forEach((d: unknown, i) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d <= 0) {
      throw new RangeError(`${who}: shape[${i}] must be a positive integer; got ${describe(d)} in ${formatShape(shape)}`);
    }
    count *= d;
  });
  if (count * 4 > 2 ** 32) throw new RangeError(`${who}: shape ${formatShape(shape)} needs ${count * 4} bytes; Wasm memory holds at most 4 GiB`);
  const heap = requireRuntime(who).heap;
  try {
    return new WasmTensor(heap, shape, count);
  } catch (error) {
    throw namedMemoryError(error, who, `shape ${formatShape(shape)}, ${count * 4} bytes`);
  }
}
