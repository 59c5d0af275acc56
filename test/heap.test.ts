// The allocator over Wasm memory (src/wasm/heap.ts): first fit, 64-byte (cache line) alignment, and
// coalescing of a freed block with both neighbours, so that memory freed in any order is
// one block again.
import { describe, expect, it } from 'vitest';
import { WasmHeap, WasmMemoryError } from '../src/wasm/heap.js';

const heapOf = (pages = 2, maxPages = 4) => new WasmHeap(new WebAssembly.Memory({ initial: pages, maximum: maxPages }), maxPages * 65536);

describe('WasmHeap', () => {
  it('aligns every block to a cache line (64 bytes) and never hands out offset 0', () => {
    const heap = heapOf();
    const ptrs = [1, 17, 3, 100, 65, 70000].map((n) => heap.alloc(n));
    expect(ptrs.every((p) => p > 0 && p % 64 === 0)).toBe(true);
    expect(new Set(ptrs).size).toBe(6);
  });

  it('coalesces a freed block with the free block after it, and with the one before', () => {
    const heap = heapOf();
    const [a, b, c] = [heap.alloc(64), heap.alloc(64), heap.alloc(64)];
    const end = heap.alloc(16); // keeps the tail apart from the blocks above
    heap.release(b);
    heap.release(a); // joins b (after it)
    expect(heap.alloc(128)).toBe(a); // a + b is one block again
    heap.release(a);
    heap.release(c); // joins a + b (before it)
    expect(heap.alloc(192)).toBe(a);
    expect(heap.bytesInUse).toBe(192 + 64);
    heap.release(a);
    heap.release(end);
    expect(heap.bytesInUse).toBe(0);
  });

  it('grows the memory when no free block fits, and says so when it cannot', () => {
    const heap = heapOf(1, 2);
    const before = heap.byteLength;
    const big = heap.alloc(60_000);
    expect(heap.alloc(30_000)).toBeGreaterThan(big);
    expect(heap.byteLength).toBeGreaterThan(before);
    const f32 = heap.f32;
    expect(f32.buffer).toBe(heap.memory.buffer); // the view follows the grow
    expect(() => heap.alloc(200_000)).toThrow(WasmMemoryError);
    expect(() => heap.alloc(200_000)).toThrow(/out of Wasm memory: a block of \d+ bytes does not fit in the \d+ it has \(at most 131072\)/);
  });

  it('refuses to release what it did not hand out', () => {
    const heap = heapOf();
    const p = heap.alloc(32);
    heap.release(p);
    expect(() => heap.release(p)).toThrow(/is not a live allocation/);
  });
});
