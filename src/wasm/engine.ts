// The Wasm backend's per-layer state: the layer's buffers live in linear memory (carved
// from the shared heap). A call copies x in once and y out once; with Wasm tensors as
// input and out it copies nothing. Buffers are reused across calls and grow only when a
// larger batch arrives.
import type { Engine, Geometry, LayerParams, Output } from '../engine.js';
import { drive, driveAsync, type Steps } from '../threads/drive.js';
import type { Range } from '../threads/parallel.js';
import type { TensorLike } from '../validate.js';
import type { WasmHeap } from './heap.js';
import { layerCreated, layerReleased, type WasmRuntime } from './runtime.js';
import { WasmTensor } from './tensor.js';

// Per-channel f32 arrays, each padded to a multiple of 4 floats (16 bytes).
const CHANNEL_ARRAYS = ['gamma', 'beta', 'runMean', 'runVar', 'meanHi', 'meanLo', 'invstd', 'alpha', 'shift', 'scale', 'dgamma', 'dbeta'] as const;
type ChannelArray = (typeof CHANNEL_ARRAYS)[number];

// What a dropped layer's engine still holds, for the FinalizationRegistry to free.
interface Holdings {
  rt: WasmRuntime;
  heap: WasmHeap;
  ptrs: Set<number>;
}

function releaseAll(h: Holdings): void {
  for (const ptr of h.ptrs) h.heap.release(ptr);
  h.ptrs.clear();
  layerReleased(h.rt);
}

const registry = new FinalizationRegistry<Holdings>(releaseAll);

// A growable data buffer of the layer.
interface Buffer {
  ptr: number;
  capacity: number; // elements
}

export class WasmEngine implements Engine {
  readonly backend = 'wasm' as const;
  private readonly rt: WasmRuntime;
  private readonly holdings: Holdings;
  private readonly at: Record<ChannelArray, number>; // byte offsets
  private readonly coef: number; // 3*C f32: ka, kb, kc
  private readonly acc: number; // 2*C f64
  private readonly xBuf: Buffer = { ptr: 0, capacity: 0 }; // a copied training input, kept for backward
  private readonly ioBuf: Buffer = { ptr: 0, capacity: 0 }; // input/output of the current call
  // What backward differentiates: the training input's offset, and the Wasm tensor it is
  // in when the layer kept a reference instead of a copy.
  private savedPtr = 0;
  private savedTensor: WasmTensor | null = null;
  private foldedVersion = -1; // params version whose beta, runMean and scale are in memory
  private readonly C: number;
  private threadAcc = 0; // per-thread partial sums: threads x 2*C f64
  private threadAccFor = 0; // how many threads threadAcc holds

  constructor(rt: WasmRuntime, C: number) {
    this.rt = rt;
    this.C = C;
    this.holdings = { rt, heap: rt.heap, ptrs: new Set() };
    const padded = Math.ceil(C / 4) * 4 * 4;
    const base = this.alloc(padded * CHANNEL_ARRAYS.length + padded * 3 + C * 16);
    layerCreated(rt); // after the allocation that may throw: dispose() counts it down
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

  // Grows a buffer to count elements (no allocation when it holds them). Contents are not
  // kept: xBuf grows only when a training forward is about to overwrite it, and ioBuf holds
  // nothing between calls.
  private reserve(buf: Buffer, count: number): number {
    if (count <= buf.capacity) return buf.ptr;
    const ptr = this.alloc(count * 4); // first: if it throws, buf still owns its old block
    if (buf.ptr) this.release(buf.ptr);
    buf.ptr = ptr;
    buf.capacity = count;
    return ptr;
  }

  private resident(t: unknown): t is WasmTensor {
    return t instanceof WasmTensor && t.livesIn(this.rt.heap);
  }

  // Where an input is in Wasm memory: the tensor itself, or a copy in buf.
  private place(t: TensorLike, buf: Buffer, count: number): number {
    if (this.resident(t)) return t.ptr;
    const ptr = this.reserve(buf, count);
    this.rt.heap.f32.set(t.data, ptr >>> 2);
    return ptr;
  }

  // Where the kernel writes: the out tensor itself, or the io buffer (copied out after).
  private target(out: Output, count: number): number {
    return this.resident(out) ? out.ptr : this.reserve(this.ioBuf, count);
  }

  // The result: out (already written, or filled from the io buffer), or a new array.
  private deliver(out: Output, ptr: number, count: number): Float32Array {
    const f32 = this.rt.heap.f32;
    if (this.resident(out)) return out.data;
    const view = f32.subarray(ptr >>> 2, (ptr >>> 2) + count);
    if (out) {
      out.data.set(view);
      return out.data;
    }
    return view.slice(); // one copy, no zero-fill
  }

  // Copies the layer's JS-side parameters in: they are the truth, edits included.
  private writeParams(p: LayerParams, withRunning: boolean): void {
    const f32 = this.rt.heap.f32;
    f32.set(p.gamma, this.at.gamma >>> 2);
    f32.set(p.beta, this.at.beta >>> 2);
    if (withRunning) {
      f32.set(p.runningMean, this.at.runMean >>> 2);
      f32.set(p.runningVar, this.at.runVar >>> 2);
    }
  }

  private read(ptr: number, into: Float32Array): void {
    into.set(this.rt.heap.f32.subarray(ptr >>> 2, (ptr >>> 2) + into.length));
  }

  // How this call splits over threads: null runs the one-call kernels on this thread.
  private split(g: Geometry, willAwait: boolean): Range[] | null {
    return this.rt.parallel?.split(g, willAwait) ?? null;
  }

  // Per-thread scratch for partial statistics and sums (grown to the thread count).
  private partials(threads: number): number {
    if (threads > this.threadAccFor) {
      const ptr = this.alloc(threads * this.C * 16);
      if (this.threadAcc) this.release(this.threadAcc);
      this.threadAcc = ptr;
      this.threadAccFor = threads;
    }
    return this.threadAcc;
  }

  private run(steps: Steps | null, willAwait: boolean, finish: () => Float32Array): Float32Array | Promise<Float32Array> {
    if (!steps) return finish();
    const pool = this.rt.parallel!.pool;
    if (willAwait) return driveAsync(pool, steps).then(finish);
    drive(pool, steps);
    return finish();
  }

  trainForward(x: TensorLike, g: Geometry, p: LayerParams, out: Output): Float32Array {
    return this.train(x, g, p, out, false) as Float32Array;
  }

  trainForwardAsync(x: TensorLike, g: Geometry, p: LayerParams, out: Output): Promise<Float32Array> {
    return Promise.resolve(this.train(x, g, p, out, true));
  }

  private train(x: TensorLike, g: Geometry, p: LayerParams, out: Output, willAwait: boolean): Float32Array | Promise<Float32Array> {
    // Allocate first: an allocation that throws must leave backward's saved input alone.
    const yp = this.target(out, g.count);
    const byReference = this.resident(x) && out !== x; // kept by reference for backward: no copy
    const xp = byReference ? x.ptr : this.reserve(this.xBuf, g.count);
    if (!byReference) {
      // A copy, also when out is x: training in place would overwrite what backward needs.
      const f32 = this.rt.heap.f32;
      if (this.resident(x)) f32.copyWithin(xp >>> 2, x.ptr >>> 2, (x.ptr >>> 2) + g.count);
      else f32.set(x.data, xp >>> 2);
    }
    this.savedTensor = byReference ? x : null;
    this.savedPtr = xp;
    this.writeParams(p, true);
    const a = this.at;
    const k = this.rt.kernels;
    const finish = () => {
      this.read(a.runMean, p.runningMean);
      this.read(a.runVar, p.runningVar);
      return this.deliver(out, yp, g.count);
    };
    const ranges = this.split(g, willAwait);
    if (!ranges) {
      k.trainForward(xp, yp, g.N, g.C, g.S, a.gamma, a.beta, a.runMean, a.runVar,
        p.momentum, p.eps, p.unbiased ? 1 : 0, a.meanHi, a.meanLo, a.invstd, a.alpha, a.shift, this.acc, p.relu ? 1 : 0);
      return finish();
    }
    const par = this.rt.parallel!;
    const acc = this.partials(ranges.length);
    function* steps(): Steps {
      yield* par.stats(xp, g, ranges!, acc);
      k.trainFinalize(g.C, g.N * g.S, acc, acc + g.C * 8, a.gamma, a.beta, a.runMean, a.runVar, p.momentum, p.eps,
        p.unbiased ? 1 : 0, a.meanHi, a.meanLo, a.invstd, a.alpha, a.shift);
      yield* par.normalize(xp, yp, g, ranges!, a.meanHi, a.alpha, a.shift, p.relu ? 1 : 0);
    }
    return this.run(steps(), willAwait, finish);
  }

  inferForward(x: TensorLike, g: Geometry, p: LayerParams, out: Output): Float32Array {
    return this.infer(x, g, p, out, false) as Float32Array;
  }

  inferForwardAsync(x: TensorLike, g: Geometry, p: LayerParams, out: Output): Promise<Float32Array> {
    return Promise.resolve(this.infer(x, g, p, out, true));
  }

  private infer(x: TensorLike, g: Geometry, p: LayerParams, out: Output, willAwait: boolean): Float32Array | Promise<Float32Array> {
    const a = this.at;
    if (this.foldedVersion !== p.version) {
      this.writeParams(p, true);
      this.rt.kernels.fold(g.C, a.gamma, a.runVar, p.eps, a.scale);
      this.foldedVersion = p.version;
    }
    const yp = this.target(out, g.count);
    const xp = this.place(x, this.ioBuf, g.count); // a copied x is normalised in place
    const relu = p.relu ? 1 : 0;
    const ranges = this.split(g, willAwait);
    if (!ranges) this.rt.kernels.normalize(xp, yp, g.N, g.C, g.S, a.runMean, a.scale, a.beta, relu);
    const steps = ranges && this.rt.parallel!.normalize(xp, yp, g, ranges, a.runMean, a.scale, a.beta, relu);
    return this.run(steps, willAwait, () => this.deliver(out, yp, g.count));
  }

  backward(dy: TensorLike, g: Geometry, p: LayerParams, out: Output, dgamma: Float32Array, dbeta: Float32Array): Float32Array {
    return this.back(dy, g, p, out, dgamma, dbeta, false) as Float32Array;
  }

  backwardAsync(dy: TensorLike, g: Geometry, p: LayerParams, out: Output, dgamma: Float32Array, dbeta: Float32Array): Promise<Float32Array> {
    return Promise.resolve(this.back(dy, g, p, out, dgamma, dbeta, true));
  }

  private back(dy: TensorLike, g: Geometry, p: LayerParams, out: Output, dgamma: Float32Array, dbeta: Float32Array,
    willAwait: boolean): Float32Array | Promise<Float32Array> {
    if (this.savedTensor?.disposed) {
      throw new TypeError('BatchNormalization.backward: the Wasm tensor given to the training forward was disposed; backward needs it');
    }
    const dyp = this.place(dy, this.ioBuf, g.count);
    const dxp = this.target(out, g.count);
    this.writeParams(p, false);
    const a = this.at;
    const k = this.rt.kernels;
    const xp = this.savedPtr;
    const relu = p.relu ? 1 : 0;
    const finish = () => {
      this.read(a.dgamma, dgamma);
      this.read(a.dbeta, dbeta);
      return this.deliver(out, dxp, g.count);
    };
    const ranges = this.split(g, willAwait);
    if (!ranges) {
      k.backward(xp, dyp, dxp, g.N, g.C, g.S, a.gamma, a.meanHi, a.meanLo, a.invstd, a.alpha, a.shift,
        a.dgamma, a.dbeta, this.coef, this.acc, relu);
      return finish();
    }
    const par = this.rt.parallel!;
    const acc = this.partials(ranges.length);
    const coef = this.coef;
    const kb = coef + g.C * 4;
    const kc = kb + g.C * 4;
    function* steps(): Steps {
      yield* par.backwardReduce(xp, dyp, g, ranges!, acc, a.meanHi, a.alpha, a.shift, relu);
      k.backwardFinalize(g.C, g.N * g.S, a.gamma, a.meanLo, a.invstd, acc, acc + g.C * 8, a.dgamma, a.dbeta, coef, kb, kc);
      yield* par.backwardApply(xp, dyp, dxp, g, ranges!, a.meanHi, a.alpha, a.shift, coef, kb, kc, relu);
    }
    return this.run(steps(), willAwait, finish);
  }

  dispose(): void {
    if (!registry.unregister(this)) return; // already released
    releaseAll(this.holdings);
    this.xBuf.ptr = this.ioBuf.ptr = this.xBuf.capacity = this.ioBuf.capacity = 0;
    this.savedPtr = 0;
    this.savedTensor = null;
  }
}
