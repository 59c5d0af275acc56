// Tensors whose data lives in Wasm linear memory: passing them to forward and backward
// (as input or out) copies nothing. Of either dtype: a float32 tensor's data is a Float32Array
// over its bytes, a float64 one's a Float64Array; a layer takes only its own dtype's.
import type { ArrayOf, DType } from '../types.js';
import { elementBytes } from '../validate.js';
import type { WasmHeap } from './heap.js';

interface Holding {
  heap: WasmHeap;
  ptr: number;
}

const registry = new FinalizationRegistry<Holding>((h) => h.heap.release(h.ptr));

/**
 * A tensor whose data lives in Wasm memory: given to forward and backward as input or out,
 * nothing is copied. Made by {@link allocTensor}; freed by dispose() or when collected.
 * `WasmTensor<'float64'>` holds float64 elements (its data is a Float64Array), for float64
 * layers.
 *
 * @example
 * ```ts
 * const x = allocTensor([64, 256]);
 * x.data.set(values);
 * bn.forward(x, false, x); // in place, no copy
 * x.dispose();
 * ```
 */
export class WasmTensor<D extends DType = 'float32'> {
  /**
   * The dimensions (frozen).
   *
   * @example
   * ```ts
   * const [N, D] = x.shape;
   * ```
   */
  readonly shape: readonly number[];
  /**
   * Elements: the product of the shape.
   *
   * @example
   * ```ts
   * console.log(allocTensor([2, 3]).length); // 6
   * ```
   */
  readonly length: number;
  /**
   * The element type: 'float32' or 'float64'.
   *
   * @example
   * ```ts
   * console.log(allocTensor([2, 3], 'float64').dtype); // 'float64'
   * ```
   */
  readonly dtype: D;
  readonly #heap: WasmHeap;
  #ptr: number;
  #view: ArrayOf<D> | null = null;
  #of: Float32Array | null = null; // the heap's view #view was cut from

  /** Use allocTensor(shape, dtype). @internal */
  constructor(heap: WasmHeap, shape: readonly number[], length: number, dtype: D) {
    this.#heap = heap;
    this.shape = Object.freeze([...shape]);
    this.length = length;
    this.dtype = dtype;
    this.#ptr = heap.alloc(length * elementBytes(dtype));
    registry.register(this, { heap, ptr: this.#ptr }, this);
  }

  /**
   * A Float32Array (a Float64Array for a float64 tensor) over the tensor's memory; always
   * valid (re-derived after memory.grow), so read it again rather than keeping an old one.
   *
   * @returns The view.
   * @throws TypeError once disposed.
   */
  get data(): ArrayOf<D> {
    if (this.#ptr === 0) throw new TypeError('WasmTensor.data: the tensor was disposed');
    // Cut again when the heap's view changed (it does when the heap grows the memory): by
    // identity, as buffer getters cost 25-30 ns a read here.
    const whole = this.#heap.f32;
    if (this.#of !== whole) {
      const buffer = whole.buffer as ArrayBuffer;
      this.#view = (this.dtype === 'float64' ? new Float64Array(buffer, this.#ptr, this.length) : new Float32Array(buffer, this.#ptr, this.length)) as ArrayOf<D>;
      this.#of = whole;
    }
    return this.#view!;
  }

  /**
   * The byte offset in Wasm memory (0 once disposed).
   *
   * @returns The offset.
   */
  get ptr(): number {
    return this.#ptr;
  }

  /**
   * Whether dispose() was called.
   *
   * @returns true once disposed.
   */
  get disposed(): boolean {
    return this.#ptr === 0;
  }

  /** True when this tensor lives in the given heap (the one a layer's kernels read). @internal */
  livesIn(heap: WasmHeap): boolean {
    return this.#heap === heap && this.#ptr !== 0;
  }

  /**
   * Frees the memory; later use of data throws. Idempotent.
   *
   * @example
   * ```ts
   * x.dispose();
   * ```
   */
  dispose(): void {
    if (this.#ptr === 0) return;
    registry.unregister(this);
    this.#heap.release(this.#ptr);
    this.#ptr = 0;
    this.#view = this.#of = null;
  }
}
