// Wasm memory: steady state under repeated calls, bounded under layer churn, and
// correct results across memory.grow (which replaces the buffer under every view).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { allocTensor, BatchNormalization, init, wasmMemoryInfo } from '../src/index.js';

beforeAll(async () => {
  await init();
});

function data(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 2 + seed);
}

describe('Wasm memory', () => {
  it('10,000 forward + backward calls on one layer allocate nothing after the first', () => {
    const bn = new BatchNormalization(data(64, 1), data(64, 2), 0.9, null, null, { backend: 'wasm' });
    const x = { data: data(16 * 64, 3), shape: [16, 64] };
    const dy = { data: data(16 * 64, 4), shape: [16, 64] };
    bn.forward(x);
    bn.backward(dy);
    const after1 = wasmMemoryInfo()!;
    for (let i = 0; i < 10_000; i++) {
      bn.forward(x);
      bn.backward(dy);
    }
    expect(wasmMemoryInfo()).toEqual(after1);
    bn.dispose();
  });

  it('calls whose tensors are all Wasm tensors allocate nothing, from the first (x and y, dy and dx, in place too)', () => {
    // docs/TENSORS.md: with Wasm tensors in and out a call copies nothing; nor does it need the io buffer.
    const bn = new BatchNormalization(data(8, 1), data(8, 2), 0.9, null, null, { backend: 'wasm' });
    const [x, y, dy, dx] = [3, 4, 5, 6].map((seed) => {
      const t = allocTensor([4, 8]);
      t.data.set(data(32, seed));
      return t;
    });
    const before = wasmMemoryInfo()!.bytesInUse;
    bn.forward(x, false, y);
    bn.forward(y, false, y);
    bn.forward(x, true, y);
    bn.backward(dy, dx);
    bn.backward(dy, dy);
    expect(wasmMemoryInfo()!.bytesInUse).toBe(before);
    for (const t of [bn, x, y, dy, dx]) t.dispose();
  });

  it("a layer's Wasm memory: 20 per-channel f32 arrays padded to 16 bytes, 320 more each from 4 KiB on, and f64 partials", () => {
    // wasm-engine.ts: 7 arrays of parameters and scratch, 2 sets of 5 saved for backward, 3 of
    // coefficients; 3 f64 arrays of partial results per share (one share without threads); one
    // heap block, with the heap's slack from 64 KiB on (heap-growth.test.ts).
    const block = (bytes: number) => Math.ceil(bytes / 64) * 64 + (bytes >= 65536 ? 69952 : 0);
    for (const C of [8, 1020, 1024]) {
      const array = Math.ceil(C / 4) * 16;
      const padded = array + (array >= 4096 ? 320 : 0);
      const before = wasmMemoryInfo()!.bytesInUse;
      const bn = new BatchNormalization(new Float32Array(C).fill(1), new Float32Array(C), 0.9, null, null, { backend: 'wasm' });
      expect(wasmMemoryInfo()!.bytesInUse - before, `C = ${C}`).toBe(block(20 * padded + 3 * 8 * C));
      bn.dispose();
    }
  });

  it('a layer whose batch grows frees the blocks of the smaller one: then it holds what a layer made for the larger holds', () => {
    // wasm-engine.ts reserve(): a buffer that grows releases its old block. Two training
    // forwards at the larger size (the first leaves the other saved copy alone: it is the
    // input backward still needs), then a backward: both layers hold the same buffers.
    const run = (batches: number[]) => {
      const before = wasmMemoryInfo()!.bytesInUse;
      const bn = new BatchNormalization(data(64, 1), data(64, 2), 0.9, null, null, { backend: 'wasm' });
      for (const N of batches) {
        bn.forward({ data: data(N * 64, N), shape: [N, 64] });
        bn.backward({ data: data(N * 64, -N), shape: [N, 64] });
      }
      const held = wasmMemoryInfo()!.bytesInUse - before;
      bn.dispose();
      expect(wasmMemoryInfo()!.bytesInUse).toBe(before);
      return held;
    };
    const grownOnly = run([40, 40]);
    expect(run([2, 40, 40])).toBe(grownOnly);
    expect(run([2, 8, 40, 40])).toBe(grownOnly);
  });

  it('an out in Wasm memory that y cannot go into directly gets y even when the call grows the memory', () => {
    // out overlaps x shifted by one element, so y goes to the io buffer first; reserving it
    // grows the memory, which detaches every view cut before: the result is copied by address.
    const C = 256;
    const bn = new BatchNormalization(data(C, 1), data(C, 2), 0.9, null, null, { backend: 'wasm' });
    const js = new BatchNormalization(data(C, 1), data(C, 2), 0.9, null, null, { backend: 'js' });
    const rows = Math.ceil(wasmMemoryInfo()!.byteLength / 4 / C); // x alone is the whole memory as it was
    const t = allocTensor([rows * C + 1]);
    t.data.set(data(rows * C + 1, 3));
    const x = { data: t.data.subarray(0, rows * C), shape: [rows, C] };
    const expected = js.forward({ data: Float32Array.from(x.data), shape: [rows, C] }, false).data;
    const before = wasmMemoryInfo()!.byteLength;
    bn.forward(x, false, { data: t.data.subarray(1), shape: [rows, C] });
    expect(wasmMemoryInfo()!.byteLength).toBeGreaterThan(before); // it did grow
    const y = t.data.subarray(1); // cut again: the view passed in is detached
    expect(y.length).toBe(rows * C);
    y.forEach((v, i) => { if (Math.abs(v - expected[i]) > 1e-5 * Math.abs(expected[i]) + 1e-6) expect(v, `y[${i}]`).toBe(expected[i]); });
    for (const d of [bn, js, t]) d.dispose();
  });

  it('1,000 layers created and disposed leave memory bounded and allocations released', () => {
    const before = wasmMemoryInfo()!;
    for (let i = 0; i < 1000; i++) {
      const bn = new BatchNormalization(data(100, i), data(100, -i), 0.9, null, null, { backend: 'wasm' });
      bn.forward({ data: data(32 * 100, i), shape: [32, 100] });
      bn.backward({ data: data(32 * 100, i + 1), shape: [32, 100] });
      bn.dispose();
    }
    const after = wasmMemoryInfo()!;
    expect(after.bytesInUse).toBe(before.bytesInUse);
    // One layer needs ~26 KB; 1,000 of them without reuse would need 26 MB.
    expect(after.byteLength - before.byteLength).toBeLessThanOrEqual(1 << 20);
  });

  it('a tensor that forces memory.grow leaves earlier layers correct', () => {
    const make = () => new BatchNormalization(data(7, 1), data(7, 2), 0.8, null, null, { backend: 'wasm' });
    const x = { data: data(9 * 7, 5), shape: [9, 7] };
    const dy = { data: data(9 * 7, 6), shape: [9, 7] };
    // Expected: a twin computed before the grow (bit for bit), and the JS backend, which
    // never touches Wasm memory (within float32 rounding).
    const twin = make();
    twin.forward(x);
    const expectedDx = twin.backward(dy).data;
    const expectedInfer = twin.forward(x, false).data;
    const js = new BatchNormalization(data(7, 1), data(7, 2), 0.8, null, null, { backend: 'js' });
    js.forward(x);
    const jsDx = js.backward(dy).data;

    const early = make();
    early.forward(x);
    const grownFrom = wasmMemoryInfo()!.byteLength;
    const big = new BatchNormalization(data(1024, 3), data(1024, 4), 0.9, null, null, { backend: 'wasm' });
    const rows = Math.ceil((grownFrom * 2) / 4 / 1024); // more than the whole memory now
    big.forward({ data: new Float32Array(rows * 1024).fill(1.5), shape: [rows, 1024] });
    expect(wasmMemoryInfo()!.byteLength).toBeGreaterThan(grownFrom);

    const dx = early.backward(dy).data;
    expect(Array.from(dx)).toEqual(Array.from(expectedDx));
    expect(Array.from(early.forward(x, false).data)).toEqual(Array.from(expectedInfer));
    dx.forEach((v, i) => expect(v).toBeCloseTo(jsDx[i], 5));
    for (const bn of [early, twin, big, js]) bn.dispose();
  });

  it('a result read after the io buffer moved comes from where it is now, not from the last view of that size', () => {
    // The engine reuses its last view of its io buffer when a call delivers the same count from
    // the same place. Here the buffer moves (a larger call into a Wasm tensor out grows it and
    // reads no view) between two plain calls of one size: the second must not be served the
    // first's view, over memory the buffer has left.
    const bn = new BatchNormalization(data(50, 1), data(50, 2), 0.9, null, null, { backend: 'wasm' });
    const js = new BatchNormalization(data(50, 1), data(50, 2), 0.9, null, null, { backend: 'js' });
    const small = (seed: number) => ({ data: data(100, seed), shape: [2, 50] });
    for (const layer of [bn, js]) layer.forward(small(3));
    bn.forward(small(4), false);
    const out = allocTensor([40, 50]);
    bn.forward({ data: data(2000, 5), shape: [40, 50] }, false, out);
    const x = small(6);
    const y = bn.forward(x, false).data;
    js.forward(small(4), false); // the JS layer takes the same calls: the same running statistics
    js.forward({ data: data(2000, 5), shape: [40, 50] }, false);
    const expected = js.forward(x, false).data;
    y.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-5 * Math.abs(expected[i]) + 1e-6));
    out.dispose();
    for (const layer of [bn, js]) layer.dispose();
  });

  it('layers dropped without dispose() are freed by the FinalizationRegistry', () => {
    const probe = fileURLToPath(new URL('./helpers/gc-probe.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', probe], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const { inUseWhileHeld, inUseAfterGc, baseline } = JSON.parse(run.stdout) as Record<string, number>;
    expect(inUseWhileHeld).toBeGreaterThan(baseline + 500 * 4 * 64 * 64);
    expect(inUseAfterGc).toBe(baseline);
  });
});

describe('an allocation that fails', () => {
  it('throws a RangeError and leaves the layer, its saved input and other tensors intact', () => {
    const bn = new BatchNormalization(data(1, 1).map(Math.abs), data(1, 2), 0.9, null, null, { backend: 'wasm', axis: 1 });
    const x = { data: data(6, 3), shape: [3, 1, 2] };
    const dy = { data: data(6, 4), shape: [3, 1, 2] };
    bn.forward(x);
    const twin = new BatchNormalization(data(1, 1).map(Math.abs), data(1, 2), 0.9, null, null, { backend: 'wasm', axis: 1 });
    twin.forward(x);
    const expectedDx = Array.from(twin.backward(dy).data);
    const bystander = allocTensorFilled(7);
    // 2^30 elements need 4 GiB: more than Wasm memory can hold, found only when allocating.
    const huge = { data: { length: 2 ** 30 } as ArrayLike<number>, shape: [2 ** 14, 1, 2 ** 16] };
    expect(() => bn.forward(huge, false)).toThrow(RangeError);
    expect(() => bn.forward(huge, true)).toThrow(/out of Wasm memory/);
    expect(Array.from(bn.forward(x, false).data)).toEqual(Array.from(twin.forward(x, false).data));
    expect(Array.from(bn.backward(dy).data)).toEqual(expectedDx);
    expect(Array.from(bystander.data)).toEqual(new Array(1000).fill(-7));
    for (const t of [bn, twin, bystander]) t.dispose();
  });
});

function allocTensorFilled(seed: number) {
  const t = allocTensor([1000]);
  t.data.fill(-seed);
  return t;
}
