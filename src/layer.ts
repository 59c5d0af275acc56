// The book's BatchNormalization layer ("Deep Learning from Scratch"), with the same
// constructor, forward(x, trainFlg) and backward(dout), over a Wasm or a JS engine;
// plus per-channel axes, a fused ReLU and PyTorch/ONNX conventions.
import type { Engine, Geometry, LayerParams } from './engine.js';
import { foldInto, type Folded } from './fold.js';
import { allowedRanks, checkAxis, geometryOf, rankDescription, type Axis } from './geometry.js';
import { currentDefaultBackend, requireRuntime, type BackendName } from './init.js';
import {
  checkState, complementMomentum, fromPyTorchArgs, STATE_FORMAT,
  type BatchNormState, type PyTorchBatchNorm, type PyTorchExport,
} from './interop.js';
import { JsEngine } from './js/engine.js';
import {
  checkBoolean, checkEps, checkLength, checkMomentum, checkOut, checkTensor, describe, float32Param, formatShape, sameShape,
  type TensorLike,
} from './validate.js';
import { WasmEngine } from './wasm/engine.js';

export interface BatchNormalizationOptions {
  /** Added to the variance inside the square root. Default 1e-6 (the book's 10e-7). */
  eps?: number;
  /** Default: the backend init() chose. */
  backend?: BackendName;
  /**
   * The axis whose entries keep their own statistics (Keras' convention). Default: the
   * book's, every axis but 0 ([N, C, H, W] read as [N, C*H*W]). 1: per channel, channels
   * first (PyTorch, ONNX). -1 or the last index: per channel, channels last ([N, H, W, C]).
   */
  axis?: Axis | null;
  /** 'relu' fuses a ReLU after the affine transform (forward and backward). */
  activation?: 'relu' | null;
  /** Feed the running variance with the unbiased batch variance, as PyTorch does. Default false. */
  runningVarUnbiased?: boolean;
}

/** A tensor the layer returns: it owns its data. */
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

const DEFAULT_EPS = 1e-6;
const IN_FLIGHT = 'an async call on this layer has not settled yet; await it first';

function createEngine(backend: BackendName, C: number): Engine {
  return backend === 'js' ? new JsEngine(C) : new WasmEngine(requireRuntime('new BatchNormalization'), C);
}

function checkActivation(value: unknown, who: string): 'relu' | null {
  if (value === undefined || value === null) return null;
  if (value === 'relu') return value;
  throw new RangeError(`${who}: options.activation must be 'relu' or null; got ${describe(value)}`);
}

export class BatchNormalization {
  private _gamma: Float32Array;
  private _beta: Float32Array;
  private readonly _momentum: number;
  private readonly _eps: number;
  private readonly _axis: Axis | undefined;
  private readonly _activation: 'relu' | null;
  private readonly _unbiased: boolean;
  private _runningMean: Float32Array | null;
  private _runningVar: Float32Array | null;
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
  private lastShape: readonly number[] | null = null;
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
    momentum = 0.9,
    runningMean: Float32Array | ArrayLike<number> | null = null,
    runningVar: Float32Array | ArrayLike<number> | null = null,
    options: BatchNormalizationOptions = {},
  ) {
    const who = 'new BatchNormalization';
    const g = float32Param(gamma, 'gamma', who);
    const b = float32Param(beta, 'beta', who);
    if (g.length === 0) throw new RangeError(`${who}: gamma must have at least one element; got length 0`);
    checkLength(b, g.length, 'beta', who, 'the length of gamma');
    checkMomentum(momentum, who);
    const rm = runningMean == null ? null : Float32Array.from(float32Param(runningMean, 'runningMean', who));
    const rv = runningVar == null ? null : Float32Array.from(float32Param(runningVar, 'runningVar', who));
    if (rm) checkLength(rm, g.length, 'runningMean', who, 'the length of gamma');
    if (rv) checkLength(rv, g.length, 'runningVar', who, 'the length of gamma');
    if ((rm === null) !== (rv === null)) {
      throw new TypeError(`${who}: runningMean and runningVar must be given together; got ${rm ? 'runningMean only' : 'runningVar only'}`);
    }
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`${who}: options must be an object; got ${describe(options)}`);
    }
    const eps = options.eps === undefined ? DEFAULT_EPS : checkEps(options.eps, who);
    const axis = checkAxis(options.axis, who);
    const activation = checkActivation(options.activation, who);
    const unbiased = options.runningVarUnbiased === undefined ? false : checkBoolean(options.runningVarUnbiased, 'options.runningVarUnbiased', who);
    const backend = options.backend ?? currentDefaultBackend() ?? 'wasm';
    if (backend !== 'wasm' && backend !== 'js') {
      throw new RangeError(`${who}: options.backend must be 'wasm' or 'js'; got ${describe(backend)}`);
    }
    this.engine = createEngine(backend, g.length);
    this._gamma = g;
    this._beta = b;
    this._momentum = momentum;
    this._eps = eps;
    this._axis = axis;
    this._activation = activation;
    this._unbiased = unbiased;
    this._runningMean = rm;
    this._runningVar = rv;
  }

  /** A layer from a PyTorch BatchNorm's state_dict fields; per channel (axis 1) and unbiased running variance unless options say otherwise. */
  static fromPyTorch(sd: PyTorchBatchNorm, options: BatchNormalizationOptions = {}): BatchNormalization {
    const a = fromPyTorchArgs(sd, 'BatchNormalization.fromPyTorch');
    return new BatchNormalization(a.gamma, a.beta, a.momentum, a.runningMean, a.runningVar,
      { axis: 1, runningVarUnbiased: true, eps: a.eps, ...options });
  }

  /** A layer from state(); options may choose the backend. */
  static fromState(state: BatchNormState, options: Pick<BatchNormalizationOptions, 'backend'> = {}): BatchNormalization {
    const s = checkState(state, 'BatchNormalization.fromState');
    return new BatchNormalization(s.gamma, s.beta, s.momentum, s.runningMean, s.runningVar, {
      eps: s.eps, axis: s.axis, activation: s.activation, runningVarUnbiased: s.runningVarUnbiased, ...options,
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
  get momentum(): number {
    return this._momentum;
  }
  get eps(): number {
    return this._eps;
  }
  /** The axis option: null for the book's semantics. */
  get axis(): Axis | null {
    return this._axis ?? null;
  }
  get activation(): 'relu' | null {
    return this._activation;
  }
  get runningVarUnbiased(): boolean {
    return this._unbiased;
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

  private live(who: string, willAwait = false): Engine {
    if (!this.engine) throw new TypeError(`BatchNormalization.${who}: the layer was disposed`);
    if (this.inFlight && !willAwait) throw new Error(`BatchNormalization.${who}: ${IN_FLIGHT}`);
    return this.engine;
  }

  private params(): LayerParams {
    const cached = this.paramsCache;
    if (cached && cached.version === this.version && cached.gamma === this._gamma && cached.beta === this._beta) return cached;
    // The book starts the running statistics at zeros on the first forward.
    const D = this._gamma.length;
    this._runningMean ??= new Float32Array(D);
    this._runningVar ??= new Float32Array(D);
    this.paramsCache = {
      gamma: this._gamma, beta: this._beta, runningMean: this._runningMean, runningVar: this._runningVar,
      momentum: this._momentum, eps: this._eps, relu: this._activation === 'relu', unbiased: this._unbiased,
      version: this.version,
    };
    return this.paramsCache;
  }

  // The [N, C, S] view of a checked tensor's shape, and that shape frozen for the result.
  private geometry(t: TensorLike, name: string, who: string): Geometry {
    if (this.lastShape && sameShape(t.shape, this.lastShape)) return this.lastGeometry!;
    const g = geometryOf(t.shape, this._axis, name, who);
    if (g.C !== this._gamma.length) {
      const what = this._axis === undefined ? 'features per sample' : 'channels';
      throw new RangeError(`${who}: ${name}.shape ${formatShape(t.shape)} has ${g.C} ${what}; expected ${this._gamma.length} (the length of gamma)`);
    }
    this.lastShape = Object.freeze([...t.shape]);
    this.lastGeometry = g;
    return g;
  }

  /**
   * The book's forward: batch statistics when trainFlg, running statistics otherwise.
   * With out (a tensor of x's shape, e.g. from allocTensor) the result is written there and
   * out is returned; out may be x for inference (in place).
   */
  forward<T extends Tensor = Tensor>(x: TensorLike, trainFlg = true, out?: T | null): T {
    return this.forwardImpl(x, trainFlg, out, false) as T;
  }

  /**
   * forward() that awaits worker threads instead of blocking: with init({ threads }) on a
   * browser's main thread (which may not block) this is the threaded form. Do not call the
   * layer again before the promise settles.
   */
  forwardAsync<T extends Tensor = Tensor>(x: TensorLike, trainFlg = true, out?: T | null): Promise<T> {
    return this.settle(() => this.forwardImpl(x, trainFlg, out, true) as Promise<T>, x, out);
  }

  /** The book's backward: returns dx (written into out when given) and sets dgamma and dbeta, for the last training forward. */
  backward<T extends Tensor = Tensor>(dout: TensorLike, out?: T | null): T {
    return this.backwardImpl(dout, out, false) as T;
  }

  /** backward() that awaits worker threads instead of blocking (see forwardAsync). */
  backwardAsync<T extends Tensor = Tensor>(dout: TensorLike, out?: T | null): Promise<T> {
    return this.settle(() => this.backwardImpl(dout, out, true) as Promise<T>, dout, out);
  }

  // An async call in flight owns the layer's buffers until it settles. Its tensors are
  // referenced until then too: the workers read them by address, so a Wasm tensor the
  // caller dropped must not be collected (and freed) under them.
  private async settle<R>(call: () => Promise<R>, ...tensors: unknown[]): Promise<R> {
    if (this.inFlight) throw new Error(`BatchNormalization: ${IN_FLIGHT}`);
    this.inFlight = true;
    try {
      return await call();
    } finally {
      this.inFlight = false;
      tensors.length = 0;
    }
  }

  private forwardImpl<T extends Tensor>(x: TensorLike, trainFlg: boolean, out: T | null | undefined, willAwait: boolean): T | Promise<T> {
    const who = willAwait ? 'BatchNormalization.forwardAsync' : 'BatchNormalization.forward';
    const engine = this.live(willAwait ? 'forwardAsync' : 'forward', willAwait);
    const t = checkTensor(x, 'x', who, allowedRanks(this._axis), rankDescription(this._axis));
    const g = this.geometry(t, 'x', who);
    const shape = this.lastShape!;
    checkBoolean(trainFlg, 'trainFlg', who);
    if (out != null) checkOut(out, shape, 'x', who);
    const wrap = (data: Float32Array) => (out ?? { data, shape }) as T;
    if (!trainFlg) {
      if (willAwait) return engine.inferForwardAsync(t, g, this.params(), out ?? null).then(wrap);
      return wrap(engine.inferForward(t, g, this.params(), out ?? null));
    }
    const trained = (data: Float32Array) => {
      this.version++; // the running statistics moved
      this.trainShape = shape;
      this.trainGeometry = g;
      return wrap(data);
    };
    if (willAwait) return engine.trainForwardAsync(t, g, this.params(), out ?? null).then(trained);
    return trained(engine.trainForward(t, g, this.params(), out ?? null));
  }

  private backwardImpl<T extends Tensor>(dout: TensorLike, out: T | null | undefined, willAwait: boolean): T | Promise<T> {
    const who = willAwait ? 'BatchNormalization.backwardAsync' : 'BatchNormalization.backward';
    const engine = this.live(willAwait ? 'backwardAsync' : 'backward', willAwait);
    const t = checkTensor(dout, 'dout', who, allowedRanks(this._axis), rankDescription(this._axis));
    if (!this.trainShape || !this.trainGeometry) {
      throw new TypeError(`${who}: no training forward to differentiate; call forward(x, true) first`);
    }
    if (!sameShape(t.shape, this.trainShape)) {
      throw new RangeError(`${who}: dout.shape must be the last training input's shape ${formatShape(this.trainShape)}; got ${formatShape(t.shape)}`);
    }
    if (out != null) checkOut(out, this.trainShape, 'dout', who);
    const g = this.trainGeometry;
    const shape = this.trainShape;
    const dgamma = new Float32Array(g.C);
    const dbeta = new Float32Array(g.C);
    const done = (data: Float32Array) => {
      this._dgamma = dgamma;
      this._dbeta = dbeta;
      this.version++; // an optimiser step on gamma and beta usually follows
      return (out ?? { data, shape }) as T;
    };
    if (willAwait) return engine.backwardAsync(t, g, this.params(), out ?? null, dgamma, dbeta).then(done);
    return done(engine.backward(t, g, this.params(), out ?? null, dgamma, dbeta));
  }

  /** PyTorch's state_dict fields (copies) with its momentum convention (1 - ours). */
  toPyTorch(): PyTorchExport {
    const C = this._gamma.length;
    return {
      weight: Float32Array.from(this._gamma),
      bias: Float32Array.from(this._beta),
      running_mean: this._runningMean ? Float32Array.from(this._runningMean) : new Float32Array(C),
      running_var: this._runningVar ? Float32Array.from(this._runningVar) : new Float32Array(C),
      momentum: complementMomentum(this._momentum),
      eps: this._eps,
    };
  }

  /** A plain JSON-serialisable snapshot; BatchNormalization.fromState restores it exactly. */
  state(): BatchNormState {
    const plain = (a: Float32Array | null) => (a ? Array.from(a) : null);
    return {
      format: STATE_FORMAT,
      gamma: Array.from(this._gamma),
      beta: Array.from(this._beta),
      runningMean: plain(this._runningMean),
      runningVar: plain(this._runningVar),
      momentum: this._momentum,
      eps: this._eps,
      axis: this._axis ?? null,
      activation: this._activation,
      runningVarUnbiased: this._unbiased,
    };
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
