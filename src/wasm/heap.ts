// The TypeScript side's allocator for Wasm linear memory. The kernels allocate nothing:
// every buffer a layer or tensor needs is carved out here, as cache-line (64-byte) aligned
// blocks from a first-fit free list whose neighbours coalesce on free, so memory freed by
// disposed layers is reused instead of growing without end.

const PAGE = 65536;
// A cache line, not a v128: with tensors 16 bytes past a line (this heap's alignment before),
// a step of four v128 spans two lines, and the in-cache [64, 1024] inference kernel ran at 3.0x
// the copy loop against 1.7x aligned (bench/kernels.mjs); the layer's [8192, 256] inference
// took 0.78x the time aligned (both builds in one process; Intel Xeon, 2 cores, Node v26.12.1).
const ALIGN = 64;
// Large blocks get this much slack at their end, so that equal-sized tensors allocated one
// after another do not sit a power of two (or nearly) apart: x, dy and dx exactly 16 MiB
// apart made the backward's reduction 1.6x slower here, and with 320 bytes of slack
// resident inference on [1024, 4096] still took 1.6 ms against 1.1-1.4 ms with 64 KiB plus
// a page plus 5 cache lines (bench workloads, 2-core EPYC VM).
const LARGE = 1 << 16;
const SKEW = 65536 + 4096 + 320;
// Offset 0 stays unused so that 0 can never be a live pointer.
const FIRST = ALIGN;

/** Wasm memory could not hold an allocation: the caller names the call and what it was for. */
export class WasmMemoryError extends RangeError {}

/** A full Wasm memory as a RangeError named by the call (who) and what the memory was for; any other error as it is. */
export function namedMemoryError(error: unknown, who: string, what: string): unknown {
  return error instanceof WasmMemoryError ? new RangeError(`${who}: ${error.message} (for ${what})`) : error;
}

interface Block {
  ptr: number;
  size: number;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  private free: Block[] = [];
  private used = new Map<number, number>();
  private inUse = 0;
  private f32View: Float32Array;
  private f64View: Float64Array;
  private top = FIRST; // end of the region handed to the free list so far
  /** The most bytes the memory can grow to (its declared maximum, or wasm32's 4 GiB). */
  readonly maxBytes: number;

  constructor(memory: WebAssembly.Memory, maxBytes = 2 ** 32) {
    this.memory = memory;
    this.maxBytes = maxBytes;
    this.f32View = new Float32Array(memory.buffer);
    this.f64View = new Float64Array(memory.buffer);
    this.addFree(FIRST, memory.buffer.byteLength - FIRST);
    this.top = memory.buffer.byteLength;
  }

  /**
   * A Float32Array over the whole memory, re-derived when this heap grows the memory (nothing
   * else does: the kernels allocate nothing). Kept rather than checked against memory.buffer
   * on every use: that getter alone cost a tenth of a small inference call.
   */
  get f32(): Float32Array {
    return this.f32View;
  }

  /** A Float64Array over the whole memory, re-derived with f32 (float64 layers and tensors). */
  get f64(): Float64Array {
    return this.f64View;
  }

  /** Bytes currently in the memory (grows, never shrinks). */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes in live allocations (kept as a sum: every call of a layer asks). */
  get bytesInUse(): number {
    return this.inUse;
  }

  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN) + (bytes >= LARGE ? SKEW : 0);
    let i = this.free.findIndex((b) => b.size >= size);
    if (i < 0) {
      this.grow(size);
      i = this.free.findIndex((b) => b.size >= size);
    }
    const block = this.free[i];
    const ptr = block.ptr;
    if (block.size === size) this.free.splice(i, 1);
    else {
      block.ptr += size;
      block.size -= size;
    }
    this.used.set(ptr, size);
    this.inUse += size;
    return ptr;
  }

  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`WasmHeap.release: ${ptr} is not a live allocation`);
    this.used.delete(ptr);
    this.inUse -= size;
    this.addFree(ptr, size);
  }

  // Grows by at least what is missing past the last free block, and by at least half the
  // current size, so that a series of growing calls costs O(log n) grows.
  private grow(size: number): void {
    const last = this.free[this.free.length - 1];
    const tailFree = last && last.ptr + last.size === this.top ? last.size : 0;
    const need = size - tailFree;
    const pages = Math.max(Math.ceil(need / PAGE), Math.ceil(this.top / PAGE / 2));
    let before: number;
    try {
      before = this.memory.grow(pages) * PAGE;
    } catch {
      try {
        before = this.memory.grow(Math.ceil(need / PAGE)) * PAGE; // near the limit: just enough
      } catch {
        throw new WasmMemoryError(`out of Wasm memory: a block of ${size} bytes does not fit in the ${this.top} it has (at most ${this.maxBytes})`);
      }
    }
    const after = this.memory.buffer.byteLength;
    this.f32View = new Float32Array(this.memory.buffer);
    this.f64View = new Float64Array(this.memory.buffer);
    this.addFree(before, after - before);
    this.top = after;
  }

  // size > 0: blocks are 64 bytes or more, a grow adds whole pages, and the memory starts
  // with at least one (createMemory).
  private addFree(ptr: number, size: number): void {
    // Keep the list sorted by address; merge with the neighbours it touches.
    let i = 0;
    while (i < this.free.length && this.free[i].ptr < ptr) i++;
    const prev = this.free[i - 1];
    const next = this.free[i];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += size;
      if (next && prev.ptr + prev.size === next.ptr) {
        prev.size += next.size;
        this.free.splice(i, 1);
      }
    } else if (next && ptr + size === next.ptr) {
      next.ptr = ptr;
      next.size += size;
    } else {
      this.free.splice(i, 0, { ptr, size });
    }
  }
}
