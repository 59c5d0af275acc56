// src/wasm/saved-inputs.ts, the version counter of Wasm tensors kept for backward: a write
// the library makes is reported against exactly the saved inputs whose bytes it shares (a
// write next to one, before or after, or in another memory, is none of its business), and
// backward then refuses those and only those.
import { beforeAll, describe, expect, it } from 'vitest';
import { allocTensor, BatchNormalization, init, wasmMemoryInfo } from '../src/index.js';
import { WasmHeap } from '../src/wasm/heap.js';
import { keepInput, markWritten, releaseInput, savedHeaps, savedUnder } from '../src/wasm/saved-inputs.js';
import { seeded } from './helpers/seeded.js';

beforeAll(async () => {
  await init();
});

describe('savedUnder, markWritten, releaseInput', () => {
  it('finds the saved inputs whose bytes an array shares, and no other', () => {
    const heap = new WasmHeap(new WebAssembly.Memory({ initial: 1 }));
    const f32 = (byteOffset: number, length: number) => new Float32Array(heap.memory.buffer, byteOffset, length);
    expect(savedUnder(f32(64, 12))).toBeNull(); // nothing saved yet
    const a = keepInput(heap, 64, 48); // bytes [64, 112)
    const b = keepInput(heap, 256, 16); // bytes [256, 272)
    expect(savedUnder(f32(64, 12))).toEqual([a]);
    expect(savedUnder(f32(112, 4))).toBeNull(); // starts where a ends
    expect(savedUnder(f32(48, 4))).toBeNull(); // ends where a starts
    expect(savedUnder(f32(108, 4))).toEqual([a]); // a's last element
    expect(savedUnder(f32(48, 5))).toEqual([a]); // a's first element
    expect(savedUnder(f32(96, 4))).toEqual([a]);
    expect(savedUnder(f32(100, 40))).toEqual([a, b]);
    expect(savedUnder(f32(272, 4))).toBeNull();
    // The same offsets in another memory, or in an array of the JS heap, are not a's bytes.
    expect(savedUnder(new Float32Array(new WebAssembly.Memory({ initial: 1 }).buffer, 64, 12))).toBeNull();
    expect(savedUnder(new Float32Array(new ArrayBuffer(512), 64, 12))).toBeNull();

    markWritten(savedUnder(f32(260, 1)));
    expect([a.overwritten, b.overwritten]).toEqual([false, true]);
    markWritten(null);
    releaseInput(null);
    releaseInput(b);
    expect(savedUnder(f32(0, 128))).toEqual([a]);
    releaseInput(a);
    expect(savedUnder(f32(0, 128))).toBeNull();
  });
});

describe('saved inputs of two heaps', () => {
  it('answers each heap\'s arrays with its own inputs, releases each from its own heap, and lets an emptied heap go', () => {
    const heaps = [0, 1].map(() => new WasmHeap(new WebAssembly.Memory({ initial: 1 })));
    const f32 = (h: number, byteOffset: number, length: number) => new Float32Array(heaps[h].memory.buffer, byteOffset, length);
    const before = savedHeaps();
    const a = keepInput(heaps[0], 64, 48);
    const b = keepInput(heaps[1], 64, 48); // the same offsets in the other memory
    const c = keepInput(heaps[1], 256, 16);
    expect(savedHeaps()).toBe(before + 2);
    expect(savedUnder(f32(0, 64, 4))).toEqual([a]);
    expect(savedUnder(f32(1, 64, 4))).toEqual([b]);
    expect(savedUnder(f32(1, 0, 128))).toEqual([b, c]);
    releaseInput(b); // from the second heap, not the first
    expect(savedUnder(f32(0, 64, 4))).toEqual([a]);
    expect(savedUnder(f32(1, 0, 128))).toEqual([c]);
    releaseInput(b); // again: nothing else goes with it
    expect(savedUnder(f32(1, 0, 128))).toEqual([c]);
    expect(savedHeaps()).toBe(before + 2);
    releaseInput(a); // the first heap's last input: the heap is let go
    expect(savedHeaps()).toBe(before + 1);
    expect(savedUnder(f32(0, 0, 128))).toBeNull();
    releaseInput(a); // an input of a heap that holds none any more
    expect(savedUnder(f32(1, 0, 128))).toEqual([c]);
    const d = keepInput(heaps[0], 0, 16); // a heap let go takes inputs again
    expect(savedUnder(f32(0, 0, 4))).toEqual([d]);
    releaseInput(c);
    releaseInput(d);
    expect(savedHeaps()).toBe(before);
  });
});

describe('through the layers: a write next to a saved tensor leaves its backward alone', () => {
  const D = 3;
  const shape = [4, D];
  const xData = seeded(12, 11, 0.5, 3);
  const dy = { data: seeded(12, 12), shape };
  const make = (backend: 'wasm' | 'js') => new BatchNormalization([1, 2, 0.5], [0, 1, -1], 0.9, null, null, { backend });

  it.each(['wasm', 'js'] as const)('a %s layer writing into another Wasm tensor, or beside the saved one, is no write into it', (backend) => {
    const keeper = make('wasm');
    const writer = make(backend);
    const twin = make('wasm');
    const x = allocTensor(shape);
    x.data.set(xData);
    const other = allocTensor([4 + 4, D]); // its last 4 rows are the out below
    keeper.forward(x, true);
    twin.forward({ data: xData, shape }, true);
    writer.forward({ data: xData, shape }, false, { data: other.data.subarray(12), shape });
    writer.forward({ data: xData, shape }, true, { data: other.data.subarray(0, 12), shape });
    expect(Array.from(keeper.backward(dy).data)).toEqual(Array.from(twin.backward(dy).data));
    for (const t of [keeper, writer, twin, x, other]) t.dispose();
  });
});

describe('what a layer keeps', () => {
  it('only its last training input by reference: the one before is released, and dispose releases the last', () => {
    const shape = [4, 3];
    const layer = new BatchNormalization([1, 2, 0.5], [0, 1, -1], 0.9, null, null, { backend: 'wasm' });
    const [a, b] = [1, 2].map((seed) => {
      const t = allocTensor(shape);
      t.data.set(seeded(12, seed));
      return t;
    });
    layer.forward(a, true);
    expect(savedUnder(a.data)).toHaveLength(1);
    layer.forward(b, true);
    expect(savedUnder(a.data)).toBeNull();
    expect(savedUnder(b.data)).toHaveLength(1);
    layer.forward({ data: seeded(12, 3), shape }, true); // a copy: nothing kept by reference
    expect(savedUnder(b.data)).toBeNull();
    layer.forward(b, true);
    layer.dispose();
    expect(savedUnder(b.data)).toBeNull();
    for (const t of [a, b]) t.dispose();
  });

  it('after a training input kept by reference, steady training on copies allocates nothing past the first', () => {
    const shape = [4, 3];
    const layer = new BatchNormalization([1, 2, 0.5], [0, 1, -1], 0.9, null, null, { backend: 'wasm' });
    const t = allocTensor(shape);
    t.data.set(seeded(12, 4));
    layer.forward(t, true); // kept by reference: neither saved copy is needed yet
    layer.forward({ data: seeded(12, 5), shape }, true); // the first copy: both copies' room is taken now
    const before = wasmMemoryInfo()!.bytesInUse;
    layer.forward({ data: seeded(12, 6), shape }, true);
    layer.forward({ data: seeded(12, 7), shape }, true);
    expect(wasmMemoryInfo()!.bytesInUse).toBe(before);
    for (const x of [layer, t]) x.dispose();
  });
});
