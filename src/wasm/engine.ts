// The Wasm backend's per-layer state: the layer's buffers live in linear memory (carved
// from the shared heap), a call copies x in once and y out once, and buffers are reused
// across calls, growing only when a larger batch arrives.
import type { Engine, Geometry, LayerParams } from '../engine.js';
import type { WasmHeap } from './heap.js';
import type { WasmRuntime } from './runtime.js';

// Per-channel f32 arrays, each padded to a multiple of 4 floats (16 bytes).
const CHANNEL_ARRAYS = ['gamma', 'beta', 'runMean', 'runVar', 'meanHi', 'meanLo', 'invstd', 'alpha', 'shift', 'scale', 'dgamma', 'dbeta'] as const;
type ChannelArray = (typeof CHANNEL_ARRAYS)[number];

// What a dropped layer's engine still holds, for the FinalizationRegistry to free.
interface Holdings {
  heap: WasmHeap;
  ptrs: Set<number>;
}

function releaseAll(h: Holdings): void {
  for (const ptr of h.ptrs) h.heap.release(ptr);
  h.ptrs.clear();
}

const registry = new FinalizationRegistry<Holdings>(releaseAll);

export class WasmEngine implements Engine {
  readonly backend = 'wasm' as const;
  private readonly rt: WasmRuntime;
  private readonly holdings: Holdings;
  private readonly C: number;
  private readonly at: Record<ChannelArray, number>; // byte offsets
  private readonly coef: number; // 3*C f32: ka, kb, kc
  private readonly acc: number; // 2*C f64
  private xPtr = 0; // the last training input, kept for backward
  private ioPtr = 0; // input/output of the current call
  private capacity = 0; // elements in each of xPtr and ioPtr
  private foldedVersion = -1; // params version whose beta, runMean and scale are in memory

  constructor(rt: WasmRuntime, C: number) {
    this.rt = rt;
    this.C = C;
    this.holdings = { heap: rt.heap, ptrs: new Set() };
    const padded = Math.ceil(C / 4) * 4 * 4;
    const base = this.alloc(padded * CHANNEL_ARRAYS.length + padded * 3 + C * 16);
    this.at = Object.fromEntries(CHANNEL_ARRAYS.map((name, i) => [name, base + i * padded])) as Record<ChannelArray, number>;
    this.coef = base + padded * CHANNEL_ARRAYS.length;
    this.acc = this.coef + padded * 3;
    registry.register(this, this.holdings, this);
  }

  private alloc(bytes: number): number {
    const ptr = this.holdings.heap.alloc(bytes);
    this.holdings.ptrs.add(ptr);
    return ptr;
  }

  private release(ptr: number): void {
    this.holdings.heap.release(ptr);
    this.holdings.ptrs.delete(ptr);
  }

  // Grows the two data buffers to hold count elements; no allocation when they already do.
  private reserve(count: number): void {
    if (count <= this.capacity) return;
    // The saved training input must survive a larger inference batch: copy it over.
    const old = this.xPtr;
    const oldCapacity = this.capacity;
    const x = this.alloc(count * 4);
    if (old) {
      const f32 = this.rt.heap.f32;
      f32.copyWithin(x >>> 2, old >>> 2, (old >>> 2) + oldCapacity);
      this.release(old);
    }
    if (this.ioPtr) this.release(this.ioPtr);
    this.xPtr = x;
    this.ioPtr = this.alloc(count * 4);
    this.capacity = count;
  }

  // Copies the layer's JS-side parameters in: they are the truth, edits included.
  private writeParams(f32: Float32Array, p: LayerParams, withRunning: boolean): void {
    f32.set(p.gamma, this.at.gamma >>> 2);
    f32.set(p.beta, this.at.beta >>> 2);
    if (withRunning) {
      f32.set(p.runningMean, this.at.runMean >>> 2);
      f32.set(p.runningVar, this.at.runVar >>> 2);
    }
  }

  private read(f32: Float32Array, ptr: number, into: Float32Array): void {
    into.set(f32.subarray(ptr >>> 2, (ptr >>> 2) + into.length));
  }

  // The result leaves Wasm memory as a new array of its own (slice: one copy, no zero-fill).
  private result(f32: Float32Array, count: number): Float32Array {
    return f32.slice(this.ioPtr >>> 2, (this.ioPtr >>> 2) + count);
  }

  trainForward(x: ArrayLike<number>, g: Geometry, p: LayerParams): Float32Array {
    this.reserve(g.count);
    const f32 = this.rt.heap.f32;
    this.writeParams(f32, p, true);
    f32.set(x, this.xPtr >>> 2);
    const a = this.at;
    this.rt.kernels.trainForward(this.xPtr, this.ioPtr, g.N, g.C, g.S, a.gamma, a.beta, a.runMean, a.runVar,
      p.momentum, p.eps, p.unbiased ? 1 : 0, a.meanHi, a.meanLo, a.invstd, a.alpha, a.shift, this.acc, p.relu ? 1 : 0);
    this.read(f32, a.runMean, p.runningMean);
    this.read(f32, a.runVar, p.runningVar);
    return this.result(f32, g.count);
  }

  inferForward(x: ArrayLike<number>, g: Geometry, p: LayerParams): Float32Array {
    this.reserve(g.count);
    const f32 = this.rt.heap.f32;
    const a = this.at;
    if (this.foldedVersion !== p.version) {
      this.writeParams(f32, p, true);
      this.rt.kernels.fold(g.C, a.gamma, a.runVar, p.eps, a.scale);
      this.foldedVersion = p.version;
    }
    f32.set(x, this.ioPtr >>> 2);
    this.rt.kernels.normalize(this.ioPtr, this.ioPtr, g.N, g.C, g.S, a.runMean, a.scale, a.beta, p.relu ? 1 : 0);
    return this.result(f32, g.count);
  }

  backward(dy: ArrayLike<number>, g: Geometry, p: LayerParams, dgamma: Float32Array, dbeta: Float32Array): Float32Array {
    const f32 = this.rt.heap.f32;
    this.writeParams(f32, p, false);
    f32.set(dy, this.ioPtr >>> 2);
    const a = this.at;
    this.rt.kernels.backward(this.xPtr, this.ioPtr, this.ioPtr, g.N, g.C, g.S, a.gamma,
      a.meanHi, a.meanLo, a.invstd, a.alpha, a.shift, a.dgamma, a.dbeta, this.coef, this.acc, p.relu ? 1 : 0);
    this.read(f32, a.dgamma, dgamma);
    this.read(f32, a.dbeta, dbeta);
    return this.result(f32, g.count);
  }

  dispose(): void {
    registry.unregister(this);
    releaseAll(this.holdings);
    this.capacity = 0;
    this.xPtr = this.ioPtr = 0;
  }
}
