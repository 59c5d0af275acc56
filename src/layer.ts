// The book's BatchNormalization layer ("Deep Learning from Scratch"), with the same
// constructor, forward(x, trainFlg) and backward(dout), over a Wasm or a JS engine.
import type { Engine, Geometry, LayerParams } from './engine.js';
import { currentDefaultBackend, requireRuntime, type BackendName } from './init.js';
import { JsEngine } from './js/engine.js';
import {
  checkBoolean, checkEps, checkLength, checkMomentum, checkTensor, describe, float32Param, formatShape, sameShape,
  type TensorLike,
} from './validate.js';
import { WasmEngine } from './wasm/engine.js';

export interface BatchNormalizationOptions {
  /** Added to the variance inside the square root. Default 1e-6 (the book's 10e-7). */
  eps?: number;
  /** Default: the backend init() chose. */
  backend?: BackendName;
}

/** A tensor the layer returns: it owns its data. */
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

const DEFAULT_EPS = 1e-6;

function createEngine(backend: BackendName, C: number): Engine {
  return backend === 'js' ? new JsEngine(C) : new WasmEngine(requireRuntime('new BatchNormalization'), C);
}

// The book's view of a 2D or 4D input: [N, D] with D = C*H*W, statistics per D.
function bookGeometry(shape: readonly number[]): Geometry {
  const N = shape[0];
  let D = 1;
  for (let i = 1; i < shape.length; i++) D *= shape[i];
  return { N, C: D, S: 1, count: N * D };
}

export class BatchNormalization {
  private _gamma: Float32Array;
  private _beta: Float32Array;
  private readonly _momentum: number;
  private readonly _eps: number;
  private _runningMean: Float32Array | null;
  private _runningVar: Float32Array | null;
  private _dgamma: Float32Array | null = null;
  private _dbeta: Float32Array | null = null;
  // Shape and geometry of the most recent training forward: what backward differentiates.
  private trainShape: readonly number[] | null = null;
  private trainGeometry: Geometry | null = null;
  private engine: Engine | null;

  /**
   * gamma and beta are kept by reference (a Float32Array; other array-likes are copied), so
   * that an optimiser updating them in place is seen by the next call, as in the book.
   * The running statistics are copied: the layer owns and updates its own arrays.
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
    const backend = options.backend ?? currentDefaultBackend() ?? 'wasm';
    if (backend !== 'wasm' && backend !== 'js') {
      throw new RangeError(`${who}: options.backend must be 'wasm' or 'js'; got ${describe(backend)}`);
    }
    this.engine = createEngine(backend, g.length);
    this._gamma = g;
    this._beta = b;
    this._momentum = momentum;
    this._eps = eps;
    this._runningMean = rm;
    this._runningVar = rv;
  }

  get gamma(): Float32Array {
    return this._gamma;
  }
  set gamma(value: Float32Array | ArrayLike<number>) {
    const g = float32Param(value, 'gamma', 'BatchNormalization.gamma');
    checkLength(g, this._gamma.length, 'gamma', 'BatchNormalization.gamma', 'the feature count');
    this._gamma = g;
  }
  get beta(): Float32Array {
    return this._beta;
  }
  set beta(value: Float32Array | ArrayLike<number>) {
    const b = float32Param(value, 'beta', 'BatchNormalization.beta');
    checkLength(b, this._gamma.length, 'beta', 'BatchNormalization.beta', 'the feature count');
    this._beta = b;
  }
  get momentum(): number {
    return this._momentum;
  }
  get eps(): number {
    return this._eps;
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

  private live(who: string): Engine {
    if (!this.engine) throw new TypeError(`BatchNormalization.${who}: the layer was disposed`);
    return this.engine;
  }

  private params(): LayerParams {
    // The book starts the running statistics at zeros on the first forward.
    const D = this._gamma.length;
    this._runningMean ??= new Float32Array(D);
    this._runningVar ??= new Float32Array(D);
    return {
      gamma: this._gamma, beta: this._beta, runningMean: this._runningMean, runningVar: this._runningVar,
      momentum: this._momentum, eps: this._eps, relu: false, unbiased: false,
    };
  }

  private geometry(x: TensorLike, name: string, who: string): Geometry {
    const g = bookGeometry(x.shape);
    if (g.C !== this._gamma.length) {
      throw new RangeError(`${who}: ${name}.shape ${formatShape(x.shape)} has ${g.C} features per sample; expected ${this._gamma.length} (the length of gamma)`);
    }
    return g;
  }

  /** The book's forward: batch statistics when trainFlg, running statistics otherwise. */
  forward(x: TensorLike, trainFlg = true): Tensor {
    const who = 'BatchNormalization.forward';
    const engine = this.live('forward');
    const t = checkTensor(x, 'x', who);
    checkBoolean(trainFlg, 'trainFlg', who);
    const g = this.geometry(t, 'x', who);
    const shape = Object.freeze([...t.shape]);
    const p = this.params();
    if (!trainFlg) return { data: engine.inferForward(t.data, g, p), shape };
    const out = engine.trainForward(t.data, g, p);
    this.trainShape = shape;
    this.trainGeometry = g;
    return { data: out, shape };
  }

  /** The book's backward: returns dx and sets dgamma and dbeta, for the last training forward. */
  backward(dout: TensorLike): Tensor {
    const who = 'BatchNormalization.backward';
    const engine = this.live('backward');
    const t = checkTensor(dout, 'dout', who);
    if (!this.trainShape || !this.trainGeometry) {
      throw new TypeError(`${who}: no training forward to differentiate; call forward(x, true) first`);
    }
    if (!sameShape(t.shape, this.trainShape)) {
      throw new RangeError(`${who}: dout.shape must be the last training input's shape ${formatShape(this.trainShape)}; got ${formatShape(t.shape)}`);
    }
    const g = this.trainGeometry;
    const dgamma = new Float32Array(g.C);
    const dbeta = new Float32Array(g.C);
    const out = engine.backward(t.data, g, this.params(), dgamma, dbeta);
    this._dgamma = dgamma;
    this._dbeta = dbeta;
    return { data: out, shape: this.trainShape };
  }

  /** Releases the layer's Wasm memory; any later call throws. Idempotent. */
  dispose(): void {
    this.engine?.dispose();
    this.engine = null;
  }
}
