// The kernels over a memory of their own, for tests that call the Wasm exports directly
// (kernels.test.ts, slabs.test.ts): arrays copied in by byte offset and read back as copies.
import { WasmHeap } from '../../src/wasm/heap.js';
import { createMemory, instantiateKernelsSync } from '../../src/wasm/instantiate.js';

export function kernelMemory() {
  const memory = createMemory();
  const { instance, kernels } = instantiateKernelsSync(undefined, memory);
  const heap = new WasmHeap(memory);
  /** Copies an array into fresh Wasm memory; returns its byte offset. */
  const put = (values: Float32Array | Float64Array): number => {
    const ptr = heap.alloc(values.byteLength);
    new (values.constructor as Float32ArrayConstructor)(memory.buffer, ptr, values.length).set(values as Float32Array);
    return ptr;
  };
  const f32At = (ptr: number, n: number) => new Float32Array(memory.buffer, ptr, n).slice();
  const f64At = (ptr: number, n: number) => new Float64Array(memory.buffer, ptr, n).slice();
  return { memory, instance, kernels, heap, put, f32At, f64At };
}
