// The book's BatchNormalization layer ("Deep Learning from Scratch"), with the same
// constructor, forward(x, trainFlg) and backward(dout), over a Wasm or a JS engine;
// plus per-channel axes, fused activations (ReLU, ReLU6) and PyTorch/Keras/ONNX conventions.
import type { Activation } from './activation.js';
import { foldInto, type Folded } from './fold.js';
import { currentDefaultBackend } from './init.js';
import {
  checkState, fromPyTorchArgs, stateOf, toPyTorchFields, type BatchNormState, type PyTorchBatchNorm, type PyTorchExport,
} from './interop.js';
import { fromKerasArgs, toKerasFields, type KerasConfig, type KerasExport, type KerasWeights } from './interop-keras.js';
import { LayerCore } from './layer-core.js';
import { checkDtype, checkMomentum, definedOptions, layerOptions, type BatchNormalizationOptions } from './options.js';
import type { ArrayOf, Axis, BackendName, DType, Tensor, TensorInput, TensorLike } from './types.js';
import { checkLength, floatParam } from './validate.js';

export type { BatchNormalizationOptions };

/**
 * The book's `BatchNormalization` layer (Deep Learning from Scratch, chapter 6): `forward(x,
 * trainFlg)` normalises with the batch statistics in training and with the running statistics
 * in inference, `backward(dout)` returns dx and sets `dgamma` and `dbeta`. Beyond the book:
 * per-channel axes, a fused activation, PyTorch's and Keras' state formats, Wasm tensors and
 * threads. Runs on the Wasm kernels after `init()`, or on the TypeScript ones (`backend: 'js'`).
 * In float32 by default; `{ dtype: 'float64' }` makes a float64 layer, `BatchNormalization<'float64'>`,
 * whose arrays and results are Float64Arrays (the book's numpy precision).
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
export class BatchNormalization<D extends DType = 'float32'> {
  private readonly core: LayerCore;

  /**
   * The book's positional arguments. gamma and beta are kept by reference when they are
   * arrays of the layer's dtype (a Float32Array, or a Float64Array for `dtype: 'float64'`;
   * other arrays of numbers are copied, exactly into float64, rounded into float32), so that
   * an optimiser updating them in place is seen by the next training step, as in the book.
   * The running statistics are copied: the layer owns and updates its own arrays.
   *
   * @param gamma - The scale, one entry per feature (or channel with `options.axis`).
   * @param beta - The shift, the same length.
   * @param momentum - The weight of the old running value (the book's 0.9), in [0, 1]; `null`:
   *   PyTorch's cumulative average, where the batch that makes the count n weighs 1/n.
   * @param runningMean - The starting running mean (copied); null: zeros on the first forward.
   * @param runningVar - The starting running variance, given together with runningMean.
   * @param options - dtype, eps, backend, axis, activation, runningVarUnbiased, trackRunningStats,
   *   numBatchesTracked, collective (see {@link BatchNormalizationOptions}).
   * @throws TypeError when an argument has the wrong type, when only one running statistic is
   *   given, or running statistics with `trackRunningStats: false`; Error when the Wasm backend
   *   is not loaded yet (`await init()` first, or `backend: 'js'`).
   * @throws RangeError when a value is out of range: lengths that differ, a momentum outside
   *   [0, 1], an unknown option.
   *
   * @example
   * ```ts
   * const bn = new BatchNormalization([1, 1, 1], [0, 0, 0], 0.9, null, null, { axis: 1, eps: 1e-5 });
   * const bn64 = new BatchNormalization(new Float64Array([1, 1]), new Float64Array([0, 0]), 0.9, null, null, { dtype: 'float64' });
   * ```
   */
  constructor(
    gamma: ArrayOf<D> | ArrayLike<number>,
    beta: ArrayOf<D> | ArrayLike<number>,
    momentum: number | null = 0.9,
    runningMean: ArrayLike<number> | null = null,
    runningVar: ArrayLike<number> | null = null,
    options: BatchNormalizationOptions<D> = {},
  ) {
    const who = 'new BatchNormalization';
    const o = layerOptions(options, who); // first: the dtype says what the arrays become
    const g = floatParam(gamma, 'gamma', who, o.dtype);
    const b = floatParam(beta, 'beta', who, o.dtype);
    if (g.length === 0) throw new RangeError(`${who}: gamma must have at least one element; got length 0`);
    checkLength(b, g.length, 'beta', who, 'the length of gamma');
    const m = checkMomentum(momentum, who);
    const rm = runningMean == null ? null : floatParam(runningMean, 'runningMean', who, o.dtype).slice();
    const rv = runningVar == null ? null : floatParam(runningVar, 'runningVar', who, o.dtype).slice();
    if (rm) checkLength(rm, g.length, 'runningMean', who, 'the length of gamma');
    if (rv) checkLength(rv, g.length, 'runningVar', who, 'the length of gamma');
    if ((rm === null) !== (rv === null)) {
      throw new TypeError(`${who}: runningMean and runningVar must be given together; got ${rm ? 'runningMean only' : 'runningVar only'}`);
    }
    if (!o.track && (rm || o.count !== undefined)) {
      throw new TypeError(`${who}: ${rm ? 'runningMean and runningVar' : 'options.numBatchesTracked'} must be left out when options.trackRunningStats is false; got ${rm ? 'arrays' : o.count}`);
    }
    this.core = new LayerCore({
      dtype: o.dtype, gamma: g, beta: b, momentum: m, eps: o.eps, axis: o.axis, activation: o.activation, unbiased: o.unbiased,
      runningMean: rm, runningVar: rv, count: o.track ? o.count ?? 0 : null, backend: o.backend ?? currentDefaultBackend() ?? 'wasm', sync: o.sync,
    });
  }

  /**
   * A layer from a PyTorch `BatchNorm1d/2d/3d`'s state_dict fields, with PyTorch's defaults:
   * per channel (`axis: 1`), the running variance fed with the unbiased batch variance, eps
   * 1e-5, momentum 0.1 converted to ours (0.9). `momentum: null` is the cumulative average,
   * counted from `num_batches_tracked`; a state_dict without `running_mean` and `running_var`
   * (a `track_running_stats=False` module) gives a layer with `trackRunningStats: false`.
   *
   * @param sd - The state_dict's fields as arrays, plus the module's momentum and eps.
   * @param options - Overrides of the defaults above, and the other constructor options
   *   (`dtype: 'float64'` for a float64 layer: a `torch.float64` module's fields as they are).
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
  static fromPyTorch<D extends DType = 'float32'>(sd: PyTorchBatchNorm, options: BatchNormalizationOptions<D> = {}): BatchNormalization<D> {
    const who = 'BatchNormalization.fromPyTorch';
    const given = definedOptions(options, who);
    const a = fromPyTorchArgs(sd, who, checkDtype(given.dtype, who));
    // Options left undefined keep these defaults (an explicit undefined is no choice).
    return new BatchNormalization<D>(a.gamma, a.beta, a.momentum, a.runningMean, a.runningVar, {
      axis: 1, runningVarUnbiased: true, eps: a.eps, trackRunningStats: a.trackRunningStats, numBatchesTracked: a.numBatchesTracked,
      ...given,
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
  static fromKeras<D extends DType = 'float32'>(weights: KerasWeights, config: KerasConfig = {}, options: BatchNormalizationOptions<D> = {}): BatchNormalization<D> {
    const who = 'BatchNormalization.fromKeras';
    const given = definedOptions(options, who);
    const a = fromKerasArgs(weights, config, who, given.dtype === undefined ? undefined : checkDtype(given.dtype, who));
    return new BatchNormalization<D>(a.gamma, a.beta, a.momentum, a.runningMean, a.runningVar, { axis: a.axis, eps: a.eps, ...given, dtype: a.dtype as D });
  }

  /**
   * A layer from `state()` (this format or the two before it, see {@link BatchNormState}), of
   * the state's dtype (float32 for the older formats, which had no other).
   *
   * @param state - What `state()` returned, through JSON or not.
   * @param options - The backend, and a collective (with its timeout) to train on synchronized;
   *   a dtype to load the state into another precision (float32 values widen exactly; float64
   *   ones round to float32); the rest is the state's.
   * @returns A new layer, equal to the one saved.
   * @throws TypeError when state is not a state object (or of another format).
   * @throws RangeError when a value in it is out of range.
   *
   * @example
   * ```ts
   * const again = BatchNormalization.fromState(JSON.parse(JSON.stringify(bn.state())));
   * ```
   */
  static fromState<S extends DType = DType, D extends DType = S>(state: BatchNormState<S>,
    options: Pick<BatchNormalizationOptions<D>, 'dtype' | 'backend' | 'collective' | 'syncTimeoutMs'> = {}): BatchNormalization<D> {
    const who = 'BatchNormalization.fromState';
    const s = checkState(state, who);
    return new BatchNormalization<D>(s.gamma, s.beta, s.momentum, s.runningMean, s.runningVar, {
      dtype: s.dtype as D, eps: s.eps, axis: s.axis, activation: s.activation, runningVarUnbiased: s.runningVarUnbiased,
      trackRunningStats: s.trackRunningStats, numBatchesTracked: s.numBatchesTracked ?? undefined,
      ...definedOptions(options, who, ['dtype', 'backend', 'collective', 'syncTimeoutMs']),
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
  get gamma(): ArrayOf<D> {
    return this.core.gamma as ArrayOf<D>;
  }
  /**
   * Replaces gamma (an array of the layer's dtype is kept by reference, other arrays of numbers are copied).
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
  set gamma(value: ArrayOf<D> | ArrayLike<number>) {
    this.core.gamma = this.core.replacement(value, 'gamma');
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
  get beta(): ArrayOf<D> {
    return this.core.beta as ArrayOf<D>;
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
  set beta(value: ArrayOf<D> | ArrayLike<number>) {
    this.core.beta = this.core.replacement(value, 'beta');
  }

  /**
   * The weight of the old running value; null for the cumulative average.
   *
   * @returns The momentum as given (PyTorch's 0.1 reads 0.9 here).
   */
  get momentum(): number | null {
    return this.core.momentum;
  }
  /**
   * Added to the variance inside the square root.
   *
   * @returns eps (the book's 1e-6 by default).
   */
  get eps(): number {
    return this.core.eps;
  }
  /**
   * The axis option: null for the book's semantics.
   *
   * @returns 1 (channels first), -1, 2 or 3 (channels last), or null.
   */
  get axis(): Axis | null {
    return this.core.axis ?? null;
  }
  /**
   * The fused activation.
   *
   * @returns 'relu', 'relu6' or null.
   */
  get activation(): Activation | null {
    return this.core.activation;
  }
  /**
   * Whether the running variance is fed with the unbiased batch variance (PyTorch) rather than
   * the biased one (the book, ONNX, Keras).
   *
   * @returns The option's value.
   */
  get runningVarUnbiased(): boolean {
    return this.core.unbiased;
  }
  /**
   * Whether the layer keeps running statistics. Without them (PyTorch's
   * `track_running_stats=False`) every forward normalises with the batch's own statistics, in
   * inference too, and `backward` differentiates the last forward of either mode.
   *
   * @returns The option's value.
   */
  get trackRunningStats(): boolean {
    return this.core.count !== null;
  }
  /**
   * The training forwards counted (PyTorch's `num_batches_tracked`): each one that succeeds adds
   * 1, whatever the momentum; with momentum null it sets the weight of the next batch.
   *
   * @returns The count, or null without running statistics.
   */
  get numBatchesTracked(): number | null {
    return this.core.count;
  }
  /**
   * The running mean, owned by the layer and updated in place by each training forward.
   *
   * @returns The array; null until the first forward when not given, and always null without
   *   running statistics.
   */
  get runningMean(): ArrayOf<D> | null {
    return this.core.runningMean as ArrayOf<D> | null;
  }
  /**
   * The running variance, like runningMean.
   *
   * @returns The array, or null.
   */
  get runningVar(): ArrayOf<D> | null {
    return this.core.runningVar as ArrayOf<D> | null;
  }
  /**
   * Set by backward: sum over the batch of dout * xn.
   *
   * @returns A new array per backward, or null before the first.
   */
  get dgamma(): ArrayOf<D> | null {
    return this.core.dgamma as ArrayOf<D> | null;
  }
  /**
   * Set by backward: sum over the batch of dout.
   *
   * @returns A new array per backward, or null before the first.
   */
  get dbeta(): ArrayOf<D> | null {
    return this.core.dbeta as ArrayOf<D> | null;
  }
  /**
   * The element type the layer computes in and keeps its arrays in.
   *
   * @returns 'float32' or 'float64' (the constructor's option).
   */
  get dtype(): D {
    return this.core.dtype as D;
  }
  /**
   * The backend the layer runs on.
   *
   * @returns 'wasm' or 'js'.
   * @throws TypeError after dispose(); Error while an async call is in flight.
   */
  get backend(): BackendName {
    return this.core.live('BatchNormalization.backend').backend;
  }
  /**
   * Whether dispose() was called.
   *
   * @returns true once disposed.
   */
  get disposed(): boolean {
    return this.core.engine === null;
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
    this.core.paramsChanged();
  }

  /**
   * The book's forward: batch statistics when trainFlg (and the running statistics move),
   * running statistics otherwise (batch statistics in both modes without running statistics).
   *
   * @param x - `{ data, shape }` (an ndarray view too) or an onnxruntime Tensor, float32 or
   *   float64 (converted to the layer's dtype: widened exactly into float64); shape
   *   `[N, D]` or `[N, C, H, W]` (with `options.axis`, also `[N, C, L]` or channels last).
   * @param trainFlg - Training (default) or inference.
   * @param out - Where to write y: a tensor of x's shape whose data is of the layer's dtype
   *   (a Float32Array, or a Float64Array; e.g. from allocTensor(shape, dtype)); may be x for
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
  forward<T extends Tensor<ArrayOf<D>> = Tensor<ArrayOf<D>>>(x: TensorInput, trainFlg = true, out?: T | null): T {
    return this.core.forward(x, trainFlg, out, 'BatchNormalization.forward') as T;
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
  forwardAsync<T extends Tensor<ArrayOf<D>> = Tensor<ArrayOf<D>>>(x: TensorInput, trainFlg = true, out?: T | null): Promise<T> {
    return this.core.forwardAsync(x, trainFlg, out, 'BatchNormalization.forwardAsync') as Promise<T>;
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
  backward<T extends Tensor<ArrayOf<D>> = Tensor<ArrayOf<D>>>(dout: TensorInput, out?: T | null): T {
    return this.core.backward(dout, out, 'BatchNormalization.backward') as T;
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
  backwardAsync<T extends Tensor<ArrayOf<D>> = Tensor<ArrayOf<D>>>(dout: TensorInput, out?: T | null): Promise<T> {
    return this.core.backwardAsync(dout, out, 'BatchNormalization.backwardAsync') as Promise<T>;
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
  toPyTorch(): PyTorchExport<ArrayOf<D>> {
    return toPyTorchFields(this) as PyTorchExport<ArrayOf<D>>;
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
  toKeras(): KerasExport<ArrayOf<D>> {
    return toKerasFields(this, 'BatchNormalization.toKeras') as KerasExport<ArrayOf<D>>;
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
  state(): BatchNormState<D> {
    return stateOf(this) as BatchNormState<D>;
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
  foldInto(weights: TensorLike, bias?: ArrayLike<number> | null): Folded<ArrayOf<D>> {
    this.core.live('BatchNormalization.foldInto');
    return foldInto(this, weights, bias) as Folded<ArrayOf<D>>;
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
    this.core.dispose();
  }
}
