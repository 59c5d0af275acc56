// The book's BatchNormalization layer ("Deep Learning from Scratch"), with the same
// constructor, forward(x, trainFlg) and backward(dout), over a Wasm or a JS engine;
// plus per-channel axes, a fused ReLU and PyTorch/ONNX conventions.
import { activationCode, type Activation } from './activation.js';
import { runAsync, runSync } from './drive.js';
import { foldInto, type Folded } from './fold.js';
import { allowedRanks, geometryOf, rankDescription } from './geometry.js';
import { currentDefaultBackend, requireRuntime } from './init.js';
import { readTarget, readTensor, type KnownShape, type Target } from './intake.js';
import {
  checkState, fromPyTorchArgs, stateOf, toPyTorchFields, type BatchNormState, type PyTorchBatchNorm, type PyTorchExport,
} from './interop.js';
import { fromKerasArgs, toKerasFields, type KerasConfig, type KerasExport, type KerasWeights } from './interop-keras.js';
import { JsEngine } from './js/js-engine.js';
import { checkMomentum, definedOptions, layerOptions, type BatchNormalizationOptions } from './options.js';
import type { Axis, BackendName, Engine, Geometry, Input, LayerParams, Operation, TensorInput, TensorLike } from './types.js';
import { checkBoolean, checkLength, float32Param, formatShape, sameShape } from './validate.js';
import { WasmMemoryError } from './wasm/heap.js';
import { noteWrite } from './wasm/saved-inputs.js';
import { WasmEngine } from './wasm/wasm-engine.js';

export type { BatchNormalizationOptions };

/** A tensor the layer returns: it owns its data. */
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

const IN_FLIGHT = 'an async call on this layer has not settled yet; await it first';

function createEngine(backend: BackendName, C: number): Engine {
  return backend === 'js' ? new JsEngine(C) : new WasmEngine(requireRuntime('new BatchNormalization'), C);
}

// A call prepared (checked, buffers ready): its steps, the array it writes into when the
// caller gave an out, and what to commit once the steps ran (nothing before can change the layer).
interface Call<T> {
  op: Operation;
  target: Target | null;
  done(data: Float32Array): T;
}

// A full Wasm memory, named by the call and the shape it was for; any other error as it is.
function named(error: unknown, who: string, name: string, shape: readonly number[]): unknown {
  return error instanceof WasmMemoryError ? new RangeError(`${who}: ${error.message} (for ${name}.shape ${formatShape(shape)})`) : error;
}

export class BatchNormalization {
  private _gamma: Float32Array;
  private _beta: Float32Array;
  private readonly _momentum: number | null;
  private readonly _eps: number;
  private readonly _axis: Axis | undefined;
  private readonly _activation: Activation | null;
  private readonly _unbiased: boolean;
  private _runningMean: Float32Array | null;
  private _runningVar: Float32Array | null;
  // The training forwards so far (PyTorch's num_batches_tracked); null: no running statistics.
  private _count: number | null;
  // Without running statistics: where the engines write the running update the layer discards.
  private scratch: [Float32Array, Float32Array] | null = null;
  private _dgamma: Float32Array | null = null;
  private _dbeta: Float32Array | null = null;
  // Shape and geometry of the most recent training forward: what backward differentiates.
  private trainShape: readonly number[] | null = null;
  private trainGeometry: Geometry | null = null;
  // Bumped whenever gamma, beta or the running statistics may have changed: engines key
  // their cached inference scale on it.
  private version = 0;
  private engine: Engine | null;
  // The small-call path: the last params object (per version) and the last input shape's
  // geometry, reused so that a repeated call allocates nothing of its own.
  private paramsCache: LayerParams | null = null;
  private lastInput: KnownShape | null = null; // the last input's shape (frozen) and element count
  private lastGeometry: Geometry | null = null;
  private inFlight = false; // a forwardAsync/backwardAsync has not settled

  /**
   * The book's positional arguments. gamma and beta are kept by reference (a Float32Array;
   * other array-likes are copied), so that an optimiser updating them in place is seen by
   * the next training step, as in the book. The running statistics are copied: the layer
   * owns and updates its own arrays.
   */
  constructor(
    gamma: Float32Array | ArrayLike<number>,
    beta: Float32Array | ArrayLike<number>,
    momentum: number | null = 0.9,
    runningMean: Float32Array | ArrayLike<number> | null = null,
    runningVar: Float32Array | ArrayLike<number> | null = null,
    options: BatchNormalizationOptions = {},
  ) {
    const who = 'new BatchNormalization';
    const g = float32Param(gamma, 'gamma', who);
    const b = float32Param(beta, 'beta', who);
    if (g.length === 0) throw new RangeError(`${who}: gamma must have at least one element; got length 0`);
    checkLength(b, g.length, 'beta', who, 'the length of gamma');
    const m = checkMomentum(momentum, who);
    const rm = runningMean == null ? null : Float32Array.from(float32Param(runningMean, 'runningMean', who));
    const rv = runningVar == null ? null : Float32Array.from(float32Param(runningVar, 'runningVar', who));
    if (rm) checkLength(rm, g.length, 'runningMean', who, 'the length of gamma');
    if (rv) checkLength(rv, g.length, 'runningVar', who, 'the length of gamma');
    if ((rm === null) !== (rv === null)) {
      throw new TypeError(`${who}: runningMean and runningVar must be given together; got ${rm ? 'runningMean only' : 'runningVar only'}`);
    }
    const o = layerOptions(options, who);
    if (!o.track && (rm || o.count !== undefined)) {
      throw new TypeError(`${who}: ${rm ? 'runningMean and runningVar' : 'options.numBatchesTracked'} must be left out when options.trackRunningStats is false; got ${rm ? 'arrays' : o.count}`);
    }
    this.engine = createEngine(o.backend ?? currentDefaultBackend() ?? 'wasm', g.length);
    this._gamma = g;
    this._beta = b;
    this._momentum = m;
    this._eps = o.eps;
    this._axis = o.axis;
    this._activation = o.activation;
    this._unbiased = o.unbiased;
    this._runningMean = rm;
    this._runningVar = rv;
    this._count = o.track ? o.count ?? 0 : null;
  }

  /** A layer from a PyTorch BatchNorm's state_dict fields; per channel (axis 1) and unbiased running variance unless options say otherwise. */
  static fromPyTorch(sd: PyTorchBatchNorm, options: BatchNormalizationOptions = {}): BatchNormalization {
    const who = 'BatchNormalization.fromPyTorch';
    const a = fromPyTorchArgs(sd, who);
    // Options left undefined keep these defaults (an explicit undefined is no choice).
    return new BatchNormalization(a.gamma, a.beta, a.momentum, a.runningMean, a.runningVar, {
      axis: 1, runningVarUnbiased: true, eps: a.eps, trackRunningStats: a.trackRunningStats, numBatchesTracked: a.numBatchesTracked,
      ...definedOptions(options, who),
    });
  }

  static fromKeras(weights: KerasWeights, config: KerasConfig = {}, options: BatchNormalizationOptions = {}): BatchNormalization {
    const who = 'BatchNormalization.fromKeras';
    const a = fromKerasArgs(weights, config, who);
    return new BatchNormalization(a.gamma, a.beta, a.momentum, a.runningMean, a.runningVar,
      { axis: a.axis, eps: a.eps, ...definedOptions(options, who) });
  }

  /** A layer from state(); options may choose the backend. */
  static fromState(state: BatchNormState, options: Pick<BatchNormalizationOptions, 'backend'> = {}): BatchNormalization {
    const who = 'BatchNormalization.fromState';
    const s = checkState(state, who);
    return new BatchNormalization(s.gamma, s.beta, s.momentum, s.runningMean, s.runningVar, {
      eps: s.eps, axis: s.axis, activation: s.activation, runningVarUnbiased: s.runningVarUnbiased,
      trackRunningStats: s.trackRunningStats, numBatchesTracked: s.numBatchesTracked ?? undefined, ...definedOptions(options, who, ['backend']),
    });
  }

  get gamma(): Float32Array {
    return this._gamma;
  }
  set gamma(value: Float32Array | ArrayLike<number>) {
    this._gamma = this.replacement(value, 'gamma');
  }
  get beta(): Float32Array {
    return this._beta;
  }
  set beta(value: Float32Array | ArrayLike<number>) {
    this._beta = this.replacement(value, 'beta');
  }

  // A checked new gamma or beta; the cached inference scale is refreshed on the next call.
  private replacement(value: Float32Array | ArrayLike<number>, name: 'gamma' | 'beta'): Float32Array {
    const who = `BatchNormalization.${name}`;
    const array = float32Param(value, name, who);
    checkLength(array, this._gamma.length, name, who, 'the feature count');
    this.version++;
    return array;
  }
  get momentum(): number | null {
    return this._momentum;
  }
  get eps(): number {
    return this._eps;
  }
  /** The axis option: null for the book's semantics. */
  get axis(): Axis | null {
    return this._axis ?? null;
  }
  get activation(): Activation | null {
    return this._activation;
  }
  get runningVarUnbiased(): boolean {
    return this._unbiased;
  }
  get trackRunningStats(): boolean {
    return this._count !== null;
  }
  get numBatchesTracked(): number | null {
    return this._count;
  }
  /** null until the first forward when not given to the constructor. */
  get runningMean(): Float32Array | null {
    return this._runningMean;
  }
  get runningVar(): Float32Array | null {
    return this._runningVar;
  }
  /** Set by backward: sum over the batch of dout * xn. */
  get dgamma(): Float32Array | null {
    return this._dgamma;
  }
  /** Set by backward: sum over the batch of dout. */
  get dbeta(): Float32Array | null {
    return this._dbeta;
  }
  get backend(): BackendName {
    return this.live('backend').backend;
  }
  /** Whether dispose() was called. */
  get disposed(): boolean {
    return this.engine === null;
  }

  /**
   * Says that gamma, beta, runningMean or runningVar were edited in place. Inference caches
   * its per-channel scale; training forward, backward and the gamma/beta setters refresh
   * it by themselves, so call this only after editing those arrays outside a training step.
   */
  paramsChanged(): void {
    this.version++;
  }

  private live(who: string): Engine {
    if (!this.engine) throw new TypeError(`BatchNormalization.${who}: the layer was disposed`);
    if (this.inFlight) throw new Error(`BatchNormalization.${who}: ${IN_FLIGHT}`);
    return this.engine;
  }

  private params(): LayerParams {
    const cached = this.paramsCache;
    if (cached && cached.version === this.version && cached.gamma === this._gamma && cached.beta === this._beta) return cached;
    // The book starts the running statistics at zeros on the first forward; the layer takes
    // these arrays as its own when that forward commits (finish), so a failed one leaves null.
    // Without running statistics the engines update scratch arrays instead (momentum 0: they
    // take the batch's and nothing accumulates), and nothing reads them. With momentum null,
    // PyTorch's cumulative average: the batch that makes the count n weighs 1/n.
    const D = this._gamma.length;
    const n = this._count;
    // Both running statistics are null or neither: arrays are made only for null ones.
    const spare = this._runningMean ? null : n === null ? (this.scratch ??= [new Float32Array(D), new Float32Array(D)]) : [new Float32Array(D), new Float32Array(D)];
    this.paramsCache = {
      gamma: this._gamma, beta: this._beta,
      runningMean: this._runningMean ?? spare![0], runningVar: this._runningVar ?? spare![1],
      momentum: n === null ? 0 : this._momentum ?? 1 - 1 / (n + 1),
      eps: this._eps, activation: activationCode(this._activation), unbiased: this._unbiased,
      version: this.version,
    };
    return this.paramsCache;
  }

  // The [N, C, S] view of a checked input's (frozen) shape.
  private geometry(t: Input, name: string, who: string): Geometry {
    const last = this.lastInput;
    if (last && (t.shape === last.shape || sameShape(t.shape, last.shape))) return this.lastGeometry!;
    const g = geometryOf(t.shape, this._axis, name, who);
    if (g.C !== this._gamma.length) {
      const what = this._axis === undefined ? 'features per sample' : 'channels';
      throw new RangeError(`${who}: ${name}.shape ${formatShape(t.shape)} has ${g.C} ${what}; expected ${this._gamma.length} (the length of gamma)`);
    }
    this.lastInput = { shape: t.shape, count: t.count };
    this.lastGeometry = g;
    return g;
  }

  /**
   * The book's forward: batch statistics when trainFlg, running statistics otherwise.
   * With out (a tensor of x's shape, e.g. from allocTensor) the result is written there and
   * out is returned; out may be x for inference (in place).
   */
  forward<T extends Tensor = Tensor>(x: TensorInput, trainFlg = true, out?: T | null): T {
    const engine = this.live('forward');
    const call = this.forwardCall<T>(engine, x, trainFlg, out, 'BatchNormalization.forward');
    return call.done(this.run(call, () => runSync(call.op, engine.runner)) as Float32Array);
  }

  /**
   * forward() that awaits worker threads instead of blocking: with init({ threads }) on a
   * browser's main thread (which may not block) this is the threaded form. Do not call the
   * layer again before the promise settles.
   */
  forwardAsync<T extends Tensor = Tensor>(x: TensorInput, trainFlg = true, out?: T | null): Promise<T> {
    return this.settle('forwardAsync', (engine) => this.forwardCall<T>(engine, x, trainFlg, out, 'BatchNormalization.forwardAsync'), x, out);
  }

  /** The book's backward: returns dx (written into out when given) and sets dgamma and dbeta, for the last training forward. */
  backward<T extends Tensor = Tensor>(dout: TensorInput, out?: T | null): T {
    const engine = this.live('backward');
    const call = this.backwardCall<T>(engine, dout, out, 'BatchNormalization.backward');
    return call.done(this.run(call, () => runSync(call.op, engine.runner)) as Float32Array);
  }

  /** backward() that awaits worker threads instead of blocking (see forwardAsync). */
  backwardAsync<T extends Tensor = Tensor>(dout: TensorInput, out?: T | null): Promise<T> {
    return this.settle('backwardAsync', (engine) => this.backwardCall<T>(engine, dout, out, 'BatchNormalization.backwardAsync'), dout, out);
  }

  // Runs a prepared call's steps. Its writes into the caller's out are reported once they may
  // have happened, succeeded or not, so that a layer that kept that memory for backward knows.
  private run<R>(call: Call<unknown>, steps: () => R): R {
    try {
      return steps();
    } finally {
      if (call.target) noteWrite(call.target.data);
    }
  }

  // An async call in flight owns the layer's buffers until it settles. Its tensors are
  // referenced until then too: the workers read them by address, so a Wasm tensor the
  // caller dropped must not be collected (and freed) under them.
  private async settle<R>(name: string, prepare: (engine: Engine) => Call<R>, ...tensors: unknown[]): Promise<R> {
    const engine = this.live(name);
    this.inFlight = true;
    try {
      const call = prepare(engine);
      const data = await this.run(call, () => runAsync(call.op, engine.runner));
      return call.done(data);
    } finally {
      this.inFlight = false;
      tensors.length = 0;
    }
  }

  private forwardCall<T extends Tensor>(engine: Engine, x: TensorInput, trainFlg: boolean, out: T | null | undefined, who: string): Call<T> {
    const t = readTensor(x, 'x', who, allowedRanks(this._axis), rankDescription(this._axis), engine.maxElements(), this.lastInput);
    const g = this.geometry(t, 'x', who);
    const shape = t.shape;
    checkBoolean(trainFlg, 'trainFlg', who);
    const target = out != null ? readTarget(out, shape, t.count, 'x', who) : null;
    const p = this.params();
    const wrap = (data: Float32Array) => (out ?? { data, shape }) as T;
    // Without running statistics an inference forward is a training one (PyTorch's too).
    const batchStats = trainFlg || this._count === null;
    let op: Operation;
    try {
      op = batchStats ? engine.trainForward(t, g, p, target) : engine.inferForward(t, g, p, target);
    } catch (error) {
      throw named(error, who, 'x', shape);
    }
    if (!batchStats) return { op, target, done: (data) => this.adoptRunning(p, wrap(data)) };
    return {
      op,
      target,
      done: (data) => {
        if (this._count !== null) {
          this.version++; // the running statistics moved
          this._count++;
        }
        this.trainShape = shape;
        this.trainGeometry = g;
        return this.adoptRunning(p, wrap(data));
      },
    };
  }

  // The running statistics' arrays a first forward started from zeros become the layer's.
  private adoptRunning<R>(p: LayerParams, result: R): R {
    if (this._count !== null) {
      this._runningMean ??= p.runningMean;
      this._runningVar ??= p.runningVar;
    }
    return result;
  }

  private backwardCall<T extends Tensor>(engine: Engine, dout: TensorInput, out: T | null | undefined, who: string): Call<T> {
    const t = readTensor(dout, 'dout', who, allowedRanks(this._axis), rankDescription(this._axis), engine.maxElements());
    if (!this.trainShape || !this.trainGeometry) {
      throw new TypeError(`${who}: no training forward to differentiate; call forward(x, true) first`);
    }
    if (!sameShape(t.shape, this.trainShape)) {
      throw new RangeError(`${who}: dout.shape must be the last training input's shape ${formatShape(this.trainShape)}; got ${formatShape(t.shape)}`);
    }
    const target = out != null ? readTarget(out, this.trainShape, t.count, 'dout', who) : null;
    const g = this.trainGeometry;
    const shape = this.trainShape;
    const dgamma = new Float32Array(g.C);
    const dbeta = new Float32Array(g.C);
    let op: Operation;
    try {
      op = engine.backward(t, g, this.params(), target, dgamma, dbeta);
    } catch (error) {
      throw named(error, who, 'dout', shape);
    }
    return {
      op,
      target,
      done: (data) => {
        this._dgamma = dgamma;
        this._dbeta = dbeta;
        this.version++; // an optimiser step on gamma and beta usually follows
        return (out ?? { data, shape }) as T;
      },
    };
  }

  /** PyTorch's state_dict fields (copies) with its momentum convention (1 - ours). */
  toPyTorch(): PyTorchExport {
    return toPyTorchFields(this);
  }

  toKeras(): KerasExport {
    return toKerasFields(this, 'BatchNormalization.toKeras');
  }

  /** A plain JSON-serialisable snapshot; BatchNormalization.fromState restores it exactly. */
  state(): BatchNormState {
    return stateOf(this);
  }

  /** New weights and bias of the linear layer before this one with this layer's inference folded in (see fold.ts). */
  foldInto(weights: TensorLike, bias?: ArrayLike<number> | null): Folded {
    this.live('foldInto');
    return foldInto(this, weights, bias);
  }

  /** Releases the layer's Wasm memory; any later call throws. Idempotent. */
  dispose(): void {
    if (this.inFlight) throw new Error(`BatchNormalization.dispose: ${IN_FLIGHT}`);
    this.engine?.dispose();
    this.engine = null;
  }
}
