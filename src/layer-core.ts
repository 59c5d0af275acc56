// What stands behind the public layer (layer.ts): its state, and the machinery of one call.
// A call is read and checked, prepared on the engine (everything that can throw), run
// (blocking or awaiting the workers), and only then committed. The public class holds one
// LayerCore and forwards to it, so that it reads as its methods.
import { activationCode, type Activation } from './activation.js';
import { runAsync, runSync, type Exchange } from './drive.js';
import { allowedRanks, geometryOf, rankDescription } from './geometry.js';
import { requireRuntime } from './init.js';
import { readTarget, readTensor, type Input, type Target } from './intake.js';
import { JsEngine } from './js/js-engine.js';
import type { Axis, BackendName, DType, Engine, FloatArray, Geometry, LayerParams, Operation, Tensor, TensorInput } from './types.js';
import { Exchanger, type SyncSettings } from './sync/collective.js';
import { checkBoolean, checkLength, floatParam, formatShape, newFloats, sameShape } from './validate.js';
import { namedMemoryError } from './wasm/heap.js';
import { markWritten, savedUnder, type SavedInput } from './wasm/saved-inputs.js';
import { WasmEngine } from './wasm/wasm-engine.js';

/** The layer's settings and starting state, checked by its constructor. */
export interface CoreSettings {
  /** The element type of the arrays below, and of every step. */
  readonly dtype: DType;
  readonly gamma: FloatArray;
  readonly beta: FloatArray;
  readonly momentum: number | null;
  readonly eps: number;
  readonly axis: Axis | undefined;
  readonly activation: Activation | null;
  readonly unbiased: boolean;
  readonly runningMean: FloatArray | null;
  readonly runningVar: FloatArray | null;
  /** The training forwards so far; null: no running statistics. */
  readonly count: number | null;
  readonly backend: BackendName;
  /** The collective of a synchronized layer, read once. */
  readonly sync: SyncSettings | undefined;
}

const IN_FLIGHT = 'an async call on this layer has not settled yet; await it first';

// A call prepared (checked, buffers ready): its steps, the array it writes into when the
// caller gave an out, and what finish() commits once the steps ran (nothing before can change
// the layer). One plain object a call: closures for the commit cost a small call ~10%.
const enum Kind { Infer, BatchForward, Backward }
interface Call {
  readonly op: Operation;
  readonly target: Target | null;
  readonly written: readonly SavedInput[] | null; // saved inputs of any layer under target
  readonly kind: Kind;
  readonly out: Tensor<FloatArray> | null | undefined;
  readonly shape: readonly number[];
  readonly g: Geometry;
  readonly p: LayerParams;
  readonly dgamma: FloatArray | null;
  readonly dbeta: FloatArray | null;
  readonly synced: boolean; // a training forward that exchanged with the other replicas
}

export class LayerCore {
  readonly dtype: DType;
  gamma: FloatArray;
  beta: FloatArray;
  readonly momentum: number | null;
  readonly eps: number;
  readonly axis: Axis | undefined;
  readonly activation: Activation | null;
  readonly unbiased: boolean;
  readonly sync: SyncSettings | undefined;
  private readonly exchanger: Exchanger | null;
  runningMean: FloatArray | null;
  runningVar: FloatArray | null;
  // The training forwards so far (PyTorch's num_batches_tracked); null: no running statistics.
  count: number | null;
  dgamma: FloatArray | null = null;
  dbeta: FloatArray | null = null;
  engine: Engine | null;
  // Without running statistics: where the engines write the running update the layer discards.
  private scratch: [FloatArray, FloatArray] | null = null;
  // Shape and geometry of the most recent training forward: what backward differentiates.
  private trainShape: readonly number[] | null = null;
  private trainGeometry: Geometry | null = null;
  private trainSynced = false; // that forward exchanged with the other replicas: its backward must too
  // Bumped whenever gamma, beta or the running statistics may have changed: engines key
  // their cached inference scale on it.
  private version = 0;
  // The small-call path: the last params object (per version) and the last input shape's
  // geometry, reused so that a repeated call allocates nothing of its own. Measured on Node
  // 26, interleaved A/B, [1, 256] inference: without paramsCache a resident call took
  // 1.05x-1.08x the time; without lastInput/lastGeometry 1.23x-1.27x resident and 1.34x-1.41x
  // from and into Float32Arrays.
  private paramsCache: LayerParams | null = null;
  // The last input's shape (frozen) and element count; the shape is the last equal one seen,
  // so that a caller passing the same (frozen) shape again is answered by identity.
  private lastInput: { shape: readonly number[]; readonly count: number } | null = null;
  private lastGeometry: Geometry | null = null;
  private inFlight = false; // a forwardAsync/backwardAsync has not settled

  constructor(s: CoreSettings) {
    const C = s.gamma.length;
    this.engine = s.backend === 'js' ? new JsEngine(C, s.dtype) : new WasmEngine(requireRuntime('new BatchNormalization'), C, s.dtype);
    this.dtype = s.dtype;
    this.gamma = s.gamma;
    this.beta = s.beta;
    this.momentum = s.momentum;
    this.eps = s.eps;
    this.axis = s.axis;
    this.activation = s.activation;
    this.unbiased = s.unbiased;
    this.sync = s.sync;
    this.exchanger = s.sync ? new Exchanger(s.sync) : null;
    this.runningMean = s.runningMean;
    this.runningVar = s.runningVar;
    this.count = s.count;
  }

  /** The engine, for a call named who: refused after dispose() and while an async call is in flight. */
  live(who: string): Engine {
    if (!this.engine) throw new TypeError(`${who}: the layer was disposed`);
    if (this.inFlight) throw new Error(`${who}: ${IN_FLIGHT}`);
    return this.engine;
  }

  /** A checked new gamma or beta; the cached inference scale is refreshed on the next call. */
  replacement(value: FloatArray | ArrayLike<number>, name: 'gamma' | 'beta'): FloatArray {
    const who = `BatchNormalization.${name}`;
    const array = floatParam(value, name, who, this.dtype);
    checkLength(array, this.gamma.length, name, who, 'the feature count');
    this.version++;
    return array;
  }

  paramsChanged(): void {
    this.version++;
  }

  forward(x: TensorInput, trainFlg: boolean, out: Tensor<FloatArray> | null | undefined, who: string): Tensor<FloatArray> {
    const engine = this.live(who);
    if (this.sync && trainFlg === true) {
      throw new TypeError(`${who}: a training forward of a layer with options.collective exchanges with the other replicas; call forwardAsync (forward(x, false) infers without the collective)`);
    }
    return this.complete(engine, this.forwardCall(engine, x, trainFlg, out, who, false));
  }

  forwardAsync(x: TensorInput, trainFlg: boolean, out: Tensor<FloatArray> | null | undefined, who: string): Promise<Tensor<FloatArray>> {
    return this.settle(who, (engine) => this.forwardCall(engine, x, trainFlg, out, who, this.sync !== undefined && trainFlg === true), x, out);
  }

  backward(dout: TensorInput, out: Tensor<FloatArray> | null | undefined, who: string): Tensor<FloatArray> {
    const engine = this.live(who);
    if (this.trainSynced) {
      throw new TypeError(`${who}: the last training forward exchanged with the other replicas (options.collective), and so does its backward; call backwardAsync`);
    }
    return this.complete(engine, this.backwardCall(engine, dout, out, who));
  }

  backwardAsync(dout: TensorInput, out: Tensor<FloatArray> | null | undefined, who: string): Promise<Tensor<FloatArray>> {
    return this.settle(who, (engine) => this.backwardCall(engine, dout, out, who), dout, out);
  }

  dispose(): void {
    if (this.inFlight) throw new Error(`BatchNormalization.dispose: ${IN_FLIGHT}`);
    this.engine?.dispose();
    this.engine = null;
  }

  private params(): LayerParams {
    const cached = this.paramsCache;
    if (cached && cached.version === this.version) return cached; // new gamma and beta come through replacement(), which bumps it
    // The book starts the running statistics at zeros on the first forward; the layer takes
    // these arrays as its own when that forward commits (finish), so a failed one leaves null.
    // Without running statistics the engines update scratch arrays instead (momentum 0: they
    // take the batch's and nothing accumulates), and nothing reads them. With momentum null,
    // PyTorch's cumulative average: the batch that makes the count n weighs 1/n.
    const D = this.gamma.length;
    const n = this.count;
    // Both running statistics are null or neither: arrays are made only for null ones.
    const spare = this.runningMean ? null : n === null ? (this.scratch ??= [newFloats(this.dtype, D), newFloats(this.dtype, D)]) : [newFloats(this.dtype, D), newFloats(this.dtype, D)];
    this.paramsCache = {
      gamma: this.gamma, beta: this.beta,
      runningMean: this.runningMean ?? spare![0], runningVar: this.runningVar ?? spare![1],
      momentum: n === null ? 0 : this.momentum ?? 1 - 1 / (n + 1),
      eps: this.eps, activation: activationCode(this.activation), unbiased: this.unbiased,
      version: this.version,
    };
    return this.paramsCache;
  }

  // The [N, C, S] view of a checked input's (frozen) shape.
  private geometry(t: Input, name: string, who: string): Geometry {
    const last = this.lastInput;
    if (last && t.shape === last.shape) return this.lastGeometry!;
    if (last && sameShape(t.shape, last.shape)) {
      last.shape = t.shape; // both frozen: equal for good
      return this.lastGeometry!;
    }
    const g = geometryOf(t.shape, this.axis, name, who);
    if (g.C !== this.gamma.length) {
      const what = this.axis === undefined ? 'features per sample' : 'channels';
      throw new RangeError(`${who}: ${name}.shape ${formatShape(t.shape)} has ${g.C} ${what}; expected ${this.gamma.length} (the length of gamma)`);
    }
    this.lastInput = { shape: t.shape, count: t.count };
    this.lastGeometry = g;
    return g;
  }

  // An async call in flight owns the layer's buffers until it settles. Its tensors are
  // referenced until then too: the workers read them by address, so a Wasm tensor the
  // caller dropped must not be collected (and freed) under them. The call's writes into the
  // caller's out are reported once they may have happened, succeeded or not, so that a layer
  // that kept that memory for backward knows (forward and backward do the same).
  private async settle(who: string, prepare: (engine: Engine) => Call, ...tensors: unknown[]): Promise<Tensor<FloatArray>> {
    const engine = this.live(who);
    this.inFlight = true;
    try {
      const call = prepare(engine);
      let data: FloatArray;
      try {
        data = await runAsync(call.op, engine.runner, this.exchangeFor(who));
      } finally {
        markWritten(call.written);
      }
      return this.finish(call, data);
    } finally {
      this.inFlight = false;
      tensors.length = 0;
    }
  }

  // The exchange a synchronized call's steps go through: the layer's collective, named by the call.
  private exchangeFor(who: string): Exchange | undefined {
    const e = this.exchanger;
    return e ? (packed) => e.exchange(packed, who) : undefined;
  }

  // Runs a call's steps, blocking, and commits it; its writes into out are reported as in settle().
  private complete(engine: Engine, call: Call): Tensor<FloatArray> {
    let data: FloatArray;
    try {
      data = runSync(call.op, engine.runner);
    } finally {
      markWritten(call.written);
    }
    return this.finish(call, data);
  }

  // Commits a call whose steps ran, and gives its result: out, or a new { data, shape }.
  private finish(call: Call, data: FloatArray): Tensor<FloatArray> {
    if (call.kind === Kind.Backward) {
      this.dgamma = call.dgamma;
      this.dbeta = call.dbeta;
      this.version++; // an optimiser step on gamma and beta usually follows
    } else {
      if (call.kind === Kind.BatchForward) {
        if (this.count !== null) {
          this.version++; // the running statistics moved
          this.count++;
        }
        this.trainShape = call.shape;
        this.trainGeometry = call.g;
        this.trainSynced = call.synced;
      }
      // The running statistics' arrays a first forward started from zeros become the layer's.
      if (this.count !== null) {
        this.runningMean ??= call.p.runningMean;
        this.runningVar ??= call.p.runningVar;
      }
    }
    return call.out ?? { data, shape: call.shape };
  }

  private forwardCall(engine: Engine, x: TensorInput, trainFlg: boolean, out: Tensor<FloatArray> | null | undefined, who: string, sync: boolean): Call {
    const t = readTensor(x, 'x', who, this.dtype, allowedRanks(this.axis), rankDescription(this.axis), engine.maxElements(), this.lastInput);
    const g = this.geometry(t, 'x', who);
    const shape = t.shape;
    checkBoolean(trainFlg, 'trainFlg', who);
    const target = out != null ? readTarget(out, shape, t.count, 'x', who, this.dtype) : null;
    const written = target && savedUnder(target.data); // before the engine's buffers can grow the memory
    const p = this.params();
    // Without running statistics an inference forward is a training one (PyTorch's too).
    const batchStats = trainFlg || this.count === null;
    let op: Operation;
    try {
      op = batchStats ? engine.trainForward(t, g, p, target, sync) : engine.inferForward(t, g, p, target);
    } catch (error) {
      throw namedMemoryError(error, who, `x.shape ${formatShape(shape)}`);
    }
    return { op, target, written, kind: batchStats ? Kind.BatchForward : Kind.Infer, out, shape, g, p, dgamma: null, dbeta: null, synced: sync };
  }

  private backwardCall(engine: Engine, dout: TensorInput, out: Tensor<FloatArray> | null | undefined, who: string): Call {
    const t = readTensor(dout, 'dout', who, this.dtype, allowedRanks(this.axis), rankDescription(this.axis), engine.maxElements());
    if (!this.trainShape) {
      throw new TypeError(`${who}: no training forward to differentiate; call forward(x, true) first`);
    }
    if (!sameShape(t.shape, this.trainShape)) {
      throw new RangeError(`${who}: dout.shape must be the last training input's shape ${formatShape(this.trainShape)}; got ${formatShape(t.shape)}`);
    }
    const target = out != null ? readTarget(out, this.trainShape, t.count, 'dout', who, this.dtype) : null;
    const written = target && savedUnder(target.data); // as in forwardCall
    const g = this.trainGeometry!; // set with trainShape
    const shape = this.trainShape;
    const dgamma = newFloats(this.dtype, g.C);
    const dbeta = newFloats(this.dtype, g.C);
    const p = this.params();
    let op: Operation;
    try {
      op = engine.backward(t, g, p, target, dgamma, dbeta);
    } catch (error) {
      throw namedMemoryError(error, who, `dout.shape ${formatShape(shape)}`);
    }
    return { op, target, written, kind: Kind.Backward, out, shape, g, p, dgamma, dbeta, synced: false };
  }
}
