// allocTensor's refusals (src/tensors.ts), each naming the shape and what is wrong with it, and
// the tensor it makes: the shape frozen as given, one element per entry of the product.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { allocTensor, init, wasmMemoryInfo } from '../src/index.js';
import { WasmHeap } from '../src/wasm/heap.js';
import { WasmTensor } from '../src/wasm/tensor.js';
import { expectThrows } from './helpers/throws.js';

beforeAll(async () => {
  await init();
});

describe('allocTensor', () => {
  it('makes a tensor of the product of the shape, its shape a frozen copy', () => {
    const shape = [2, 3, 4];
    const t = allocTensor(shape);
    expect(t.length).toBe(24);
    expect(t.data.length).toBe(24);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.shape).not.toBe(shape);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(t.data).toBe(t.data); // one view until the memory grows (test/heap-growth.test.ts)
    t.dispose();
  });

  it('lives in its own heap until disposed', () => {
    const heapOf = () => new WasmHeap(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 2 * 65536);
    const [heap, other] = [heapOf(), heapOf()];
    const t = new WasmTensor(heap, [4], 4, 'float32');
    expect([t.livesIn(heap), t.livesIn(other)]).toEqual([true, false]);
    t.dispose();
    expect(t.livesIn(heap)).toBe(false);
    expect(heap.bytesInUse).toBe(0);
  });

  it('is freed when collected without dispose()', async () => {
    // Collection on demand, in this process (a child process would not see a mutated src/).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const inUse = () => wasmMemoryInfo()!.bytesInUse;
    const baseline = inUse();
    // In a function of its own, so that no local here keeps the tensors reachable.
    const held = (() => {
      for (let i = 0; i < 8; i++) allocTensor([1024]).data.fill(i);
      return inUse();
    })();
    expect(held).toBeGreaterThanOrEqual(baseline + 8 * 4096);
    // FinalizationRegistry callbacks run after a collection, on a later turn of the event loop.
    for (let i = 0; i < 20 && inUse() !== baseline; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(inUse()).toBe(baseline);
  });

  it('refuses what is no shape of positive integers, by name', () => {
    expectThrows(() => allocTensor('2,3' as never), TypeError, 'allocTensor: shape must be an array of positive integers; got the string "2,3"');
    expectThrows(() => allocTensor([]), RangeError, 'allocTensor: shape must have at least one dimension; got []');
    expectThrows(() => allocTensor([2, 0]), RangeError, 'allocTensor: shape[1] must be a positive integer; got number 0 in [2, 0]');
    expectThrows(() => allocTensor([1.5]), RangeError, 'allocTensor: shape[0] must be a positive integer; got number 1.5 in [1.5]');
    expectThrows(() => allocTensor(['4'] as never), RangeError, 'allocTensor: shape[0] must be a positive integer; got the string "4" in [the string "4"]');
    expectThrows(() => allocTensor([2 ** 30 + 1]), RangeError, 'allocTensor: shape [1073741825] of float32 needs 4294967300 bytes; Wasm memory holds at most 4 GiB');
    // Exactly 4 GiB passes this check, and the memory then refuses it (it holds some already).
    expect(() => allocTensor([2 ** 30])).toThrow(/^allocTensor: out of Wasm memory: a block of \d+ bytes does not fit .* \(for shape \[1073741824\], 4294967296 bytes\)$/);
    expectThrows(() => allocTensor([65536, 65536]), RangeError, 'allocTensor: shape [65536, 65536] of float32 needs 17179869184 bytes; Wasm memory holds at most 4 GiB');
  });
});
