// The Wasm backend's per-layer state and its operations. The layer's buffers live in linear
// memory (carved from the shared heap). A call copies x in once and y out once; with Wasm
// tensors as input and out it copies nothing. Buffers are reused across calls and grow only
// when a larger batch arrives. Each operation prepares its buffers (everything that can
// throw) and returns its steps (types.ts: Operation): the row kernels it yields run on one
// thread or split over threads, as the runtime's runner decides.
import type { Engine, Geometry, LayerParams, Operation, Output, StepRunner, TensorLike } from '../types.js';
import { partialBytes, secondPartial, shareOf } from './abi.js';
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
  readonly runner: StepRunner;
  private readonly rt: WasmRuntime;
  private readonly holdings: Holdings;
  private readonly at: Record<ChannelArray, number>; // byte offsets
  private readonly coef: number; // 3*C f32: ka, kb, kc
  private readonly acc: number; // partial results (abi.ts), one share per thread the runner may use
  private readonly xBuf: Buffer = { ptr: 0, capacity: 0 }; // a copied training input, kept for backward
  private readonly ioBuf: Buffer = { ptr: 0, capacity: 0 }; // input/output of the current call
  // What backward differentiates: the training input's offset, and the Wasm tensor it is
  // in when the layer kept a reference instead of a copy.
  private savedPtr = 0;
  private savedTensor: WasmTensor | null = null;
  private foldedVersion = -1; // params version whose beta, runMean and scale are in memory
  private lastView: Float32Array | null = null;

  constructor(rt: WasmRuntime, C: number) {
    this.rt = rt;
    this.runner = rt.runner;
    this.holdings = { rt, heap: rt.heap, ptrs: new Set() };
    const padded = Math.ceil(C / 4) * 4 * 4;
    const base = this.alloc(padded * CHANNEL_ARRAYS.length + padded * 3 + rt.runner.maxShares * partialBytes(C));
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

  // A view of count floats at ptr; the last one is reused (a small call then allocates none).
  private view(ptr: number, count: number): Float32Array {
    const f32 = this.rt.heap.f32;
    const last = this.lastView;
    if (last && last.buffer === f32.buffer && last.byteOffset === ptr && last.length === count) return last;
    return (this.lastView = f32.subarray(ptr >>> 2, (ptr >>> 2) + count));
  }

  // The result: out (already written, or filled from the io buffer), or a new array.
  private deliver(out: Output, ptr: number, count: number): Float32Array {
    if (this.resident(out)) return out.data;
    const view = this.view(ptr, count);
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

    trainForward(x: TensorLike, g: Geometry, p: LayerParams, out: Output): Operation {
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
    return this.trainSteps(xp, yp, g, p, out);
  }

  private *trainSteps(xp: number, yp: number, g: Geometry, p: LayerParams, out: Output): Operation {
    const a = this.at;
    const k = this.rt.kernels;
    const { C } = g;
    const acc = this.acc;
    const shares = yield { op: 'stats', args: [xp, g.N, C, g.S, acc, secondPartial(acc, C)] };
    // Chan's merge of the shares' partial statistics into share 0, in row order.
    for (let t = 1, n = shareOf(g.N, shares, 0).rows * g.S; t < shares; t++) {
      const part = acc + t * partialBytes(C);
      const nt = shareOf(g.N, shares, t).rows * g.S;
      k.mergeStats(C, n, acc, secondPartial(acc, C), nt, part, secondPartial(part, C));
      n += nt;
    }
    k.trainFinalize(C, g.N * g.S, acc, secondPartial(acc, C), a.gamma, a.beta, a.runMean, a.runVar, p.momentum, p.eps,
      p.unbiased ? 1 : 0, a.meanHi, a.meanLo, a.invstd, a.alpha, a.shift);
    yield { op: 'normalize', args: [xp, yp, g.N, C, g.S, a.meanHi, a.alpha, a.shift, p.activation] };
    this.read(a.runMean, p.runningMean);
    this.read(a.runVar, p.runningVar);
    return this.deliver(out, yp, g.count);
  }

  inferForward(x: TensorLike, g: Geometry, p: LayerParams, out: Output): Operation {
    const a = this.at;
    if (this.foldedVersion !== p.version) {
      this.writeParams(p, true);
      this.rt.kernels.fold(g.C, a.gamma, a.runVar, p.eps, a.scale);
      this.foldedVersion = p.version;
    }
    const yp = this.target(out, g.count);
    const xp = this.place(x, this.ioBuf, g.count); // a copied x is normalised in place
    return this.inferSteps(xp, yp, g, p, out);
  }

  private *inferSteps(xp: number, yp: number, g: Geometry, p: LayerParams, out: Output): Operation {
    const a = this.at;
    yield { op: 'normalize', args: [xp, yp, g.N, g.C, g.S, a.runMean, a.scale, a.beta, p.activation] };
    return this.deliver(out, yp, g.count);
  }

  backward(dy: TensorLike, g: Geometry, p: LayerParams, out: Output, dgamma: Float32Array, dbeta: Float32Array): Operation {
    if (this.savedTensor?.disposed) {
      throw new TypeError('BatchNormalization.backward: the Wasm tensor given to the training forward was disposed; backward needs it');
    }
    const dyp = this.place(dy, this.ioBuf, g.count);
    const dxp = this.target(out, g.count);
    this.writeParams(p, false);
    return this.backwardSteps(dyp, dxp, g, p, out, dgamma, dbeta);
  }

  private *backwardSteps(dyp: number, dxp: number, g: Geometry, p: LayerParams, out: Output,
    dgamma: Float32Array, dbeta: Float32Array): Operation {
    const a = this.at;
    const k = this.rt.kernels;
    const { C } = g;
    const acc = this.acc;
    const xp = this.savedPtr;
    const [ka, kb, kc] = [this.coef, this.coef + C * 4, this.coef + C * 8];
    const shares = yield { op: 'backwardReduce', args: [xp, dyp, g.N, C, g.S, a.meanHi, a.alpha, a.shift, acc, secondPartial(acc, C), p.activation] };
    for (let t = 1; t < shares; t++) k.addF64(acc, acc + t * partialBytes(C), 2 * C); // both sums of share t
    k.backwardFinalize(C, g.N * g.S, a.gamma, a.meanLo, a.invstd, acc, secondPartial(acc, C), a.dgamma, a.dbeta, ka, kb, kc);
    yield { op: 'backwardApply', args: [xp, dyp, dxp, g.N, C, g.S, a.meanHi, a.alpha, a.shift, ka, kb, kc, p.activation] };
    this.read(a.dgamma, dgamma);
    this.read(a.dbeta, dbeta);
    return this.deliver(out, dxp, g.count);
  }

  dispose(): void {
    if (!registry.unregister(this)) return; // already released
    releaseAll(this.holdings);
    this.xBuf.ptr = this.ioBuf.ptr = this.xBuf.capacity = this.ioBuf.capacity = 0;
    this.savedPtr = 0;
    this.savedTensor = null;
  }
}
