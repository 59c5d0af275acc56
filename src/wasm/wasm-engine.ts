// The Wasm backend's per-layer state and its operations. The layer's buffers live in linear
// memory (carved from the shared heap). A call copies x in once and y out once; with Wasm
// tensors (or views of Wasm memory) as input and out it copies nothing. Buffers are reused
// across calls and grow only when a larger batch arrives. Each operation prepares its
// buffers (everything that can throw) and returns its steps (types.ts: Operation): the row
// kernels it yields run on one thread or split over threads, as the runtime's runner decides.
//
// A float64 layer's engine is the same code over f64 buffers, running the f64 twins of the
// kernels (abi.ts: kernelsOf): element sizes and views come from its dtype.
//
// State is committed last. A training forward writes its copy of x and its statistics into
// the spare one of two sets, and delivers y, before it makes that set the one backward uses
// and hands the new running statistics to the layer: a call that fails at any point leaves
// the layer as it was, its last training input and statistics included.
import type { Input, Target } from '../intake.js';
import { overlaps, rangesOverlap } from '../overlap.js';
import { ExchangeKind, HEADER, packExchange } from '../sync/collective.js';
import type { DType, Engine, FloatArray, Geometry, LayerParams, Operation, ResidentTensor, StepRunner, Steps } from '../types.js';
import { elementBytes } from '../validate.js';
import { KERNELS, kernelNames, kernelsOf, partialBytes, scratchPartial, secondPartial, shareOf, type DtypeKernels, type KernelName } from './abi.js';
import type { WasmHeap } from './heap.js';
import { OneStep } from './one-step.js';
import { planFor } from './plan.js';
import { layerCreated, layerReleased, type WasmRuntime } from './runtime.js';
import { keepInput, releaseInput, type SavedInput } from './saved-inputs.js';
import { slabChannels } from './slabs.js';

// Per-channel arrays of the element type, each padded to a multiple of 16 bytes, and from 4 KiB on ARRAY_SKEW
// bytes more: the per-channel steps walk up to eleven in step, which 4 KiB apart share the
// L1's sets (book training forward 0.9x the time with the skew). The parameters and
// scratch, then two sets of what a training forward saves for backward.
const ARRAY_SKEW = 320; // five cache lines, as the heap's large blocks (heap.ts: SKEW)
const CHANNEL_ARRAYS = ['gamma', 'beta', 'runMean', 'runVar', 'scale', 'dgamma', 'dbeta'] as const;
const SAVED_ARRAYS = ['meanHi', 'meanLo', 'invstd', 'alpha', 'shift'] as const;
type ChannelArray = (typeof CHANNEL_ARRAYS)[number];
type SavedArray = (typeof SAVED_ARRAYS)[number];

// What a dropped layer's engine still holds, for the FinalizationRegistry to free.
interface Holdings {
  rt: WasmRuntime;
  heap: WasmHeap;
  ptrs: Set<number>;
  saved: SavedInput | null;
}

function releaseAll(h: Holdings): void {
  for (const ptr of h.ptrs) h.heap.release(ptr); // once: dispose() unregisters before it calls this
  releaseInput(h.saved);
  h.saved = null;
  layerReleased(h.rt);
}

const registry = new FinalizationRegistry<Holdings>(releaseAll);

// A growable data buffer of the layer.
interface Buffer {
  ptr: number;
  capacity: number; // elements
}

// One set of what a training forward saves: the copy of x (unless kept by reference) and
// the per-channel statistics.
interface SavedSet {
  readonly x: Buffer;
  readonly at: Record<SavedArray, number>;
}

// What backward differentiates: where the input is, and the Wasm tensor it is in when the
// layer kept a reference instead of a copy.
interface Saved {
  readonly set: SavedSet;
  readonly ptr: number;
  readonly synced: boolean; // its statistics were every replica's: its backward exchanges too
  readonly tensor: ResidentTensor | null;
  readonly input: SavedInput | null;
}

// Two ranges of `bytes` at a and b that overlap without coinciding (src/overlap.ts: in place
// is safe, a shifted overlap is not). An input not in Wasm memory (address 0) is copied into
// the io buffer, where the result then goes too: a 0 answered either way gives the same call.
const shifted = (a: number, b: number, bytes: number): boolean => a !== b && rangesOverlap(a, bytes, b, bytes);

export class WasmEngine implements Engine {
  readonly backend = 'wasm' as const;
  readonly runner: StepRunner;
  private readonly rt: WasmRuntime;
  private readonly holdings: Holdings;
  private readonly at: Record<ChannelArray, number>; // byte offsets
  private readonly sets: readonly [SavedSet, SavedSet];
  private readonly coef: number; // three arrays of C elements, coefStride bytes apart: ka, kb, kc
  private readonly coefStride: number;
  private readonly acc: number; // partial results (abi.ts), one share per thread the runner may use
  private readonly ioBuf: Buffer = { ptr: 0, capacity: 0 }; // input/output of the current call
  private saved: Saved | null = null;
  private packed: Float64Array | undefined; // a synchronized layer's exchanges (pack)
  private foldedVersion = -1; // params version whose beta, runMean and scale are in memory
  private lastView: FloatArray | null = null;
  private readonly inferOp: OneStep;
  // The element type: its bytes, log2 of them (byte offset >>> shift: an index), the kernels
  // of that type under their float32 names (k) and their export names for the steps (ops).
  private readonly bytes: 4 | 8;
  private readonly shift: 2 | 3;
  private readonly k: DtypeKernels;
  private readonly ops: Readonly<Record<keyof typeof KERNELS, KernelName>>;
  // The plan word of the last geometry inferred over (the layer hands the same object back
  // while the shape stays): looked up again per call it cost a [1, 256] inference 9-17 ns.
  private inferPlanOf: Geometry | null = null;
  private inferPlan = 0;
  // Where the inference in progress delivers its result (inferDeliver reads it).
  private readonly inferResult = { out: null as Target | null, outAt: 0, yp: 0, count: 0 };
  private readonly inferDeliver = (): FloatArray => {
    const r = this.inferResult;
    const y = this.deliver(r.out, r.outAt, r.yp, r.count);
    r.out = null; // holds nothing of the call after it
    return y;
  };
  private lastViewOf: Float32Array | null = null; // the heap's view lastView was cut from
  private lastViewAt = 0; // and its byte offset and length there
  private lastViewCount = 0;
  // The last input and the last output array addressOf looked at, with the heap view then and
  // the answer: a caller that passes the same arrays call after call is answered without
  // reading their buffers again (the buffer getters cost 25-30 ns each: without this, a
  // [1, 256] inference from and into Float32Arrays took 1.10x-1.12x the time, Node 26, A/B).
  private readonly seen = [{ array: null as FloatArray | null, of: null as Float32Array | null, at: 0 }, { array: null as FloatArray | null, of: null as Float32Array | null, at: 0 }];

  constructor(rt: WasmRuntime, C: number, dtype: DType) {
    this.rt = rt;
    this.runner = rt.runner;
    this.holdings = { rt, heap: rt.heap, ptrs: new Set(), saved: null };
    this.bytes = elementBytes(dtype);
    this.shift = this.bytes === 8 ? 3 : 2;
    this.k = kernelsOf(rt.kernels, dtype);
    this.ops = kernelNames(dtype);
    this.inferOp = new OneStep(this.ops.normalize, KERNELS.normalize.length);
    const bytes = Math.ceil((C * this.bytes) / 16) * 16;
    const padded = bytes + (bytes >= 4096 ? ARRAY_SKEW : 0);
    const arrays = CHANNEL_ARRAYS.length + 2 * SAVED_ARRAYS.length;
    const base = this.alloc(padded * arrays + padded * 3 + rt.runner.maxShares * partialBytes(C, this.bytes));
    layerCreated(rt); // after the allocation that may throw: dispose() counts it down
    this.at = Object.fromEntries(CHANNEL_ARRAYS.map((name, i) => [name, base + i * padded])) as Record<ChannelArray, number>;
    const set = (k: number): SavedSet => ({
      x: { ptr: 0, capacity: 0 },
      at: Object.fromEntries(SAVED_ARRAYS.map((name, i) => [name, base + (CHANNEL_ARRAYS.length + k * SAVED_ARRAYS.length + i) * padded])) as Record<SavedArray, number>,
    });
    this.sets = [set(0), set(1)];
    this.coef = base + padded * arrays;
    this.coefStride = padded;
    this.acc = this.coef + padded * 3;
    registry.register(this, this.holdings, this);
  }

  maxElements(): number {
    const heap = this.rt.heap;
    return Math.floor((heap.maxBytes - heap.bytesInUse) / this.bytes);
  }

  // The whole memory as an array of the element type (the heap's, re-derived when it grows).
  private get mem(): FloatArray {
    return this.bytes === 8 ? this.rt.heap.f64 : this.rt.heap.f32;
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
  // kept: a saved set's x grows only when a training forward is about to overwrite that
  // (spare) set, and ioBuf holds nothing between calls.
  private reserve(buf: Buffer, count: number): number {
    if (count <= buf.capacity) return buf.ptr;
    const ptr = this.alloc(count * this.bytes); // first: if it throws, buf still owns its old block
    if (buf.ptr) this.release(buf.ptr);
    buf.ptr = ptr;
    buf.capacity = count;
    return ptr;
  }

  // The spare set's copy of x; the other set's too while it holds no input backward needs
  // (no training forward yet, or the last one kept its input by reference), so that steady
  // calls allocate nothing. The other set's copy is the last training input otherwise: it must
  // outlive this call until it commits (a synchronized forward can still fail).
  private reserveSaved(set: SavedSet, count: number): number {
    const other = set === this.sets[0] ? this.sets[1] : this.sets[0];
    const ptr = this.reserve(set.x, count);
    if (!this.saved || this.saved.tensor) this.reserve(other.x, count);
    return ptr;
  }

  // Where a caller's array already is in this heap's memory (a Wasm tensor, or a view of
  // Wasm memory), else 0. Taken before anything can grow the memory: the address stays
  // valid when a grow detaches the caller's view.
  private addressOf(t: { readonly data: FloatArray; readonly tensor: ResidentTensor | null }, slot: 0 | 1): number {
    if (t.tensor) return t.tensor.livesIn(this.rt.heap) ? t.tensor.ptr : 0;
    const f32 = this.rt.heap.f32;
    const data = t.data;
    const seen = this.seen[slot];
    if (data === seen.array && f32 === seen.of) return seen.at;
    seen.array = data;
    seen.of = f32;
    return (seen.at = data.buffer === f32.buffer ? data.byteOffset : 0); // never empty: a shape's entries are >= 1
  }

  // Where an input is in Wasm memory: where it already is, or a copy in buf.
  private place(t: Input, at: number, buf: Buffer): number {
    if (at) return at;
    const ptr = this.reserve(buf, t.count);
    this.mem.set(t.data, ptr >>> this.shift);
    return ptr;
  }

  // A view of count elements at ptr; the last one is reused (a small call then allocates none).
  // Its place is kept as numbers: a typed array's byteOffset getter costs about 20 ns here.
  private view(ptr: number, count: number): FloatArray {
    const f32 = this.rt.heap.f32; // the heap's view stands for the memory as it is now
    const last = this.lastView;
    if (last && this.lastViewOf === f32 && this.lastViewAt === ptr && this.lastViewCount === count) return last;
    this.lastViewOf = f32;
    this.lastViewAt = ptr;
    this.lastViewCount = count;
    const at = ptr >>> this.shift;
    return (this.lastView = this.mem.subarray(at, at + count));
  }

  // The result: out (written in place when ptr is outAt, else filled from ptr: by address when
  // out is in Wasm memory, whose view a grow during the call may have detached), or a new array.
  private deliver(out: Target | null, outAt: number, ptr: number, count: number): FloatArray {
    if (!out) return this.view(ptr, count).slice(); // one copy, no zero-fill
    if (outAt === ptr) return out.data;
    if (outAt) this.mem.copyWithin(outAt >>> this.shift, ptr >>> this.shift, (ptr >>> this.shift) + count);
    else out.data.set(this.view(ptr, count));
    return out.data;
  }

  // Copies the layer's JS-side parameters in: they are the truth, edits included. Backward
  // reads gamma alone (beta and the running statistics are the forwards').
  private writeParams(p: LayerParams, forward: boolean): void {
    const mem = this.mem;
    const shift = this.shift;
    mem.set(p.gamma, this.at.gamma >>> shift);
    if (forward) {
      mem.set(p.beta, this.at.beta >>> shift);
      mem.set(p.runningMean, this.at.runMean >>> shift);
      mem.set(p.runningVar, this.at.runVar >>> shift);
    }
  }

  private read(ptr: number, into: FloatArray): void {
    into.set(this.mem.subarray(ptr >>> this.shift, (ptr >>> this.shift) + into.length));
  }

  trainForward(x: Input, g: Geometry, p: LayerParams, out: Target | null, sync: boolean): Operation {
    const xAt = this.addressOf(x, 0);
    const outAt = out ? this.addressOf(out, 1) : 0;
    const set = this.sets[this.saved?.set === this.sets[0] ? 1 : 0]; // the spare set
    // A Wasm tensor of this heap is kept by reference for backward, unless y would overwrite it.
    const tensor = x.tensor && xAt && !(out && overlaps(x.data, out.data)) ? x.tensor : null;
    // Allocate first: an allocation that throws leaves everything as it was.
    const yp = outAt || this.reserve(this.ioBuf, g.count);
    const xp = tensor ? xAt : this.reserveSaved(set, g.count);
    if (!tensor) {
      const mem = this.mem;
      const shift = this.shift;
      if (xAt) mem.copyWithin(xp >>> shift, xAt >>> shift, (xAt >>> shift) + g.count);
      else mem.set(x.data, xp >>> shift);
    }
    this.foldedVersion = -1; // the running statistics in memory are about to change
    this.writeParams(p, true);
    return this.trainSteps(set, xp, tensor, yp, outAt, g, p, out, sync);
  }

  // Two f64 arrays of C at a and b, packed for an exchange with the other replicas (into one
  // array kept for the layer's exchanges: an allocation costs microseconds); and back.
  private pack(kind: ExchangeKind, C: number, count: number, a: number, b: number): Float64Array {
    const packed = this.packed = packExchange(kind, C, count, this.packed);
    const f64 = new Float64Array(this.rt.heap.f32.buffer); // a view of now: an exchange awaits, and memory may grow meanwhile
    packed.set(f64.subarray(a >>> 3, (a >>> 3) + C), HEADER);
    packed.set(f64.subarray(b >>> 3, (b >>> 3) + C), HEADER + C);
    return packed;
  }

  private unpack(packed: Float64Array, C: number, a: number, b: number): void {
    const f64 = new Float64Array(this.rt.heap.f32.buffer);
    f64.set(packed.subarray(HEADER, HEADER + C), a >>> 3);
    f64.set(packed.subarray(HEADER + C), b >>> 3);
  }

  private *trainSteps(set: SavedSet, xp: number, tensor: ResidentTensor | null, yp: number, outAt: number,
    g: Geometry, p: LayerParams, out: Target | null, sync: boolean): Steps {
    const a = this.at;
    const s = set.at;
    const k = this.k;
    const eb = this.bytes;
    const { C } = g;
    const acc = this.acc;
    // A synchronized forward exchanges between its passes, which a slab fuses: no slabs then.
    const slab = sync ? 0 : slabChannels(g, 1, this.runner.maxShares, eb);
    if (slab) {
      k.trainSlabs(xp, yp, g.N, C, g.S, slab, acc, secondPartial(acc, C), a.gamma, a.beta, a.runMean, a.runVar, p.momentum, p.eps,
        p.unbiased ? 1 : 0, s.meanHi, s.meanLo, s.invstd, s.alpha, s.shift, scratchPartial(acc, C), p.activation,
        planFor('stats', g.N, C, g.S, eb), planFor('normalize', g.N, C, g.S, eb));
    } else {
      const shares = yield { op: this.ops.stats, args: [xp, g.N, C, g.S, acc, secondPartial(acc, C), scratchPartial(acc, C), planFor('stats', g.N, C, g.S, eb)] };
      // Chan's merge of the shares' partial statistics into share 0, in row order.
      for (let t = 1, n = shareOf(g.N, shares, 0).rows * g.S; t < shares; t++) {
        const part = acc + t * partialBytes(C, eb);
        const nt = shareOf(g.N, shares, t).rows * g.S;
        k.mergeStats(C, n, acc, secondPartial(acc, C), nt, part, secondPartial(part, C));
        n += nt;
      }
      let count = g.N * g.S;
      if (sync) { // every replica's statistics, merged in rank order, replace this one's
        const packed = this.pack(ExchangeKind.Stats, C, count, acc, secondPartial(acc, C));
        count = yield { op: 'exchange', packed };
        this.unpack(packed, C, acc, secondPartial(acc, C));
      }
      k.trainFinalize(C, count, acc, secondPartial(acc, C), a.gamma, a.beta, a.runMean, a.runVar, p.momentum, p.eps,
        p.unbiased ? 1 : 0, s.meanHi, s.meanLo, s.invstd, s.alpha, s.shift);
      yield { op: this.ops.normalize, args: [xp, yp, g.N, C, g.S, s.meanHi, s.alpha, s.shift, p.activation, planFor('normalize', g.N, C, g.S, eb)] };
    }
    const y = this.deliver(out, outAt, yp, g.count);
    // Commit: nothing below can throw.
    this.read(a.runMean, p.runningMean);
    this.read(a.runVar, p.runningVar);
    releaseInput(this.saved?.input ?? null);
    const input = tensor ? keepInput(this.rt.heap, xp, g.count * eb) : null;
    this.saved = { set, ptr: xp, tensor, input, synced: sync };
    this.holdings.saved = input;
    return y;
  }

  inferForward(x: Input, g: Geometry, p: LayerParams, out: Target | null): Operation {
    const a = this.at;
    const xAt = this.addressOf(x, 0);
    const outAt = out ? this.addressOf(out, 1) : 0;
    if (this.foldedVersion !== p.version) {
      this.writeParams(p, true);
      this.k.fold(g.C, a.gamma, a.runVar, p.eps, a.scale);
      this.foldedVersion = p.version;
    }
    // y goes straight into out, unless out overlaps x shifted (normalize would read what it wrote).
    const yp = outAt && !shifted(xAt, outAt, g.count * this.bytes) ? outAt : this.reserve(this.ioBuf, g.count);
    const xp = this.place(x, xAt, this.ioBuf); // a copied x is normalised in place
    // One step, normalize; its objects are reused call after call (see one-step.ts).
    const args = this.inferOp.args;
    args[0] = xp;
    args[1] = yp;
    args[2] = g.N;
    args[3] = g.C;
    args[4] = g.S;
    args[5] = a.runMean;
    args[6] = a.scale;
    args[7] = a.beta;
    args[8] = p.activation;
    if (g !== this.inferPlanOf) {
      this.inferPlan = planFor('normalize', g.N, g.C, g.S, this.bytes);
      this.inferPlanOf = g;
    }
    args[9] = this.inferPlan;
    const r = this.inferResult;
    r.out = out;
    r.outAt = outAt;
    r.yp = yp;
    r.count = g.count;
    return this.inferOp.arm(this.inferDeliver);
  }

  backward(dy: Input, g: Geometry, p: LayerParams, out: Target | null, dgamma: FloatArray, dbeta: FloatArray): Operation {
    const saved = this.saved;
    if (!saved) throw new TypeError('BatchNormalization.backward: no training forward to differentiate; call forward(x, true) first');
    if (saved.tensor?.disposed) {
      throw new TypeError('BatchNormalization.backward: the Wasm tensor given to the training forward was disposed; backward needs it');
    }
    if (saved.input?.overwritten) {
      throw new TypeError('BatchNormalization.backward: the Wasm tensor given to the training forward was written since (as the out of a later call, or in place); backward needs the input as it was: call backward first, or give the training forward a tensor that stays unchanged');
    }
    const dyAt = this.addressOf(dy, 0);
    const outAt = out ? this.addressOf(out, 1) : 0;
    // dx goes straight into out, unless out overlaps dy or the saved x shifted (backwardApply
    // would read what it wrote); then into the io buffer, and from there into out.
    const bytes = g.count * this.bytes;
    const dxp = outAt && !shifted(dyAt, outAt, bytes) && !shifted(saved.ptr, outAt, bytes) ? outAt : this.reserve(this.ioBuf, g.count);
    const dyp = this.place(dy, dyAt, this.ioBuf); // a copied dy is turned into dx in place
    this.writeParams(p, false);
    return this.backwardSteps(saved, dyp, dxp, outAt, g, p, out, dgamma, dbeta);
  }

  private *backwardSteps(saved: Saved, dyp: number, dxp: number, outAt: number, g: Geometry, p: LayerParams, out: Target | null,
    dgamma: FloatArray, dbeta: FloatArray): Steps {
    const a = this.at;
    const s = saved.set.at;
    const k = this.k;
    const eb = this.bytes;
    const { C } = g;
    const acc = this.acc;
    const xp = saved.ptr;
    const ka = this.coef, kb = ka + this.coefStride, kc = kb + this.coefStride;
    const slab = saved.synced ? 0 : slabChannels(g, 2, this.runner.maxShares, eb);
    if (slab) {
      k.backwardSlabs(xp, dyp, dxp, g.N, C, g.S, slab, s.meanHi, s.alpha, s.shift, acc, secondPartial(acc, C), a.gamma, s.meanLo, s.invstd,
        a.dgamma, a.dbeta, ka, kb, kc, scratchPartial(acc, C), p.activation, planFor('backwardReduce', g.N, C, g.S, eb), planFor('backwardApply', g.N, C, g.S, eb));
    } else {
      const shares = yield {
        op: this.ops.backwardReduce,
        args: [xp, dyp, g.N, C, g.S, s.meanHi, s.alpha, s.shift, acc, secondPartial(acc, C), scratchPartial(acc, C), p.activation, planFor('backwardReduce', g.N, C, g.S, eb)],
      };
      for (let t = 1; t < shares; t++) k.addF64(acc, acc + t * partialBytes(C, eb), 2 * C); // both sums of share t
      k.backwardFinalize(C, g.N * g.S, a.gamma, s.meanLo, s.invstd, acc, secondPartial(acc, C), a.dgamma, a.dbeta, ka, kb, kc);
      if (saved.synced) {
        // dgamma and dbeta stay this replica's (as PyTorch's: the optimiser's all-reduce adds
        // them); dx takes every replica's sums, so the coefficients are made again from those,
        // their dgamma and dbeta going to scratch.
        const packed = this.pack(ExchangeKind.Sums, C, g.N * g.S, acc, secondPartial(acc, C));
        const M = yield { op: 'exchange', packed };
        this.unpack(packed, C, acc, secondPartial(acc, C));
        const spare = scratchPartial(acc, C);
        k.backwardFinalize(C, M, a.gamma, s.meanLo, s.invstd, acc, secondPartial(acc, C), spare, spare + C * eb, ka, kb, kc);
      }
      yield { op: this.ops.backwardApply, args: [xp, dyp, dxp, g.N, C, g.S, s.meanHi, s.alpha, s.shift, ka, kb, kc, p.activation, planFor('backwardApply', g.N, C, g.S, eb)] };
    }
    this.read(a.dgamma, dgamma);
    this.read(a.dbeta, dbeta);
    return this.deliver(out, outAt, dxp, g.count);
  }

  dispose(): void {
    if (!registry.unregister(this)) return; // already released
    releaseAll(this.holdings); // the layer drops its engine after this: no buffer is used again
    this.saved = null;
    this.lastView = null;
    for (const seen of this.seen) seen.array = seen.of = null;
  }
}
