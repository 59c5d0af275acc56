// What each Wasm kernel may write: its outputs and the scratch it is given, nothing else, and
// its outputs whatever they held before (the kernels allocate nothing and keep no state in
// memory, assembly/index.ts; a result does not depend on a buffer's old contents unless the
// kernel updates it in place: the running statistics, mergeStats' A, addF64's dst). Every
// array sits between gaps of a sentinel byte; the whole region is compared byte by byte after
// each call. A loop that runs one element, one row or one block past its end shows here,
// where the arrays alone would not (a typed array drops what is written past it).
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/activation.js';
import type { KernelName } from '../src/wasm/abi.js';
import { kernelMemory } from './helpers/kernel-memory.js';
import { seeded } from './helpers/seeded.js';

const { memory, kernels: k, heap } = kernelMemory();
const SENTINEL = 0xa5;
const GAP = 64;

// A region of the memory, all sentinel, handing out 16-byte aligned arrays GAP bytes apart.
function arena(bytes: number) {
  const base = heap.alloc(bytes);
  const u8 = () => new Uint8Array(memory.buffer, base, bytes);
  u8().fill(SENTINEL);
  let next = base + GAP;
  const outputs: Array<[number, number]> = [];
  const take = (n: number) => {
    const ptr = next;
    next = Math.ceil((next + n + GAP) / 16) * 16;
    if (next > base + bytes) throw new Error('arena too small');
    return ptr;
  };
  return {
    in32: (values: Float32Array) => { const p = take(values.byteLength); new Float32Array(memory.buffer, p, values.length).set(values); return p; },
    in64: (values: Float64Array) => { const p = take(values.byteLength); new Float64Array(memory.buffer, p, values.length).set(values); return p; },
    /** An output of n bytes, filled with garbage: NaN bits, or zeros with zero. */
    out: (n: number, fill: 'garbage' | 'zero' = 'garbage') => {
      const p = take(n);
      new Uint32Array(memory.buffer, p, n / 4).fill(fill === 'zero' ? 0 : 0x7fc01234);
      outputs.push([p, n]);
      return p;
    },
    /** An array updated in place: its values in, and it may be written. */
    inout32: (values: Float32Array) => { const p = take(values.byteLength); new Float32Array(memory.buffer, p, values.length).set(values); outputs.push([p, values.byteLength]); return p; },
    inout64: (values: Float64Array) => { const p = take(values.byteLength); new Float64Array(memory.buffer, p, values.length).set(values); outputs.push([p, values.byteLength]); return p; },
    snapshot: () => u8().slice(),
    base,
    outputs,
    release: () => heap.release(base),
  };
}

type Arena = ReturnType<typeof arena>;
// A kernel's arguments in an arena: inputs seeded, outputs as fill says.
type Call = (a: Arena, fill: 'garbage' | 'zero') => { name: KernelName; args: number[] };

function bytesOutside(before: Uint8Array, after: Uint8Array, base: number, outputs: Array<[number, number]>): number {
  const inside = (i: number) => outputs.some(([p, n]) => base + i >= p && base + i < p + n);
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i] && !inside(i)) return base + i;
  return -1;
}

function check(call: Call, bytes: number, fullyWritten: boolean) {
  const results: Uint8Array[] = [];
  for (const fill of ['garbage', 'zero'] as const) {
    const a = arena(bytes);
    const { name, args } = call(a, fill);
    const before = a.snapshot();
    (k[name] as (...v: number[]) => void)(...args);
    const after = a.snapshot();
    const stray = bytesOutside(before, after, a.base, a.outputs);
    expect(stray, `${name} wrote byte ${stray}, outside its outputs (${a.outputs.map(([p, n]) => `${p}+${n}`).join(', ')})`).toBe(-1);
    results.push(after);
    a.release();
  }
  // The outputs' bytes are the same whatever they held: the whole region compares equal.
  if (fullyWritten) expect(Buffer.compare(results[0], results[1]), 'the results depend on what the outputs held').toBe(0);
}

// [N, C, S]: the SIMD steps' tails (C of 13, S of 13), N of 5 (four rows and one), rows in
// blocks of 32 with N a multiple of it and one past it, rows of 1031 features, and the
// one-row-at-a-time paths (assembly/stats.ts: streamRows) with N a multiple of 32 and not.
const LAYOUTS = [[5, 13, 1], [64, 9, 1], [33, 7, 1], [2, 3, 13], [3, 2, 1029], [6, 1031, 1], [2624, 101, 1], [2600, 101, 1]] as const;

describe.each(LAYOUTS.map(([N, C, S]) => ({ N, C, S })))('[N, C, S] = [$N, $C, $S]', ({ N, C, S }) => {
  const count = N * C * S;
  const bytes = 4 * 4 * count + 64 * 4 * C + 64 * GAP;
  const x = seeded(count, N + C + S, 0.5, 3);
  const dy = seeded(count, 7);
  const per = (seed: number, offset = 0, spread = 2) => seeded(C, seed, offset, spread);
  const scratch = (a: Arena) => a.out(20 * C);

  it('stats writes mean, M2 and its scratch', () => {
    check((a, fill) => ({ name: 'stats', args: [a.in32(x), N, C, S, a.out(8 * C, fill), a.out(8 * C, fill), scratch(a)] }), bytes, true);
  });

  it.each(ACTIVATIONS.map((t) => [t.name ?? 'none', t.code] as const))('normalize writes y (activation %s)', (_, code) => {
    check((a, fill) => ({ name: 'normalize', args: [a.in32(x), a.out(4 * count, fill), N, C, S, a.in32(per(1)), a.in32(per(2, 1)), a.in32(per(3)), code] }), bytes, true);
  });

  it.each(ACTIVATIONS.map((t) => [t.name ?? 'none', t.code] as const))('backwardReduce writes its two sums and its scratch; backwardApply dx (activation %s)', (_, code) => {
    check((a, fill) => ({
      name: 'backwardReduce',
      args: [a.in32(x), a.in32(dy), N, C, S, a.in32(per(1)), a.in32(per(2, 1)), a.in32(per(3)), a.out(8 * C, fill), a.out(8 * C, fill), scratch(a), code],
    }), bytes, true);
    check((a, fill) => ({
      name: 'backwardApply',
      args: [a.in32(x), a.in32(dy), a.out(4 * count, fill), N, C, S, a.in32(per(1)), a.in32(per(2, 1)), a.in32(per(3)), a.in32(per(4)), a.in32(per(5)), a.in32(per(6)), code],
    }), bytes, true);
  });
});

describe.each([5, 13, 1031].map((C) => ({ C })))('the per-channel steps, C = $C', ({ C }) => {
  const bytes = 64 * 8 * C + 64 * GAP;
  const f32 = (seed: number, offset = 0) => seeded(C, seed, offset, 2);
  const f64 = (seed: number, offset = 0) => Float64Array.from(seeded(C, seed, offset, 2));

  it('trainFinalize writes the running statistics (in place) and the five saved arrays', () => {
    check((a, fill) => ({
      name: 'trainFinalize',
      args: [C, 12, a.in64(f64(1)), a.in64(f64(2, 3)), a.in32(f32(3)), a.in32(f32(4)), a.inout32(f32(5)), a.inout32(f32(6, 2)), 0.9, 1e-5, 1,
        ...[0, 1, 2, 3, 4].map(() => a.out(4 * C, fill))],
    }), bytes, true);
  });

  it('fold writes scale; backwardFinalize its five outputs', () => {
    check((a, fill) => ({ name: 'fold', args: [C, a.in32(f32(1)), a.in32(f32(2, 2)), 1e-3, a.out(4 * C, fill)] }), bytes, true);
    check((a, fill) => ({
      name: 'backwardFinalize',
      args: [C, 12, a.in32(f32(1)), a.in32(f32(2)), a.in32(f32(3, 2)), a.in64(f64(4)), a.in64(f64(5)), ...[0, 1, 2, 3, 4].map(() => a.out(4 * C, fill))],
    }), bytes, true);
  });

  it('mergeStats updates A in place; addF64 updates dst in place', () => {
    check((a) => ({ name: 'mergeStats', args: [C, 5, a.inout64(f64(1)), a.inout64(f64(2, 3)), 7, a.in64(f64(3)), a.in64(f64(4, 3))] }), bytes, false);
    check((a) => ({ name: 'addF64', args: [a.inout64(f64(1)), a.in64(f64(2)), C] }), bytes, false);
  });
});

describe.each([[13, 4, 1], [32, 40, 1], [7, 9, 1], [3, 5, 6]].map(([N, C, slab]) => ({ N, C, slab })))('the slab kernels on [$N, $C] in slabs of $slab', ({ N, C, slab }) => {
  const count = N * C;
  const bytes = 8 * 4 * count + 64 * 8 * C + 64 * GAP;
  const x = seeded(count, 3, 0.5, 3), dy = seeded(count, 4);
  const f32 = (seed: number, offset = 0) => seeded(C, seed, offset, 2);

  it.each(ACTIVATIONS.map((t) => [t.name ?? 'none', t.code] as const))('trainSlabs and backwardSlabs write their outputs and scratch (activation %s)', (_, code) => {
    check((a, fill) => ({
      name: 'trainSlabs',
      args: [a.in32(x), a.out(4 * count, fill), N, C, 1, slab, a.out(8 * C), a.out(8 * C), a.in32(f32(1, 1)), a.in32(f32(2)), a.inout32(f32(3)), a.inout32(f32(4, 2)),
        0.9, 1e-5, 0, ...[0, 1, 2, 3, 4].map(() => a.out(4 * C, fill)), a.out(20 * C), code],
    }), bytes, true);
    check((a, fill) => ({
      name: 'backwardSlabs',
      args: [a.in32(x), a.in32(dy), a.out(4 * count, fill), N, C, 1, slab, a.in32(f32(1)), a.in32(f32(2, 1)), a.in32(f32(3)), a.out(8 * C), a.out(8 * C),
        a.in32(f32(4, 1)), a.in32(f32(5)), a.in32(f32(6, 2)), a.out(4 * C, fill), a.out(4 * C, fill), a.out(4 * C), a.out(4 * C), a.out(4 * C), a.out(20 * C), code],
    }), bytes, true);
  });
});
