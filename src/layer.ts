// The book's BatchNormalization layer ("Deep Learning from Scratch"), with the same
// constructor, forward(x, trainFlg) and backward(dout), over a Wasm or a JS engine;
// plus per-channel axes, fused activations (ReLU, ReLU6) and PyTorch/Keras/ONNX conventions.
import { activationCode, type Activation } from './activation.js';
import { runAsync, runSync } from './drive.js';
import { foldInto, type Folded } from './fold.js';
import { allowedRanks, geometryOf, rankDescription } from './geometry.js';
import { currentDefaultBackend, requireRuntime } from './init.js';
import { readTarget, readTensor, type Target } from './intake.js';
import {
  checkState, fromPyTorchArgs, stateOf, toPyTorchFields, type BatchNormState, type PyTorchBatchNorm, type PyTorchExport,
} from './interop.js';
import { fromKerasArgs, toKerasFields, type KerasConfig, type KerasExport, type KerasWeights } from './interop-keras.js';
import { JsEngine } from './js/js-engine.js';
import { checkMomentum, definedOptions, layerOptions, type BatchNormalizationOptions } from './options.js';
import type { Axis, BackendName, Engine, Geometry, Input, LayerParams, Operation, TensorInput, TensorLike } from './types.js';
import { checkBoolean, checkLength, float32Param, formatShape, sameShape } from './validate.js';
import { WasmMemoryError } from './wasm/heap.js';
import { markWritten, savedUnder, type SavedInput } from './wasm/saved-inputs.js';
import { WasmEngine } from './wasm/wasm-engine.js';

export type { BatchNormalizationOptions };

/**
 * A tensor the layer returns: flat row-major data it owns, and its shape.
 *
 * @example
 * ```ts
 * const y: Tensor = bn.forward({ data: [1, 2, 3, 4], shape: [2, 2] });
 * console.log(y.shape, y.data[0]);
 * ```
 */
export interface Tensor {
  /**
   * The elements, row-major.
   *
   * @example
   * ```ts
   * const first = y.data[0];
   * ```
   */
  readonly data: Float32Array;
  /**
   * The dimensions, the input's (frozen).
   *
   * @example
   * ```ts
   * const [N, D] = y.shape;
   * ```
   */
  readonly shape: readonly number[];
}

const IN_FLIGHT = 'an async call on this layer has not settled yet; await it first';

function createEngine(backend: BackendName, C: number): Engine {
  return backend === 'js' ? new JsEngine(C) : new WasmEngine(requireRuntime('new BatchNormalization'), C);
}

// A call prepared (checked, buffers ready): its steps, the array it writes into when the
// caller gave an out, and what finish() commits once the steps ran (nothing before can change
// the layer). One plain object a call: closures for the commit cost a small call ~10%.
const enum Kind { Infer, BatchForward, Backward }
interface Call {
  readonly op: Operation;
  readonly target: Target | null;
  readonly written: readonly SavedInput[] | null; // saved inputs of any layer under target
  readonly kind: Kind;
  readonly out: Tensor | null | undefined;
  readonly shape: readonly number[];
  readonly g: Geometry;
  readonly p: LayerParams;
  readonly dgamma: Float32Array | null;
  readonly dbeta: Float32Array | null;
}

// A full Wasm memory, named by the call and the shape it was for; any other error as it is.
function named(error: unknown, who: string, name: string, shape: readonly number[]): unknown {
  return error instanceof WasmMemoryError ? new RangeError(`${who}: ${error.message} (for ${name}.shape ${formatShape(shape)})`) : error;
}

/**
 * The book's `BatchNormalization` layer (Deep Learning from Scratch, chapter 6): `forward(x,
 * trainFlg)` normalises with the batch statistics in training and with the running statistics
 * in inference, `backward(dout)` returns dx and sets `dgamma` and `dbeta`. Beyond the book:
 * per-channel axes, a fused activation, PyTorch's and Keras' state formats, Wasm tensors and
 * threads. Runs on the Wasm kernels after `init()`, or on the TypeScript ones (`backend: 'js'`).
 *
 * @example
 * ```ts
 * await init();
 * const bn = new BatchNormalization(new Float32Array([1, 1]), new Float32Array([0, 0]));
 * const y = bn.forward({ data: [1, 10, 2, 20], shape: [2, 2] });  // training: batch statistics
 * const dx = bn.backward({ data: [1, 0, 0, 1], shape: [2, 2] });
 * const yTest = bn.forward({ data: [1, 10], shape: [1, 2] }, false); // inference: running statistics
 * bn.dispose();
 * ```
 */
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
  // The last input's shape (frozen) and element count; the shape is the last equal one seen,
  // so that a caller passing the same (frozen) shape again is answered by identity.
  private lastInput: { shape: readonly number[]; readonly count: number } | null = null;
  private lastGeometry: Geometry | null = null;
  private inFlight = false; // a forwardAsync/backwardAsync has not settled

  /**
   * The book's positional arguments. gamma and beta are kept by reference (a Float32Array;
   * other array-likes are copied), so that an optimiser updating them in place is seen by
   * the next training step, as in the book. The running statistics are copied: the layer
   * owns and updates its own arrays.
   *
   * @param gamma - The scale, one entry per feature (or channel with `options.axis`).
   * @param beta - The shift, the same length.
   * @param momentum - The weight of the old running value (the book's 0.9), in [0, 1]; `null`:
   *   PyTorch's cumulative average, where the batch that makes the count n weighs 1/n.
   * @param runningMean - The starting running mean (copied); null: zeros on the first forward.
   * @param runningVar - The starting running variance, given together with runningMean.
   * @param options - eps, backend, axis, activation, runningVarUnbiased, trackRunningStats,
   *   numBatchesTracked (see {@link BatchNormalizationOptions}).
   * @throws TypeError when an argument has the wrong type, when only one running statistic is
   *   given, or running statistics with `trackRunningStats: false`; Error when the Wasm backend
   *   is not loaded yet (`await init()` first, or `backend: 'js'`).
   * @throws RangeError when a value is out of range: lengths that differ, a momentum outside
   *   [0, 1], an unknown option.
   *
   * @example
   * ```ts
   * const bn = new BatchNormalization([1, 1, 1], [0, 0, 0], 0.9, null, null, { axis: 1, eps: 1e-5 });
   * ```
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

  /**
   * A layer from a PyTorch `BatchNorm1d/2d/3d`'s state_dict fields, with PyTorch's defaults:
   * per channel (`axis: 1`), the running variance fed with the unbiased batch variance, eps
   * 1e-5, momentum 0.1 converted to ours (0.9). `momentum: null` is the cumulative average,
   * counted from `num_batches_tracked`; a state_dict without `running_mean` and `running_var`
   * (a `track_running_stats=False` module) gives a layer with `trackRunningStats: false`.
   *
   * @param sd - The state_dict's fields as arrays, plus the module's momentum and eps.
   * @param options - Overrides of the defaults above, and the other constructor options.
   * @returns A new layer.
   * @throws TypeError when a field has the wrong type, or only one of running_mean and
   *   running_var is there.
   * @throws RangeError when lengths differ or a value is out of range.
   *
   * @example
   * ```ts
   * const bn = BatchNormalization.fromPyTorch({
   *   weight: [1, 2], bias: [0, 0.5], running_mean: [0, 1], running_var: [1, 4], num_batches_tracked: 10, momentum: 0.1, eps: 1e-5,
   * });
   * ```
   */
  static fromPyTorch(sd: PyTorchBatchNorm, options: BatchNormalizationOptions = {}): BatchNormalization {
    const who = 'BatchNormalization.fromPyTorch';
    const a = fromPyTorchArgs(sd, who);
    // Options left undefined keep these defaults (an explicit undefined is no choice).
    return new BatchNormalization(a.gamma, a.beta, a.momentum, a.runningMean, a.runningVar, {
      axis: 1, runningVarUnbiased: true, eps: a.eps, trackRunningStats: a.trackRunningStats, numBatchesTracked: a.numBatchesTracked,
      ...definedOptions(options, who),
    });
  }

  /**
   * A layer from a Keras (or TensorFlow.js layers) `BatchNormalization`: its weights by name and
   * its `get_config()`, with Keras' defaults (axis -1, momentum 0.99, epsilon 1e-3, center and
   * scale true). Keras' momentum weighs the old value, as ours does, and its moving variance is
   * fed with the biased batch variance (Keras 3 and tfjs-layers), this layer's default; tf.keras
   * 2 layers that ran fused (4D inputs, axis 1 or 3) fed the unbiased one: pass
   * `{ runningVarUnbiased: true }` to carry on training as they would.
   *
   * @param weights - gamma (absent when `scale` is false: ones), beta (absent when `center` is
   *   false: zeros), moving_mean, moving_variance.
   * @param config - Keras' config; the keys without bearing on the statistics (name, dtype,
   *   initializers, ...) are ignored, any other is refused.
   * @param options - The constructor's options (they win over the config's).
   * @returns A new layer.
   * @throws TypeError when a weight or config value has the wrong type, or gamma/beta is there
   *   while scale/center is false (or missing while true).
   * @throws RangeError for an unknown key (with a guess), lengths that differ, values out of
   *   range, and what the layer cannot honour: `renorm: true`, `synchronized: true`, a
   *   `virtual_batch_size`, an axis list or an axis other than -1, 1, 2, 3.
   *
   * @example
   * ```ts
   * const bn = BatchNormalization.fromKeras(
   *   { gamma: [1, 2], beta: [0, 0.5], moving_mean: [0, 1], moving_variance: [1, 4] },
   *   { axis: -1, momentum: 0.99, epsilon: 0.001 },
   * );
   * ```
   */
  static fromKeras(weights: KerasWeights, config: KerasConfig = {}, options: BatchNormalizationOptions = {}): BatchNormalization {
    const who = 'BatchNormalization.fromKeras';
    const a = fromKerasArgs(weights, config, who);
    return new BatchNormalization(a.gamma, a.beta, a.momentum, a.runningMean, a.runningVar,
      { axis: a.axis, eps: a.eps, ...definedOptions(options, who) });
  }

  /**
   * A layer from `state()` (this format or the one before it, see {@link BatchNormState}).
   *
   * @param state - What `state()` returned, through JSON or not.
   * @param options - Only the backend may be chosen.
   * @returns A new layer, equal to the one saved.
   * @throws TypeError when state is not a state object (or of another format).
   * @throws RangeError when a value in it is out of range.
   *
   * @example
   * ```ts
   * const again = BatchNormalization.fromState(JSON.parse(JSON.stringify(bn.state())));
   * ```
   */
  static fromState(state: BatchNormState, options: Pick<BatchNormalizationOptions, 'backend'> = {}): BatchNormalization {
    const who = 'BatchNormalization.fromState';
    const s = checkState(state, who);
    return new BatchNormalization(s.gamma, s.beta, s.momentum, s.runningMean, s.runningVar, {
      eps: s.eps, axis: s.axis, activation: s.activation, runningVarUnbiased: s.runningVarUnbiased,
      trackRunningStats: s.trackRunningStats, numBatchesTracked: s.numBatchesTracked ?? undefined, ...definedOptions(options, who, ['backend']),
    });
  }

  /**
   * The scale, by reference: edits in place are seen by the next training step (call
   * `paramsChanged()` before an inference that should see them).
   *
   * @returns The layer's gamma array.
   *
   * @example
   * ```ts
   * for (let i = 0; i < bn.gamma.length; i++) bn.gamma[i] -= lr * bn.dgamma![i];
   * ```
   */
  get gamma(): Float32Array {
    return this._gamma;
  }
  /**
   * Replaces gamma (a Float32Array is kept by reference, other array-likes are copied).
   *
   * @param value - An array of the layer's length.
   * @throws TypeError when value is no array of numbers.
   * @throws RangeError when its length differs.
   *
   * @example
   * ```ts
   * bn.gamma = new Float32Array([1, 1]);
   * ```
   */
  set gamma(value: Float32Array | ArrayLike<number>) {
    this._gamma = this.replacement(value, 'gamma');
  }
  /**
   * The shift, by reference, like gamma.
   *
   * @returns The layer's beta array.
   *
   * @example
   * ```ts
   * for (let i = 0; i < bn.beta.length; i++) bn.beta[i] -= lr * bn.dbeta![i];
   * ```
   */
  get beta(): Float32Array {
    return this._beta;
  }
  /**
   * Replaces beta, like the gamma setter.
   *
   * @param value - An array of the layer's length.
   * @throws TypeError when value is no array of numbers.
   * @throws RangeError when its length differs.
   *
   * @example
   * ```ts
   * bn.beta = [0, 0];
   * ```
   */
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
  /**
   * The weight of the old running value; null for the cumulative average.
   *
   * @returns The momentum as given (PyTorch's 0.1 reads 0.9 here).
   *
   * @example
   * ```ts
   * console.log(bn.momentum); // 0.9
   * ```
   */
  get momentum(): number | null {
    return this._momentum;
  }
  /**
   * Added to the variance inside the square root.
   *
   * @returns eps (the book's 1e-6 by default).
   *
   * @example
   * ```ts
   * console.log(bn.eps); // 1e-6
   * ```
   */
  get eps(): number {
    return this._eps;
  }
  /**
   * The axis option: null for the book's semantics.
   *
   * @returns 1 (channels first), -1, 2 or 3 (channels last), or null.
   *
   * @example
   * ```ts
   * console.log(BatchNormalization.fromPyTorch({ weight: [1], bias: [0] }).axis); // 1
   * ```
   */
  get axis(): Axis | null {
    return this._axis ?? null;
  }
  /**
   * The fused activation.
   *
   * @returns 'relu', 'relu6' or null.
   *
   * @example
   * ```ts
   * console.log(new BatchNormalization([1], [0], 0.9, null, null, { activation: 'relu' }).activation); // 'relu'
   * ```
   */
  get activation(): Activation | null {
    return this._activation;
  }
  /**
   * Whether the running variance is fed with the unbiased batch variance (PyTorch) rather than
   * the biased one (the book, ONNX, Keras).
   *
   * @returns The option's value.
   *
   * @example
   * ```ts
   * console.log(BatchNormalization.fromPyTorch({ weight: [1], bias: [0] }).runningVarUnbiased); // true
   * ```
   */
  get runningVarUnbiased(): boolean {
    return this._unbiased;
  }
  /**
   * Whether the layer keeps running statistics. Without them (PyTorch's
   * `track_running_stats=False`) every forward normalises with the batch's own statistics, in
   * inference too, and `backward` differentiates the last forward of either mode.
   *
   * @returns The option's value.
   *
   * @example
   * ```ts
   * console.log(BatchNormalization.fromPyTorch({ weight: [1], bias: [0] }).trackRunningStats); // false
   * ```
   */
  get trackRunningStats(): boolean {
    return this._count !== null;
  }
  /**
   * The training forwards counted (PyTorch's `num_batches_tracked`): each one that succeeds adds
   * 1, whatever the momentum; with momentum null it sets the weight of the next batch.
   *
   * @returns The count, or null without running statistics.
   *
   * @example
   * ```ts
   * bn.forward(x);
   * console.log(bn.numBatchesTracked); // 1
   * ```
   */
  get numBatchesTracked(): number | null {
    return this._count;
  }
  /**
   * The running mean, owned by the layer and updated in place by each training forward.
   *
   * @returns The array; null until the first forward when not given, and always null without
   *   running statistics.
   *
   * @example
   * ```ts
   * bn.forward(x);
   * console.log(Array.from(bn.runningMean!));
   * ```
   */
  get runningMean(): Float32Array | null {
    return this._runningMean;
  }
  /**
   * The running variance, like runningMean.
   *
   * @returns The array, or null.
   *
   * @example
   * ```ts
   * console.log(bn.runningVar?.[0]);
   * ```
   */
  get runningVar(): Float32Array | null {
    return this._runningVar;
  }
  /**
   * Set by backward: sum over the batch of dout * xn.
   *
   * @returns A new array per backward, or null before the first.
   *
   * @example
   * ```ts
   * bn.backward(dout);
   * const step = bn.dgamma!.map((g) => -0.01 * g);
   * ```
   */
  get dgamma(): Float32Array | null {
    return this._dgamma;
  }
  /**
   * Set by backward: sum over the batch of dout.
   *
   * @returns A new array per backward, or null before the first.
   *
   * @example
   * ```ts
   * bn.backward(dout);
   * console.log(bn.dbeta![0]);
   * ```
   */
  get dbeta(): Float32Array | null {
    return this._dbeta;
  }
  /**
   * The backend the layer runs on.
   *
   * @returns 'wasm' or 'js'.
   * @throws TypeError after dispose(); Error while an async call is in flight.
   *
   * @example
   * ```ts
   * console.log(bn.backend); // 'wasm'
   * ```
   */
  get backend(): BackendName {
    return this.live('backend').backend;
  }
  /**
   * Whether dispose() was called.
   *
   * @returns true once disposed.
   *
   * @example
   * ```ts
   * bn.dispose();
   * console.log(bn.disposed); // true
   * ```
   */
  get disposed(): boolean {
    return this.engine === null;
  }

  /**
   * Says that gamma, beta, runningMean or runningVar were edited in place. Inference caches
   * its per-channel scale; training forward, backward and the gamma/beta setters refresh
   * it by themselves, so call this only after editing those arrays outside a training step.
   *
   * @example
   * ```ts
   * bn.runningVar!.set(loadedVariance);
   * bn.paramsChanged();
   * ```
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
    if (last && t.shape === last.shape) return this.lastGeometry!;
    if (last && sameShape(t.shape, last.shape)) {
      last.shape = t.shape; // both frozen: equal for good
      return this.lastGeometry!;
    }
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
   * The book's forward: batch statistics when trainFlg (and the running statistics move),
   * running statistics otherwise (batch statistics in both modes without running statistics).
   *
   * @param x - `{ data, shape }` (an ndarray view too) or an onnxruntime Tensor, float32; shape
   *   `[N, D]` or `[N, C, H, W]` (with `options.axis`, also `[N, C, L]` or channels last).
   * @param trainFlg - Training (default) or inference.
   * @param out - Where to write y: a tensor of x's shape (e.g. from allocTensor); may be x for
   *   inference.
   * @returns out when given, else a new `{ data, shape }`.
   * @throws TypeError when x or out is no tensor, its data has a non-number, the layer was
   *   disposed; Error while an async call is in flight.
   * @throws RangeError when the shape does not fit the layer (rank, feature count, out's shape)
   *   or Wasm memory runs out.
   *
   * @example
   * ```ts
   * const y = bn.forward({ data: new Float32Array([1, 10, 2, 20]), shape: [2, 2] });
   * const yTest = bn.forward({ data: [3, 30], shape: [1, 2] }, false);
   * ```
   */
  forward<T extends Tensor = Tensor>(x: TensorInput, trainFlg = true, out?: T | null): T {
    const engine = this.live('forward');
    return this.complete(engine, this.forwardCall(engine, x, trainFlg, out, 'BatchNormalization.forward')) as T;
  }

  /**
   * forward() that awaits worker threads instead of blocking: with init({ threads }) on a
   * browser's main thread (which may not block) this is the threaded form. Do not call the
   * layer again before the promise settles.
   *
   * @param x - As for forward.
   * @param trainFlg - As for forward.
   * @param out - As for forward.
   * @returns A promise of what forward returns.
   * @throws TypeError, RangeError as forward, as a rejection of the promise; it also rejects
   *   when the threads are shut down meanwhile (the layer then stays as it was).
   *
   * @example
   * ```ts
   * await init({ threads: 'auto' });
   * const y = await bn.forwardAsync(x);
   * ```
   */
  forwardAsync<T extends Tensor = Tensor>(x: TensorInput, trainFlg = true, out?: T | null): Promise<T> {
    return this.settle('forwardAsync', (engine) => this.forwardCall(engine, x, trainFlg, out, 'BatchNormalization.forwardAsync'), x, out) as Promise<T>;
  }

  /**
   * The book's backward: dx for the last training forward (the last forward of either mode
   * without running statistics), through the batch statistics; sets dgamma and dbeta.
   *
   * @param dout - The gradient of the loss by y, of the training input's shape.
   * @param out - Where to write dx (a tensor of that shape).
   * @returns out when given, else a new `{ data, shape }`.
   * @throws TypeError when there is no training forward to differentiate, dout is no tensor,
   *   or a saved Wasm tensor input was disposed or written since.
   * @throws RangeError when dout's shape is not the training input's.
   *
   * @example
   * ```ts
   * bn.forward(x);
   * const dx = bn.backward({ data: new Float32Array(x.data.length).fill(1), shape: x.shape });
   * ```
   */
  backward<T extends Tensor = Tensor>(dout: TensorInput, out?: T | null): T {
    const engine = this.live('backward');
    return this.complete(engine, this.backwardCall(engine, dout, out, 'BatchNormalization.backward')) as T;
  }

  /**
   * backward() that awaits worker threads instead of blocking (see forwardAsync).
   *
   * @param dout - As for backward.
   * @param out - As for backward.
   * @returns A promise of what backward returns.
   * @throws TypeError, RangeError as backward, as a rejection of the promise.
   *
   * @example
   * ```ts
   * const dx = await bn.backwardAsync(dout);
   * ```
   */
  backwardAsync<T extends Tensor = Tensor>(dout: TensorInput, out?: T | null): Promise<T> {
    return this.settle('backwardAsync', (engine) => this.backwardCall(engine, dout, out, 'BatchNormalization.backwardAsync'), dout, out) as Promise<T>;
  }

  // An async call in flight owns the layer's buffers until it settles. Its tensors are
  // referenced until then too: the workers read them by address, so a Wasm tensor the
  // caller dropped must not be collected (and freed) under them. The call's writes into the
  // caller's out are reported once they may have happened, succeeded or not, so that a layer
  // that kept that memory for backward knows (forward and backward do the same).
  private async settle(name: string, prepare: (engine: Engine) => Call, ...tensors: unknown[]): Promise<Tensor> {
    const engine = this.live(name);
    this.inFlight = true;
    try {
      const call = prepare(engine);
      let data: Float32Array;
      try {
        data = await runAsync(call.op, engine.runner);
      } finally {
        markWritten(call.written);
      }
      return this.finish(call, data);
    } finally {
      this.inFlight = false;
      tensors.length = 0;
    }
  }

  // Runs a call's steps, blocking, and commits it; its writes into out are reported as in settle().
  private complete(engine: Engine, call: Call): Tensor {
    let data: Float32Array;
    try {
      data = runSync(call.op, engine.runner);
    } finally {
      markWritten(call.written);
    }
    return this.finish(call, data);
  }

  // Commits a call whose steps ran, and gives its result: out, or a new { data, shape }.
  private finish(call: Call, data: Float32Array): Tensor {
    if (call.kind === Kind.Backward) {
      this._dgamma = call.dgamma;
      this._dbeta = call.dbeta;
      this.version++; // an optimiser step on gamma and beta usually follows
    } else {
      if (call.kind === Kind.BatchForward) {
        if (this._count !== null) {
          this.version++; // the running statistics moved
          this._count++;
        }
        this.trainShape = call.shape;
        this.trainGeometry = call.g;
      }
      // The running statistics' arrays a first forward started from zeros become the layer's.
      if (this._count !== null) {
        this._runningMean ??= call.p.runningMean;
        this._runningVar ??= call.p.runningVar;
      }
    }
    return call.out ?? { data, shape: call.shape };
  }

  private forwardCall(engine: Engine, x: TensorInput, trainFlg: boolean, out: Tensor | null | undefined, who: string): Call {
    const t = readTensor(x, 'x', who, allowedRanks(this._axis), rankDescription(this._axis), engine.maxElements(), this.lastInput);
    const g = this.geometry(t, 'x', who);
    const shape = t.shape;
    checkBoolean(trainFlg, 'trainFlg', who);
    const target = out != null ? readTarget(out, shape, t.count, 'x', who) : null;
    const written = target && savedUnder(target.data); // before the engine's buffers can grow the memory
    const p = this.params();
    // Without running statistics an inference forward is a training one (PyTorch's too).
    const batchStats = trainFlg || this._count === null;
    let op: Operation;
    try {
      op = batchStats ? engine.trainForward(t, g, p, target) : engine.inferForward(t, g, p, target);
    } catch (error) {
      throw named(error, who, 'x', shape);
    }
    return { op, target, written, kind: batchStats ? Kind.BatchForward : Kind.Infer, out, shape, g, p, dgamma: null, dbeta: null };
  }

  private backwardCall(engine: Engine, dout: TensorInput, out: Tensor | null | undefined, who: string): Call {
    const t = readTensor(dout, 'dout', who, allowedRanks(this._axis), rankDescription(this._axis), engine.maxElements());
    if (!this.trainShape || !this.trainGeometry) {
      throw new TypeError(`${who}: no training forward to differentiate; call forward(x, true) first`);
    }
    if (!sameShape(t.shape, this.trainShape)) {
      throw new RangeError(`${who}: dout.shape must be the last training input's shape ${formatShape(this.trainShape)}; got ${formatShape(t.shape)}`);
    }
    const target = out != null ? readTarget(out, this.trainShape, t.count, 'dout', who) : null;
    const written = target && savedUnder(target.data); // as in forwardCall
    const g = this.trainGeometry;
    const shape = this.trainShape;
    const dgamma = new Float32Array(g.C);
    const dbeta = new Float32Array(g.C);
    const p = this.params();
    let op: Operation;
    try {
      op = engine.backward(t, g, p, target, dgamma, dbeta);
    } catch (error) {
      throw named(error, who, 'dout', shape);
    }
    return { op, target, written, kind: Kind.Backward, out, shape, g, p, dgamma, dbeta };
  }

  /**
   * PyTorch's state_dict fields (copies) with its momentum convention (1 - ours), its
   * num_batches_tracked (a number here, a 0-dim int64 tensor in PyTorch: convert it with
   * `torch.tensor(n, dtype=torch.long)`) and eps. Without running statistics there are no
   * running_mean, running_var and num_batches_tracked, as in PyTorch's state_dict.
   *
   * @returns A new object.
   *
   * @example
   * ```ts
   * const { momentum, eps, ...fields } = bn.toPyTorch();
   * const json = JSON.stringify(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'number' ? v : Array.from(v)])));
   * // Python: bn.load_state_dict({k: torch.tensor(v) for k, v in json.loads(s).items()})
   * ```
   */
  toPyTorch(): PyTorchExport {
    return toPyTorchFields(this);
  }

  /**
   * Keras' weights (copies) and config: axis (-1 for the book's statistics, which are Keras'
   * axis -1 on `[N, D]` inputs), momentum, epsilon, center and scale true.
   *
   * @returns A new object.
   * @throws RangeError when Keras cannot express the layer: momentum null, trackRunningStats
   *   false or a fused activation.
   *
   * @example
   * ```ts
   * const { weights, config } = bn.toKeras();
   * // Python: layer = keras.layers.BatchNormalization(**config); layer.build(shape)
   * //         layer.set_weights([weights[k] for k in ('gamma', 'beta', 'moving_mean', 'moving_variance')])
   * ```
   */
  toKeras(): KerasExport {
    return toKerasFields(this, 'BatchNormalization.toKeras');
  }

  /**
   * A plain JSON-serialisable snapshot; BatchNormalization.fromState restores it exactly.
   *
   * @returns A new object of plain numbers and arrays.
   *
   * @example
   * ```ts
   * localStorage.setItem('bn', JSON.stringify(bn.state()));
   * ```
   */
  state(): BatchNormState {
    return stateOf(this);
  }

  /**
   * New weights and bias of the linear layer before this one with this layer's inference
   * folded in (see {@link foldInto}).
   *
   * @param weights - `[in, out]` (an affine `x @ W + b`) or `[outC, inC, kh, kw]` (a convolution).
   * @param bias - The linear layer's bias (length out), or none.
   * @returns The folded weights (a copy) and bias.
   * @throws TypeError when the layer fuses an activation, keeps no running statistics, or was
   *   disposed; when weights is no tensor.
   * @throws RangeError when the weights' output count is not the layer's.
   *
   * @example
   * ```ts
   * const { weights, bias } = bn.foldInto({ data: W, shape: [inputs, bn.gamma.length] }, b);
   * ```
   */
  foldInto(weights: TensorLike, bias?: ArrayLike<number> | null): Folded {
    this.live('foldInto');
    return foldInto(this, weights, bias);
  }

  /**
   * Releases the layer's Wasm memory; any later call throws. Idempotent.
   *
   * @throws Error while an async call is in flight.
   *
   * @example
   * ```ts
   * bn.dispose();
   * ```
   */
  dispose(): void {
    if (this.inFlight) throw new Error(`BatchNormalization.dispose: ${IN_FLIGHT}`);
    this.engine?.dispose();
    this.engine = null;
  }
}
