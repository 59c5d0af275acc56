// src/wasm/heap.ts beyond heap.test.ts: the sizes it rounds to (64-byte blocks, large blocks
// with their documented slack), first fit by address, a freed block joining the free block
// before it, after it, both or neither, and how much a grow asks for: at least what is
// missing past the free tail, and at least half the memory, or just enough near the maximum.
import { describe, expect, it } from 'vitest';
import { WasmHeap, WasmMemoryError } from '../src/wasm/heap.js';
import { expectThrows } from './helpers/throws.js';

const PAGE = 65536;
const heapOf = (pages: number, maxPages: number) => new WasmHeap(new WebAssembly.Memory({ initial: pages, maximum: maxPages }), maxPages * PAGE);

describe('block sizes', () => {
  it('rounds up to 64 bytes (64 at least); blocks of 64 KiB and more get 64 KiB + 4 KiB + 320 bytes of slack', () => {
    const heap = heapOf(8, 16);
    const sizes: Array<[number, number]> = [[0, 64], [1, 64], [64, 64], [65, 128], [65535, 65536], [65536, 65536 + 69952], [70000, 70016 + 69952]];
    for (const [bytes, size] of sizes) {
      const before = heap.bytesInUse;
      const ptr = heap.alloc(bytes);
      expect(heap.bytesInUse - before, `alloc(${bytes})`).toBe(size);
      heap.release(ptr);
      expect(heap.bytesInUse).toBe(before);
    }
  });
});

describe('first fit and coalescing', () => {
  it('hands out consecutive blocks from offset 64, and reuses the lowest free block that fits', () => {
    const heap = heapOf(1, 1);
    const [a, b, c, d] = [heap.alloc(64), heap.alloc(100), heap.alloc(128), heap.alloc(16)];
    expect([a, b, c, d]).toEqual([64, 128, 256, 384]);
    heap.release(a);
    heap.release(c);
    expect(heap.alloc(32)).toBe(a); // the lowest of two holes that fit
    expect(heap.alloc(64)).toBe(c); // part of the next hole
    expect(heap.alloc(1)).toBe(c + 64); // the rest of it, exactly
    expect(heap.alloc(16)).toBe(448); // then the tail
  });

  it('a freed block joins the free block after it, before it, both, or neither', () => {
    const heap = heapOf(1, 1);
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map(() => heap.alloc(64));
    heap.alloc(64); // f: keeps e apart from the tail
    heap.release(b);
    heap.release(d); // neither neighbour free: two holes of 64
    expect(heap.alloc(128)).toBeGreaterThan(e); // no hole of 128 yet
    heap.release(c); // joins b (before) and d (after): one hole of 192 at b
    expect(heap.alloc(192)).toBe(b);
    heap.release(b);
    // b, c, d free as one block of 192; a joins it from before
    heap.release(a);
    expect(heap.alloc(256)).toBe(a);
    heap.release(a);
    heap.release(e); // joins a..d from after it: 320 bytes at a
    expect(heap.alloc(320)).toBe(a);
  });

  it('a hole reused by a block of exactly its size leaves nothing behind: freed in any order, all is one block again', () => {
    const heap = heapOf(1, 1);
    const [a, b, c, d] = [heap.alloc(64), heap.alloc(64), heap.alloc(64), heap.alloc(16)];
    heap.release(b);
    expect(heap.alloc(64)).toBe(b); // the hole, exactly
    for (const p of [a, c, b, d]) heap.release(p);
    expect(heap.bytesInUse).toBe(0);
    expect(heap.alloc(PAGE - 64)).toBe(64); // the whole memory but the first line, without growing
    expect(heap.byteLength).toBe(PAGE);
  });

  it('release refuses what is not live, by its offset', () => {
    const heap = heapOf(1, 1);
    const p = heap.alloc(16);
    expectThrows(() => heap.release(p + 16), Error, `WasmHeap.release: ${p + 16} is not a live allocation`);
    heap.release(p);
    expectThrows(() => heap.release(p), Error, `WasmHeap.release: ${p} is not a live allocation`);
  });
});

describe('growing the memory', () => {
  it('grows by what is missing past the free tail when that is more than half the memory, and the block starts at the tail', () => {
    const heap = heapOf(4, 64);
    const blocks = [0, 1, 2].map(() => heap.alloc(PAGE - 64)); // under 64 KiB: no slack
    expect(blocks).toEqual([64, PAGE, 2 * PAGE - 64]);
    const tail = 3 * PAGE - 128;
    const tailFree = 4 * PAGE - tail;
    const size = 2 * PAGE + 69952; // 128 KiB and the slack of a large block
    const ptr = heap.alloc(2 * PAGE);
    expect(ptr).toBe(tail); // the free tail and the new pages are one block
    const pages = Math.ceil((size - tailFree) / PAGE);
    expect(pages).toBeGreaterThan(2); // more than half the memory
    expect(pages).not.toBe(Math.ceil(size / PAGE)); // and less than without the free tail
    expect(heap.byteLength).toBe((4 + pages) * PAGE);
  });

  it('a free block that does not reach the end of the memory is no free tail: the grow adds the whole block', () => {
    const heap = heapOf(1, 8);
    const a = heap.alloc(960); // [64, 1024)
    heap.alloc(PAGE - 1024); // [1024, 64 KiB): the memory is full
    heap.release(a); // a hole, not at the end
    const size = 127040 + 69952; // just over 3 pages: 4 without the hole, 3 if it counted
    expect(heap.alloc(127000)).toBe(PAGE); // at the old end
    expect(heap.byteLength).toBe(PAGE + Math.ceil(size / PAGE) * PAGE);
  });

  it('a grow that gives exactly the block asked for hands it out', () => {
    const heap = heapOf(1, 8);
    // The free tail [64, 64 KiB) and two new pages are 196544 bytes: a block of 126592 bytes and its slack.
    expect(126592 + 69952).toBe(PAGE - 64 + 2 * PAGE);
    expect(heap.alloc(126592)).toBe(64);
    expect(heap.byteLength).toBe(3 * PAGE);
    expect(heap.bytesInUse).toBe(3 * PAGE - 64);
  });

  it('grows by at least half the memory, so that growing calls cost O(log n) grows', () => {
    const heap = heapOf(8, 64);
    heap.alloc(8 * PAGE - 64 - 69952 - 64); // fills the memory but for 64 bytes: [64, 8 pages - 64)
    heap.alloc(64);
    heap.alloc(32); // needs a page: grows by 4, half of 8
    expect(heap.byteLength).toBe(12 * PAGE);
  });

  it('near the maximum grows by just what is missing; past it, a WasmMemoryError that says so', () => {
    const heap = heapOf(4, 5);
    heap.alloc(4 * PAGE - 64 - 69952); // the whole memory but the first 64 bytes
    heap.alloc(100); // half the memory (2 pages) does not fit under 5: one page does
    expect(heap.byteLength).toBe(5 * PAGE);
    expect(heap.f32.length).toBe(5 * PAGE / 4);
    expectThrows(() => heap.alloc(PAGE), WasmMemoryError, `out of Wasm memory: a block of ${PAGE + 69952} bytes does not fit in the ${5 * PAGE} it has (at most ${5 * PAGE})`);
    expect(heap.byteLength).toBe(5 * PAGE);
  });
});
