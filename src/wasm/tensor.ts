// Tensors whose data lives in Wasm linear memory: passing them to forward and backward
// (as input or out) copies nothing.
import type { WasmHeap } from './heap.js';

interface Holding {
  heap: WasmHeap;
  ptr: number;
}

const registry = new FinalizationRegistry<Holding>((h) => h.heap.release(h.ptr));

export class WasmTensor {
  readonly shape: readonly number[];
  /** Elements: the product of the shape. */
  readonly length: number;
  readonly #heap: WasmHeap;
  #ptr: number;
  #view: Float32Array | null = null;

  /** Use allocTensor(shape). @internal */
  constructor(heap: WasmHeap, shape: readonly number[], length: number) {
    this.#heap = heap;
    this.shape = Object.freeze([...shape]);
    this.length = length;
    this.#ptr = heap.alloc(length * 4);
    registry.register(this, { heap, ptr: this.#ptr }, this);
  }

  /** A Float32Array over the tensor's memory; always valid (re-derived after memory.grow). */
  get data(): Float32Array {
    if (this.#ptr === 0) throw new TypeError('WasmTensor.data: the tensor was disposed');
    const buffer = this.#heap.memory.buffer;
    if (this.#view === null || this.#view.buffer !== buffer) {
      this.#view = new Float32Array(buffer, this.#ptr, this.length);
    }
    return this.#view;
  }

  /** The byte offset in Wasm memory (0 once disposed). */
  get ptr(): number {
    return this.#ptr;
  }

  get disposed(): boolean {
    return this.#ptr === 0;
  }

  /** True when this tensor lives in the given heap (the one a layer's kernels read). @internal */
  livesIn(heap: WasmHeap): boolean {
    return this.#heap === heap && this.#ptr !== 0;
  }

  /** Frees the memory; later use of data throws. Idempotent. */
  dispose(): void {
    if (this.#ptr === 0) return;
    registry.unregister(this);
    this.#heap.release(this.#ptr);
    this.#ptr = 0;
    this.#view = null;
  }
}
